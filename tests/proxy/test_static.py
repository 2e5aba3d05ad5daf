"""``--static`` never serves a file outside its directory (issue 18, item 9), through
real sockets: symbolic links that lead out are a 404 (links that stay inside work),
and so are dot-segments, encoded separators and NUL in every spelling.

The layout: ``tmp/secret.txt`` and ``tmp/outside/`` are outside; ``tmp/dist`` is served.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from wsgicors.proxy import make_app

from .support import Upstream, exchange, serving

pytestmark = pytest.mark.server

SECRET = b"not for the browser"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "secret.txt").write_bytes(SECRET)
    (tmp_path / "index.html").write_bytes(SECRET)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "data.json").write_bytes(SECRET)
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<h1>front end</h1>")
    (dist / "assets" / "app.js").write_text("console.log(1)")
    links = {
        "up": "..",                                   # the example
        "leak.txt": "../secret.txt",
        "outside": str(tmp_path / "outside"),         # absolute, to a directory
        "abs.txt": str(tmp_path / "secret.txt"),      # absolute, to a file
        "assets/deep": "../..",                       # out from a subdirectory
        "alias": "assets",                            # stays inside: allowed
        "app.js": "assets/app.js",
        "loop": "loop",
        "dangling": "nothing-here",
    }
    for name, to in links.items():
        os.symlink(to, dist / name)
    return dist


@pytest.fixture
def site(upstream: Upstream, tree: Path) -> Iterator[int]:
    with serving(make_app(upstream.url, static=tree)) as port:
        yield port


def get(port: int, target: str) -> tuple[int, bytes]:
    answer = exchange(port, f"GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
    return answer.status, answer.body


@pytest.mark.parametrize("target", [
    "/up/secret.txt", "/up/index.html", "/up/", "/up/outside/data.json", "/leak.txt",
    "/outside/data.json", "/abs.txt", "/assets/deep/secret.txt", "/alias/deep/secret.txt",
    "/up/dist/up/secret.txt", "/loop", "/dangling", "/up",
])
def test_links_that_lead_out_of_the_directory_are_a_404(
        upstream: Upstream, site: int, target: str) -> None:
    status, body = get(site, target)
    assert status == 404
    assert SECRET not in body
    assert upstream.seen == []


@pytest.mark.parametrize("target", [
    "/../secret.txt", "/%2e%2e/secret.txt", "/..%2Fsecret.txt", "/..%2fsecret.txt",
    "/%2e%2e%2fsecret.txt", "/..%5Csecret.txt", "/..\\secret.txt", "/assets/../../secret.txt",
    "/assets/%2e%2e/%2e%2e/secret.txt", "/..;/secret.txt", "/assets%2Fapp.js",
    "/assets%5Capp.js", "/secret.txt%00", "/index.html%00.js", "/assets/app.js%00",
    "/%00", "/up%2Fsecret.txt", "/alias%2F..%2F..%2Fsecret.txt",
])
def test_dot_segments_encoded_separators_and_nul_are_a_404(
        upstream: Upstream, site: int, target: str) -> None:
    status, body = get(site, target)
    assert status == 404
    assert SECRET not in body
    assert upstream.seen == []


@pytest.mark.parametrize(("target", "body"), [
    ("/alias/app.js", b"console.log(1)"),         # a link inside the directory
    ("/app.js", b"console.log(1)"),
    ("/assets/app.js", b"console.log(1)"),
    ("/up/dist/assets/app.js", b"console.log(1)"),  # leaves, but resolves inside
    ("/assets/./app.js", b"console.log(1)"),
    ("/assets//app.js", b"console.log(1)"),
    ("/", b"<h1>front end</h1>"),
    ("/assets/../index.html", b"<h1>front end</h1>"),
])
def test_files_whose_real_path_is_inside_are_served(site: int, target: str, body: bytes) -> None:
    assert get(site, target) == (200, body)


def test_a_directory_without_its_slash_is_a_404(site: int) -> None:
    assert get(site, "/assets")[0] == 404
    assert get(site, "/assets/")[0] == 404  # no index.html there


def test_a_directory_that_is_itself_a_link_is_served(upstream: Upstream, tree: Path) -> None:
    link = tree.parent / "current"
    os.symlink(tree, link)  # the deploy-by-symlink layout
    with serving(make_app(upstream.url, static=link)) as port:
        assert get(port, "/assets/app.js") == (200, b"console.log(1)")
        assert get(port, "/up/secret.txt")[0] == 404
