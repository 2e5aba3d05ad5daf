"""Run CORScanner against one URL and print its findings as JSON (one line).

Executed with the scanner's own interpreter (.venv-scanner), never imported by the
test process: importing CORScanner runs gevent's monkey.patch_all().
"""

import json
import sys

import tldextract

# Offline: use the public-suffix snapshot bundled with tldextract, no download.
tldextract.extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

from CORScanner.cors_scan import cors_check  # noqa: E402 - after the offline fix

print(json.dumps(cors_check(sys.argv[1], None) or {}))
