"""One endpoint: which process answered."""

from __future__ import annotations

import os

from django.http import HttpRequest, JsonResponse
from django.urls import path


def whoami(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"pid": os.getpid()})


urlpatterns = [path("api/whoami/", whoami)]
