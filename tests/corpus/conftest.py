"""Django configured by tests/django's conftest, whichever folder pytest collects first.

The corpus only needs settings to exist (each record's CORS settings are put in
place with override_settings); sharing tests/django's keeps both folders working in
one pytest run.
"""

from __future__ import annotations

import tests.django.conftest  # noqa: F401 - configures Django once per process
