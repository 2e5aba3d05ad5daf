"""Connects the check_request_enabled receiver when Django starts."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"

    def ready(self) -> None:
        from wsgicors_django.signals import check_request_enabled

        from . import cors

        check_request_enabled.connect(cors.allow_staging, dispatch_uid="api.cors.allow_staging")
