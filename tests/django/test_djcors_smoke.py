def test_allowed_origin_gets_headers(client):
    response = client.get("/api/items/", headers={"Origin": "https://app.example.com"})
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert response["Vary"] == "Origin"
