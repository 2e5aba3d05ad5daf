"""Issue 18 items 11-13, as a property: the policy is the one of the endpoint reached.

Real routers behind real servers (:mod:`tests.attack.routerapps`: Flask with
``wsgicors_flask`` and Django with ``wsgicors_django`` under gunicorn, Starlette with
``wsgicors.asgi`` under uvicorn, and the router-agnostic ``wsgicors.CORSMiddleware``
around Flask under gunicorn). A few hundred paths, generated from the endpoints' own
paths with a fixed seed, are sent as raw bytes (no client normalizes them): two or
more leading slashes, doubled slashes, ``%2F``, ``%0A`` (at the end, inside a segment),
``..`` and ``.`` segments (also as ``%2E``), ``+``, changed case, trailing dots and
slashes, non-ASCII (UTF-8 and not). Each endpoint answers with its name; the CORS
headers of every response that reached an endpoint, and of the preflight for the same
path, must be the ones of that endpoint's policy.

Flask and Django know their router, so the equality is exact. The two middlewares
without a router may also fail closed (no CORS headers at all) on a path that routers
read in different ways, never on a path with one reading, and never grant anything
else. On the code before the fix the property failed for Flask (``//admin/users``
answered for the partner, ``/api/admin/users`` with ``*``, ``/me%0A`` without
credentials) and for the middlewares.
"""

from __future__ import annotations

import random
import re
import sys
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.attack.routerapps import ADMIN, EVIL, PARTNER, POLICIES, POLICY_OF
from tests.support.servers import Server, free_port, python_env, raw_request, spawn

pytestmark = pytest.mark.server

GUNICORN = [sys.executable, "-m", "gunicorn", "-w", "2", "--log-level", "warning",
            "-b", "127.0.0.1:{port}"]
SERVERS = {
    "flask": [*GUNICORN, "tests.attack.routerapps:flask_app"],
    "django": [*GUNICORN, "tests.attack.routerapps:django_wsgi"],
    "starlette": [sys.executable, "-m", "uvicorn", "--log-level", "warning", "--host",
                  "127.0.0.1", "--port", "{port}", "tests.attack.routerapps:starlette_app"],
    "wsgi-middleware": [*GUNICORN, "tests.attack.routerapps:flask_plain"],
}
#: Adapters that read the path as their router does: the equality is exact.
EXACT = {"flask", "django"}
#: The endpoints' own paths, percent-encoded as a browser sends them.
BASES = [
    "/", "/admin", "/admin/users", "/admin/x", "/api/admin/users", "/api/admin/x/y",
    "/api/items", "/api/items/1", "/v2/items", "/me", "/mex", "/me/x", "/partner/status",
    "/partner/x", "/caf%C3%A9/x", "/other", "/apix", "/Admin",
]
EXAMPLES = 300
SEED = 18


def _mutate(path: str, rng: random.Random) -> str:
    """*path* changed once, in one of the ways that have split routers from policies."""
    slashes = [index for index, char in enumerate(path) if char == "/"]
    cut = rng.choice(slashes)
    kind = rng.randrange(13)
    if kind == 0:
        return "/" * rng.randint(2, 3) + path.lstrip("/")
    if kind == 1:
        return path[:cut] + "/" + path[cut:]
    if kind == 2 and cut:
        return path[:cut] + rng.choice(["%2F", "%2f"]) + path[cut + 1:]
    if kind == 3:
        return path + "%0A"
    if kind == 4:
        return path[:cut + 1] + "x%0A" + path[cut + 1:]
    if kind == 5:
        return path[:cut] + rng.choice(["/..", "/.", "/%2E%2E", "/%2e", "/x/.."]) + path[cut:]
    if kind == 6:
        return rng.choice(["/api/..", "/admin/..", "/me/../..", "/x/%2E%2E"]) + path
    if kind == 7:
        return path + rng.choice(["+", "+x", "%2B", "%20"])
    if kind == 8:
        letters = [index for index, char in enumerate(path) if char.isalpha()]
        if letters:
            index = rng.choice(letters)
            return path[:index] + path[index].swapcase() + path[index + 1:]
        return path
    if kind == 9:
        return path + rng.choice([".", "/", "..", "./", "//"])
    if kind == 10:
        return path + rng.choice(["%C3%A9", "%FF", "%E2%80%AE", "%00", "%0D"])
    if kind == 11:
        return path.replace("a", "%C3%A1", 1)
    return path + rng.choice(["%0A", "/%0A", "%0A%0A", "%0D%0A"])


