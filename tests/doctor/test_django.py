"""``--django-settings``: the doctor reads a Django project's wsgicors_django configuration.

Django can be set up once per process, so each run is a ``python -m wsgicors``
subprocess in a throw-away project.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

ORIGIN = "https://app.example.com"

SETTINGS = '''
SECRET_KEY = "doctor-tests-only"
DEBUG = True
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "mysite.urls"
INSTALLED_APPS = ["wsgicors_django"]
MIDDLEWARE = ["wsgicors_django.middleware.CorsMiddleware"]
DATABASES = {}
USE_TZ = True
CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
CORS_ALLOW_METHODS = ["GET", "PUT"]
CORS_PREFLIGHT_MAX_AGE = 600
'''

URLS = '''
from django.http import JsonResponse
from django.urls import path
from wsgicors_django.decorators import cors


def items(request):
    return JsonResponse({"items": []})


@cors(allow_origins=["https://partner.example"])
def partner(request):
    return JsonResponse({"partner": True})


urlpatterns = [path("api/items/", items), path("partner/", partner)]
'''


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("djproject")
    (root / "mysite").mkdir()
    (root / "mysite" / "__init__.py").write_text("")
    (root / "mysite" / "settings.py").write_text(textwrap.dedent(SETTINGS))
    (root / "mysite" / "urls.py").write_text(textwrap.dedent(URLS))
    (root / "plain.py").write_text(textwrap.dedent(SETTINGS).replace(
        'MIDDLEWARE = ["wsgicors_django.middleware.CorsMiddleware"]', "MIDDLEWARE = []"))
    return root


def _run(project: Path, *args: str) -> tuple[int, Any, str]:
    done = subprocess.run([sys.executable, "-m", "wsgicors", *args], cwd=project,
                          capture_output=True, text=True, timeout=60)
    data = json.loads(done.stdout) if "--json" in args and done.stdout else done.stdout
    return done.returncode, data, done.stderr


def test_explain_django_settings(project: Path) -> None:
    status, data, err = _run(project, "explain", "--django-settings", "mysite.settings",
                             "--path", "/api/items/", "--origin", "https://evil.example",
                             "--json")
    assert status == 1, err
    assert data["origins"] == [ORIGIN] and data["max_age"] == 600
    assert data["decisions"][0]["setting"] == "CORS_ALLOWED_ORIGINS"


def test_explain_reads_the_views_own_policy(project: Path) -> None:
    status, data, err = _run(project, "explain", "--django-settings", "mysite.settings",
                             "--path", "/partner/", "--json")
    assert status == 0, err
    assert data["origins"] == ["https://partner.example"]


def test_check_django_settings_in_process_names_the_setting(project: Path) -> None:
    status, out, err = _run(project, "check", "--django-settings", "mysite.settings",
                            "/api/items/", "--origin", ORIGIN, "-X", "DELETE")
    assert status == 1, err
    assert "add 'DELETE' to CORS_ALLOW_METHODS" in out


def test_project_without_the_middleware_is_an_error(project: Path) -> None:
    status, out, err = _run(project, "explain", "--django-settings", "plain")
    assert status == 2 and out == ""
    assert "MIDDLEWARE does not list wsgicors_django.middleware.CorsMiddleware" in err
