"""SARIF artifact locations: RFC 3986 relative references, whatever the URL looks like.

Code scanning takes ``artifactLocation.uri`` as a path in the repository; the SARIF
schema says ``format: uri-reference``. A colon in the first segment would make it
read as a scheme (``::1_8000/api/me``), raw non-ASCII (``café``) is not a URI at all.
The check below is written from RFC 3986's grammar, independently of the code.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from wsgicors.cli import main

from . import apps

# RFC 3986, section 3.3 and 4.2: relative-ref = relative-part (no query or fragment
# here), relative-part = path-noscheme = segment-nz-nc *( "/" segment ).
_UNRESERVED = r"A-Za-z0-9\-._~"
_SUB_DELIMS = r"!$&'()*+,;="
_PCT = r"%[0-9A-Fa-f]{2}"
_SEGMENT_NZ_NC = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}@]|{_PCT})+"
_SEGMENT = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:@]|{_PCT})*"
PATH_NOSCHEME = re.compile(rf"{_SEGMENT_NZ_NC}(?:/{_SEGMENT})*")

URLS = {
    "http://[::1]:8000/api/me": "%5B%3A%3A1%5D_8000/api/me",
    "http://[2001:db8::7]/x": "%5B2001%3Adb8%3A%3A7%5D/x",
    "http://café.example/api/café": "xn--caf-dma.example/api/caf%C3%A9",
    "http://bücher.example:8443/": "xn--bcher-kva.example_8443",
    "http://localhost/a b/<id>/%2F/ok": "localhost/a%20b/%3Cid%3E/%2F/ok",
    "http://localhost/../../../etc/passwd": "localhost/etc/passwd",
    "http://localhost/api/%2e%2e/%2E%2E/x": "localhost/x",
    "http://localhost//double//slash/": "localhost/double/slash",
    "http://localhost/v1:beta/items?q=1#frag": "localhost/v1:beta/items",
    "http://localhost/%zz/%41": "localhost/%25zz/%41",
    "http://localhost/\u2028/\U0001f600": "localhost/%E2%80%A8/%F0%9F%98%80",
}


@pytest.mark.parametrize("url", list(URLS))
def test_artifact_uri_is_a_relative_reference(url: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "cors.sarif"
    main(["audit", "--app", "tests.audit.apps:suffix", url, "--origin", apps.TRUSTED,
          "--sarif", str(target)])
    capsys.readouterr()
    results = json.loads(target.read_text())["runs"][0]["results"]
    assert results, "the app has findings at every URL"
    for result in results:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert PATH_NOSCHEME.fullmatch(uri), uri
        assert uri == URLS[url]
        assert result["properties"]["url"] == url  # the URL itself stays in the properties


def test_the_grammar_check_refuses_what_code_scanning_refuses() -> None:
    for bad in ("::1_8000/api/me", "café.example/x", "a b/c", "/abs", "%zz/x", ""):
        assert not PATH_NOSCHEME.fullmatch(bad), bad


def test_rfc3986_package_agrees() -> None:
    rfc3986 = pytest.importorskip("rfc3986")
    validator = rfc3986.validators.Validator().check_validity_of(
        "scheme", "userinfo", "host", "port", "path", "query", "fragment")
    for uri in URLS.values():
        reference = rfc3986.uri_reference(uri)
        assert reference.scheme is None and reference.authority is None, uri
        validator.validate(reference)  # raises on an invalid component
