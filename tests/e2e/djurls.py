"""URLs and views of the e2e Django project (see djsite)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path, re_path

from . import apps


def _reply(result: apps.Reply) -> HttpResponse:
    status, headers, body = result
    response = HttpResponse(body, status=status)
    for name, value in headers:
        response[name] = value
    return response


def data(request: HttpRequest, rest: str = "") -> HttpResponse:
    return _reply(apps.echo(request.method or "", request.path,
                            apps.environ_headers(request.META), request.body))


def not_found(request: HttpRequest) -> HttpResponse:
    raise Http404("no such thing")


def server_error(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a real unhandled exception")


def redirect_view(request: HttpRequest) -> HttpResponse:
    return _reply(apps.redirect(request.GET.get("to", "")))


def setcookie(request: HttpRequest) -> HttpResponse:
    return _reply(apps.set_cookie(request.GET.get("v", "")))


urlpatterns = [
    path("data", data),
    re_path(r"^u/(?P<rest>.*)$", data),
    path("status/404", not_found),
    path("status/500", server_error),
    path("redirect", redirect_view),
    path("setcookie", setcookie),
]
