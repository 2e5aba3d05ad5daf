"""The canonical form of paths (:func:`wsgicors.proxy.target.normalize`) as a
property: no reading of a canonical path by any server has a dot-segment, and the
form is stable. The same paths go through real sockets in ``test_paths.py``."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsgicors.proxy.target import PathError, normalize

from .test_paths import ESCAPES


def _readings(path: str) -> list[str]:
    """The ways a server might read *path*: as is, decoded, ``\\``/``%5C``/``%2F`` as
    ``/``, ``;params`` stripped, cut at a NUL."""
    decoded = unquote(path).replace("\\", "/")
    return [path, path.replace("\\", "/"), decoded, re.sub(r"[;\0][^/]*", "", decoded)]


@pytest.mark.parametrize("path", [
    *ESCAPES, "/a/b/c/../../..", "/a/./b/../../c", "/%2e", "/a%2F%2e%2e", "/a/%2e%2e%3b/x",
    "/a/.%2E/b", "/a/b%2f..%2f..%2f..%2fx", "/x/%2e%2e%5c%2e%2e%5c", "/a/%2e;x/b",
    "/a/..%00/x", "/a/..%00.png", "/a/%2e%2e%3bx/b",
])
def test_no_reading_of_a_canonical_path_has_a_dot_segment(path: str) -> None:
    try:
        canonical = normalize(path)
    except PathError:
        return
    for reading in _readings(canonical):
        assert not {".", ".."} & set(reading.split("/")), (path, canonical, reading)


@pytest.mark.parametrize("path", ["/", "/a", "/a/", "/a/b%2Fc", "/~x/A-b_c.d", "/a;b=c"])
def test_a_canonical_path_is_its_own_canonical_form(path: str) -> None:
    assert normalize(path) == path
    assert normalize(normalize("/x/.." + path)) == normalize("/x/.." + path)


#: Pieces that make dot-segments, separators, parameters and encodings in every spelling.
PIECES = ["/", "\\", ".", "..", "%2e", "%2E", "%2f", "%2F", "%5c", "%5C", ";", ";x",
          "%3b", "%00", "%", "%25", "%252e", "a", "~", "%7e", "|", "//"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14))
def test_any_path_is_refused_or_canonical(pieces: list[str]) -> None:
    path = "/" + "".join(pieces)
    try:
        canonical = normalize(path)
    except PathError:
        return
    assert re.fullmatch(r"/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-F]{2})*", canonical)
    assert "//" not in canonical
    assert normalize(canonical) == canonical
    for reading in _readings(canonical):
        assert not {".", ".."} & set(reading.split("/")), (path, canonical, reading)
