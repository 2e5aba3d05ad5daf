"""Configure Django for this folder only: the rest of the suite does not use Django.

pytest-django activates once settings are configured, which happens when pytest
collects this folder; its fixtures (``settings``, ``client``...) then work here.
"""

from __future__ import annotations

import django
from django.conf import settings

from tests.django import settings as test_settings

if not settings.configured:
    settings.configure(**{name: getattr(test_settings, name)
                          for name in dir(test_settings) if name.isupper()})
    django.setup()
