"""WSGI and ASGI entry points for the real-server tests (gunicorn, uvicorn).

Connects the django-cors-headers-style receiver, which runs a database query, so
the ASGI server proves sync receivers are not called from the event loop.
"""

from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application

wsgi = get_wsgi_application()
asgi = get_asgi_application()

from tests.django import views  # noqa: E402  (needs the settings loaded above)
from wsgicors_django.signals import check_request_enabled  # noqa: E402

check_request_enabled.connect(views.signal_receiver)
