"""URLs and views of the Django project in djangosettings.py, and its WSGI application.

Wrong: ``/legacy/<int:pk>/`` (django-cors-headers' prefix-matching regex) and
``/partners/<slug:slug>/`` (every subdomain, with cookies).
"""

from __future__ import annotations

from typing import Any

from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import path, re_path
from django.views import View

from wsgicors_django import cors, cors_exempt


def _text(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    return HttpResponse("data\n")


class ItemView(View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return HttpResponse(f"item {pk}\n")

    def put(self, request: HttpRequest, pk: int) -> HttpResponse:
        return HttpResponse(status=204)


@cors(allow_origins="*")
def feed(request: HttpRequest) -> HttpResponse:
    return HttpResponse("[]\n")


@cors_exempt
def webhook(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok\n")


@cors(allow_origins=["https://app.example.com"])
def me(request: HttpRequest) -> HttpResponse:
    return _text(request)


def legacy(request: HttpRequest, pk: int) -> HttpResponse:
    return _text(request)


@cors(allow_origins=["https://*.example.com"], allow_credentials=True)
def partner(request: HttpRequest, slug: str) -> HttpResponse:
    return _text(request)


def health(request: HttpRequest) -> HttpResponse:
    return _text(request)


def report(request: HttpRequest, year: str) -> HttpResponse:
    return _text(request)


urlpatterns = [
    path("api/me/", me),
    path("api/items/<int:pk>/", cors(allow_origins=["https://app.example.com"])(
        ItemView.as_view())),
    path("legacy/<int:pk>/", legacy),
    path("partners/<slug:slug>/", partner),
    path("feed/", feed),
    path("webhook/", webhook),
    path("health/", health),
    re_path(r"^reports/(?P<year>[0-9]{4})/$", report),
]

application = get_wsgi_application()
