"""The Django app: add ``"wsgicors_django"`` to ``INSTALLED_APPS`` for system checks."""

from __future__ import annotations

from django.apps import AppConfig
from django.core.checks import Tags, register


class WsgicorsConfig(AppConfig):
    """Registers the CORS settings checks (``manage.py check``)."""

    name = "wsgicors_django"
    verbose_name = "wsgicors (CORS)"

    def ready(self) -> None:
        """Register :func:`wsgicors_django.checks.check_settings`."""
        from .checks import check_settings

        register(Tags.security)(check_settings)
