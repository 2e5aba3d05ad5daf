"""What the audit must find in the Django project of djangourls.py (importable without
configuring Django, so the test process can compare)."""

MISCONFIGURED = {
    "/legacy/<int:pk>/": {"prefix-match": "high"},
    "/partners/<slug:slug>/": {"any-subdomain-trusted": "low"},
}
POLICIES = {
    "/api/me/": "wsgicors", "/api/items/<int:pk>/": "wsgicors",
    "/legacy/<int:pk>/": "django-cors-headers", "/partners/<slug:slug>/": "wsgicors",
    "/feed/": "wsgicors", "/webhook/": "none", "/health/": "none",
    "/reports/(?P<year>[0-9]{4})/": "none",
}
