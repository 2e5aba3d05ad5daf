"""Paths through real sockets (issue 18, item 8): no request target leaves the
upstream's path prefix or ``--api-prefix``, whatever a server downstream would do
with dot-segments, backslashes, ``//``, encoded dots or encoded slashes.

The upstream records each request line as sent. Every forwarded target is canonical:
no dot-segment in any reading (raw, percent-decoded, ``\\`` or ``%2F`` as ``/``,
``;params`` stripped), so no upstream can read it as a path outside the prefix.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from wsgicors.proxy import make_app

from .support import Upstream, exchange, serving

pytestmark = pytest.mark.server

PAGE = "http://localhost:5173"

#: Targets that climb out of "/" in some server's reading: refused, never forwarded.
ESCAPES = [
    "/../x", "/a/../../x", "/a/b/../../../x", "//../x", "/./../x",
    "/%2e%2e/x", "/%2E%2E/x", "/.%2e/x", "/%2e./x", "/a/%2e%2e/%2e%2e/x",
    "/..\\x", "/a\\..\\..\\x", "/a/..%5cx", "/a/..%5C..%5Cx", "/%5c..%5c..%5cx",
    "/a/..%2fx", "/a/..%2F..%2Fx", "/%2e%2e%2fx", "/a/%2e%2e%2f%2e%2e%2fx",
    "/a/..;/x", "/a/..;jsessionid=1/..;/x", "/..;x", "/a/.;/x",
]


def seen_targets(upstream: Upstream) -> list[str]:
    return [seen.target for seen in upstream.seen]


def get(port: int, target: str) -> int:
    data = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode("latin-1")
    return exchange(port, data).status


@pytest.fixture
def proxy_v1(upstream: Upstream) -> Iterator[int]:
    """The proxy in front of the upstream's /v1."""
    with serving(make_app(upstream.url + "/v1", allow_origins=[PAGE])) as port:
        yield port


@pytest.mark.parametrize("target", ESCAPES + [t + "?q=1" for t in ESCAPES[:3]])
def test_a_path_that_climbs_out_is_a_400_and_never_forwarded(
        upstream: Upstream, proxy_v1: int, target: str) -> None:
    assert get(proxy_v1, target) == 400
    assert upstream.seen == []


@pytest.mark.parametrize("target", [
    "/a\x01b", "/a\x7fb", "/a#b", "/caf\xc3\xa9", "/caf\xe9", "/a?q=\x01", "/a?q=caf\xe9",
])
def test_a_target_with_characters_a_url_must_encode_is_a_400(
        upstream: Upstream, proxy_v1: int, target: str) -> None:
    assert get(proxy_v1, target) == 400
    assert upstream.seen == []


@pytest.mark.parametrize(("target", "forwarded"), [
    ("/a/./b", "/v1/a/b"),
    ("/a/b/../c", "/v1/a/c"),
    ("/a/b/..", "/v1/a/"),
    ("/a/.", "/v1/a/"),
    ("/a/%2e%2e/b", "/v1/b"),
    ("//x", "/v1/x"),
    ("/a//b//", "/v1/a/b/"),
    ("/a//../b", "/v1/b"),          # "//" is merged first (as nginx), then ".."
    ("/a\\b", "/v1/a/b"),
    ("/%7Euser/%41", "/v1/~user/A"),
    ("/a%2fb", "/v1/a%2Fb"),        # an encoded slash stays encoded (GitLab's ids)
    ("/a%5cb", "/v1/a%5Cb"),
    ("/a%00b", "/v1/a%00b"),
    ("/a%zz", "/v1/a%25zz"),
    ("/a|b^c", "/v1/a%7Cb%5Ec"),
    ("/a;v=1/b", "/v1/a;v=1/b"),
    ("/caf%c3%a9", "/v1/caf%C3%A9"),
    ("/..x/x../.../a..b", "/v1/..x/x../.../a..b"),  # not dot-segments
    ("/x/..?q=../1&r=%2e%2e", "/v1/?q=../1&r=%2e%2e"),  # the query as sent
])
def test_the_canonical_path_is_forwarded(
        upstream: Upstream, proxy_v1: int, target: str, forwarded: str) -> None:
    assert get(proxy_v1, target) == 200
    assert seen_targets(upstream) == [forwarded]


