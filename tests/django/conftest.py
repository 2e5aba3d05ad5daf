"""Configure Django for this folder only: the rest of the suite does not use Django.

pytest-django activates once settings are configured, which happens when pytest
collects this folder; its fixtures (``settings``, ``client``...) then work here.
"""

from __future__ import annotations

import django
import djcors_settings
from django.conf import settings

if not settings.configured:
    settings.configure(**{name: getattr(djcors_settings, name)
                          for name in dir(djcors_settings) if name.isupper()})
    django.setup()
