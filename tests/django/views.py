"""Views and hooks the tests request: plain, async, class-based, decorated, failing."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import View

from wsgicors_django import cors, cors_exempt

#: How many times each view ran: proves a preflight never reached it.
CALLS: dict[str, int] = {}
#: Origins "stored in the database" for CORS_ALLOW_ORIGIN_FUNC and the signal.
DYNAMIC_ORIGINS = {"https://tenant.example.org"}


def _count(name: str) -> None:
    CALLS[name] = CALLS.get(name, 0) + 1


def items(request: HttpRequest) -> HttpResponse:
    _count("items")
    return JsonResponse({"method": request.method})


async def async_items(request: HttpRequest) -> HttpResponse:
    _count("async_items")
    return JsonResponse({"method": request.method, "async": True})


def other(request: HttpRequest) -> HttpResponse:
    _count("other")
    return HttpResponse("other")


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("view failed")


def denied(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def varies(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("varies")
    response["Vary"] = "Cookie"
    return response


def own_cors(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("own")
    response["Access-Control-Allow-Origin"] = "https://own.example"
    return response


class ItemView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        _count("ItemView")
        return HttpResponse("cbv")


@cors(allow_origins=["https://partner.example"], allow_credentials=True, allow_methods=["GET", "PUT"],
      max_age=600)
def partner_report(request: HttpRequest) -> HttpResponse:
    _count("partner_report")
    return HttpResponse("report")


@cors(allow_origins=["https://partner.example"])
async def partner_async(request: HttpRequest) -> HttpResponse:
    _count("partner_async")
    return HttpResponse("async report")


@cors(allow_origins="*")
class PublicView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        _count("PublicView")
        return HttpResponse("public")


@cors_exempt
def exempt(request: HttpRequest) -> HttpResponse:
    _count("exempt")
    return HttpResponse(f"exempt {request.method}")


def _database_says(origin: str) -> bool:
    # A real query: under ASGI without a thread this raises SynchronousOnlyOperation.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return origin in DYNAMIC_ORIGINS


def origin_in_db(origin: str) -> bool:
    """CORS_ALLOW_ORIGIN_FUNC target."""
    return _database_says(origin)


def signal_receiver(sender: object, request: HttpRequest, **kwargs: object) -> bool:
    """check_request_enabled receiver with django-cors-headers' signature."""
    return _database_says(request.headers.get("origin", ""))