def test_the_log_shows_the_target_as_sent(upstream: Upstream) -> None:
    lines: list[str] = []
    with serving(make_app(upstream.url, allow_origins=[PAGE], log=lines.append)) as port:
        get(port, "/a/./b%2e?x=1")
        get(port, "/../x")
    assert seen_targets(upstream) == ["/a/b.?x=1"]
    assert lines[0].startswith("'GET' '/a/./b%2e?x=1' -> 200")
    assert lines[1] == ("'GET' '/../x' -> 400 refused: the path climbs above '/' with '..'")


@pytest.mark.parametrize("target", ["/x", "//evil.example/x", "/\\evil.example/x"])
def test_without_an_upstream_prefix_the_target_is_never_scheme_relative(
        upstream: Upstream, target: str) -> None:
    with serving(make_app(upstream.url, allow_origins=[PAGE])) as port:
        assert get(port, target) == 200
    [forwarded] = seen_targets(upstream)
    assert not forwarded.startswith("//")


# -- same-origin mode: --api-prefix is a real segment prefix -----------------------


@pytest.fixture
def static_v1(upstream: Upstream, tmp_path: Path) -> Iterator[int]:
    """Files from dist, /api forwarded to the upstream's /v1."""
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<h1>front end</h1>")
    (tmp_path / "secret.txt").write_text("not for the browser")
    with serving(make_app(upstream.url + "/v1", static=dist, api_prefix="/api")) as port:
        yield port


@pytest.mark.parametrize("target", [
    "/api/../../x", "/api/%2e%2e/%2e%2e/x", "/api/..%2F..%2Fx", "/api/..%5c..%5cx",
    "/api/..\\..\\x", "/api/..;/..;/x", "/api/%2e%2e%2f%2e%2e%2fsecret.txt",
    "/api/../../secret.txt", "/api%2F..%2F..%2Fx",
])
def test_api_paths_that_climb_out_are_refused_and_never_forwarded(
        upstream: Upstream, static_v1: int, target: str) -> None:
    assert get(static_v1, target) == 404
    assert upstream.seen == []


@pytest.mark.parametrize(("target", "forwarded"), [
    ("/api/./items", "/v1/api/items"),
    ("/api//items", "/v1/api/items"),
    ("/api/a/../items?x=1", "/v1/api/items?x=1"),
    ("/x/../api/items", "/v1/api/items"),
    ("/api", "/v1/api"),
])
def test_api_paths_are_forwarded_canonical(
        upstream: Upstream, static_v1: int, target: str, forwarded: str) -> None:
    assert get(static_v1, target) == 200
    assert seen_targets(upstream) == [forwarded]


@pytest.mark.parametrize("target", [
    "/api/../index.html", "/api/%2e%2e/index.html", "/api/..\\index.html",
])
def test_an_api_path_that_leaves_the_prefix_is_routed_as_what_it_names(
        upstream: Upstream, static_v1: int, target: str) -> None:
    """``/api/../index.html`` is ``/index.html``, as a browser would ask for it."""
    answer = exchange(static_v1, f"GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
    assert (answer.status, answer.body) == (200, b"<h1>front end</h1>")
    assert upstream.seen == []


@pytest.mark.parametrize("target", ["/api%2Fitems", "/api%5Citems", "/apiary", "/api.x"])
def test_only_the_prefix_segment_is_forwarded(
        upstream: Upstream, static_v1: int, target: str) -> None:
    assert get(static_v1, target) == 404
    assert upstream.seen == []
