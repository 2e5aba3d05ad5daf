"""Views: a sync API, an async feed with its own CORS policy, a webhook without CORS."""

from django.http import HttpRequest, HttpResponse, JsonResponse

from wsgicors_django import cors, cors_exempt


def items(request: HttpRequest) -> HttpResponse:
    response = JsonResponse({"items": ["a", "b"]})
    response["X-Request-Id"] = "42"
    return response


@cors(allow_origins="*", allow_methods=["GET"], max_age=3600)
async def feed(request: HttpRequest) -> HttpResponse:
    """A public read-only feed: any site may read it, without credentials."""
    return JsonResponse({"feed": []})


@cors_exempt
def payment_webhook(request: HttpRequest) -> HttpResponse:
    """Server-to-server only: no CORS headers, ever."""
    return HttpResponse("ok")