def generated_paths() -> list[str]:
    rng = random.Random(SEED)
    paths = list(BASES)
    while len(paths) < EXAMPLES:
        path = rng.choice(BASES)
        for _ in range(rng.randint(1, 3)):
            path = _mutate(path, rng)
        paths.append(path)
    return paths


PATHS = generated_paths()


def single_reading(path: str) -> bool:
    """True if a router without knowledge of the application reads *path* one way."""
    text = urllib.parse.unquote(path, errors="strict") if _utf8(path) else None
    if text is None:
        return False
    return "//" not in text and "/." not in text and not text.endswith("\n")


def _utf8(path: str) -> bool:
    try:
        urllib.parse.unquote_to_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class Answer:
    """What a server answered: status, the endpoint reached (if any), CORS headers."""

    def __init__(self, raw: bytes) -> None:
        head, _, body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers: dict[str, list[str]] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers.setdefault(name.strip().lower(), []).append(value.strip())
        found = re.fullmatch(rb"endpoint=(\w+)", body.strip())
        self.endpoint = found.group(1).decode() if found and self.status == 200 else None

    def cors(self) -> tuple[str | None, str | None]:
        acao = self.headers.get("access-control-allow-origin")
        acac = self.headers.get("access-control-allow-credentials")
        return (", ".join(acao) if acao else None, ", ".join(acac) if acac else None)


def send(port: int, method: str, path: str, origin: str, preflight: bool = False) -> Answer:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Origin: {origin}",
             "Connection: close"]
    if preflight:
        lines.append("Access-Control-Request-Method: PUT")
    return Answer(raw_request(port, ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")))


@pytest.fixture(scope="module", params=sorted(SERVERS))
def server(request: pytest.FixtureRequest) -> Iterator[tuple[str, Server]]:
    kind = request.param
    port = free_port()
    command = [part.format(port=port) for part in SERVERS[kind]]
    env = python_env(DJANGO_SETTINGS_MODULE="tests.attack.routerapps")
    with spawn(kind, "routerapps", command, port, env=env) as running:
        yield kind, running


def test_the_policy_is_the_one_of_the_endpoint_reached(server: tuple[str, Server]) -> None:
    kind, running = server
    jobs = [(path, origin) for path in PATHS for origin in (ADMIN, PARTNER, EVIL)]

    def judge(job: tuple[str, str]) -> tuple[str, str | None]:
        path, origin = job
        answer = send(running.port, "GET", path, origin)
        if answer.endpoint is None:
            return "not routed", None
        expected = POLICIES[POLICY_OF[answer.endpoint]][origin]
        got = answer.cors()
        preflight = send(running.port, "OPTIONS", path, origin, preflight=True)
        granted = preflight.cors()[0] if preflight.status == 204 else None
        if got == expected and granted == expected[0]:
            return "exact", None
        if kind not in EXACT and not single_reading(path) and got == (None, None) \
                and granted is None:
            return "failed closed", None
        return "wrong", (f"{path!r} from {origin} reached {answer.endpoint}: "
                         f"got {got}, preflight {preflight.status} {granted}; "
                         f"the endpoint's policy gives {expected}")

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(judge, jobs))
    counts = Counter(outcome for outcome, _wrong in results)
    wrong = [detail for outcome, detail in results if outcome == "wrong"]
    assert wrong == [], f"{kind}: {len(wrong)} of {len(jobs)} wrong, {dict(counts)}:\n" + \
        "\n".join(wrong[:20])
    # Most generated paths reach an endpoint; the property is not vacuous.
    assert counts["exact"] > len(jobs) // 3, counts
    assert counts["failed closed"] < counts["exact"] // 4, counts


def test_the_generated_paths_cover_every_kind_of_change() -> None:
    text = "\n".join(PATHS)
    for needle in ("//", "%2F", "%0A", "/..", "%2E", "+", "%C3%A9", "%FF", "Admin", "./"):
        assert needle in text, needle
    assert sum(path.startswith("//") for path in PATHS) > 10
