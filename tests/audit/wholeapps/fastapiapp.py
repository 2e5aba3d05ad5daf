"""A FastAPI app: wsgicors.asgi for the API, Starlette's middleware on mounted sub-apps.

Wrong: ``/legacy/items/{item_id}`` (Starlette's ``allow_origins=["*"]`` with
credentials echoes every origin), ``/partners/{slug}`` (a regex for every
subdomain, with cookies).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, WebSocket
from fastapi.middleware.cors import CORSMiddleware as StarletteCORS
from fastapi.staticfiles import StaticFiles

from wsgicors import CORSPolicy
from wsgicors.asgi import CORSMiddleware

TRUSTED = "https://app.example.com"
MISCONFIGURED = {
    "/legacy/items/{item_id}": {"any-origin-reflected": "high",
                                "null-origin-allowed": "high"},
    "/partners/{slug}": {"any-subdomain-trusted": "low"},
}
POLICIES = {
    "/api/me": "wsgicors", "/api/items/{item_id:int}": "wsgicors", "/api/orders": "wsgicors",
    "/public/feed": "wsgicors", "/internal/metrics": "none",
    "/legacy/items/{item_id}": "starlette", "/partners/{slug}": "starlette",
    "/assets/{path:path}": "wsgicors",
}

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
app.add_middleware(CORSMiddleware, allow_origins=[TRUSTED], allow_credentials=True,
                   paths={"/public/*": CORSPolicy(allow_origins="*"), "/internal/*": None,
                          "/legacy/*": None, "/partners/*": None})


@app.get("/api/me")
async def me() -> dict[str, str]:
    return {"name": "alice"}


@app.api_route("/api/items/{item_id:int}", methods=["GET", "DELETE"])
async def item(item_id: int) -> dict[str, int]:
    return {"id": item_id}


@app.post("/api/orders")
async def orders() -> dict[str, str]:
    return {"status": "created"}


@app.get("/public/feed")
async def feed() -> list[str]:
    return []


@app.get("/internal/metrics")
async def metrics() -> dict[str, int]:
    return {"requests": 1}


legacy = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
legacy.add_middleware(StarletteCORS, allow_origins=["*"], allow_credentials=True,
                      allow_methods=["*"], allow_headers=["*"])


@legacy.get("/items/{item_id}")
async def legacy_item(item_id: str) -> dict[str, str]:
    return {"id": item_id}


partners = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
partners.add_middleware(StarletteCORS, allow_origin_regex=r"https://.*\.example\.com",
                        allow_credentials=True)


@partners.get("/{slug}")
async def partner(slug: str) -> dict[str, str]:
    return {"slug": slug}


app.mount("/legacy", legacy)
app.mount("/partners", partners)
app.mount("/assets", StaticFiles(directory=Path(__file__).parent))


@app.websocket("/ws")
async def socket(websocket: WebSocket) -> None:
    await websocket.close()
