"""Drop-in check: for the same settings and realistic browser requests, actual
responses carry the same CORS headers as under django-cors-headers (installed in the
venv), except where the migration notes document a difference."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

COMMON = "django.middleware.common.CommonMiddleware"
OURS = "wsgicors_django.middleware.CorsMiddleware"
THEIRS = "corsheaders.middleware.CorsMiddleware"
CORS_HEADERS = ("access-control-allow-origin", "access-control-allow-credentials",
                "access-control-expose-headers")

CONFIGS = {
    "list": {"CORS_ALLOWED_ORIGINS": ["https://app.example.com", "http://localhost:3000"]},
    "list+credentials+expose": {"CORS_ALLOWED_ORIGINS": ["https://app.example.com"],
                                "CORS_ALLOW_CREDENTIALS": True,
                                "CORS_EXPOSE_HEADERS": ["x-total-count"]},
    "old aliases": {"CORS_ORIGIN_WHITELIST": ["https://app.example.com"],
                    "CORS_ORIGIN_REGEX_WHITELIST": [r"^https://\w+\.example\.org$"]},
    "regexes": {"CORS_ALLOWED_ORIGINS": [],
                "CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://[a-z0-9-]+\.example\.org$"]},
    "urls regex": {"CORS_ALLOWED_ORIGINS": ["https://app.example.com"],
                   "CORS_URLS_REGEX": r"^/api/.*$"},
    "allow all": {"CORS_ALLOW_ALL_ORIGINS": True},
}
ORIGINS = [None, "https://app.example.com", "http://localhost:3000", "https://a.example.org",
           "https://evil.example.net", "https://app.example.com.evil.net", "null"]
PATHS = ["/api/items/", "/other/", "/nowhere/", "/api/items"]


def answer(middleware: str, config: dict[str, object], path: str, origin: str | None):  # type: ignore[no-untyped-def]
    headers = {"Origin": origin} if origin else {}
    with override_settings(MIDDLEWARE=[middleware, COMMON], **config):
        response = Client().get(path, headers=headers)
    sent = {name.lower(): value for name, value in response.headers.items()}
    cors = {name: sent[name] for name in CORS_HEADERS if name in sent}
    vary = {part.strip().lower() for part in sent.get("vary", "").split(",") if part.strip()}
    return response.status_code, cors, vary


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_same_headers_as_django_cors_headers(settings, config):
    del settings.CORS_ALLOWED_ORIGINS, settings.CORS_URLS_REGEX
    compared = 0
    for path in PATHS:
        for origin in ORIGINS:
            ours = answer(OURS, CONFIGS[config], path, origin)
            theirs = answer(THEIRS, CONFIGS[config], path, origin)
            where = f"{config} {path} {origin}"
            assert ours[0] == theirs[0], where
            if config == "allow all":
                # Documented differences: the constant '*' is sent on every response,
                # with or without an Origin, so it needs no Vary: Origin.
                assert ours[1] == {"access-control-allow-origin": "*"}, where
                assert theirs[1] == ({} if origin is None else ours[1]), where
                assert "origin" not in ours[2] and "origin" in theirs[2], where
            else:
                assert ours[1:] == theirs[1:], where
            compared += 1
    assert compared == len(PATHS) * len(ORIGINS)
