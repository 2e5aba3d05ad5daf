"""``python -m wsgicors``: the same as the ``wsgicors`` command."""

import sys

from .doctor.cli import main

sys.exit(main())
