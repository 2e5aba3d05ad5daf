"""Issue 18: bounded work for every user regex a request runs, not only origin regexes.

Path regexes (``paths``, Flask ``resources``, Django ``CORS_URLS_REGEX`` and
``CORS_PATHS``, all compiled by :class:`wsgicors.Routes`) meet the request path, and
``allow_headers`` regexes every name of Access-Control-Request-Headers: both are
attacker-chosen text. They are matched by :func:`wsgicors.linear.compile_linear`.
The checks compare the cost at two input sizes (ratios with generous margins, never
wall-clock limits); before the fix Python's backtracking engine doubled the time with
each character of the exponential shapes and squared it for the quadratic ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest

from tests.attack.test_redos import fastest
from wsgicors import CORSMiddleware, CORSPolicy, Routes

EXPONENTIAL = [r"/api/(a+)+b", r"/api/(a|aa)+b", r"/api/([a-z]+[0-9]*)+b"]
QUADRATIC = [r"/api/[a-z]*a[a-z]*b", r"/api/.*a.*b"]


def texts(prefix: str, size: int) -> Iterator[str]:
    """Texts never seen before (no cache helps), each *size* characters of 'a' long."""
    index = 0
    while True:
        index += 1
        yield f"{prefix}{'a' * size}!{index}"


def path_cost(routes: Routes, size: int, times: int) -> float:
    paths = texts("/api/", size)
    return fastest(lambda: routes.match(next(paths)), times)


@pytest.mark.parametrize("regex", EXPONENTIAL)
def test_exponential_path_regexes_are_matched_in_linear_time(regex: str) -> None:
    routes = Routes(None, {re.compile(regex): CORSPolicy(allow_origins="*")})
    assert routes.resolve("/api/aab") is not None
    path_cost(routes, 8, 3)  # warm up the automaton's cache
    ratio = path_cost(routes, 24, 5) / path_cost(routes, 12, 5)
    assert ratio < 10, ratio  # twice the text; backtracking took 2**12 times


@pytest.mark.parametrize("regex", QUADRATIC)
def test_quadratic_path_regexes_are_matched_in_linear_time(regex: str) -> None:
    routes = Routes(None, {re.compile(regex): CORSPolicy(allow_origins="*")})
    path_cost(routes, 100, 3)
    ratio = path_cost(routes, 4000, 3) / path_cost(routes, 500, 5)
    assert ratio < 40, ratio  # 8 times the text: linear is about 8, quadratic 64


def test_a_long_path_through_the_middleware_costs_linear_time() -> None:
    def app(environ: dict[str, object], start_response: Callable[..., object]) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b""]

    middleware = CORSMiddleware(app, CORSPolicy(allow_origins="*"),
                                paths={re.compile(r"/api/(a|aa)+b"): None})

    def call(size: int) -> Callable[[], object]:
        paths = texts("/api/", size)
        return lambda: middleware({"REQUEST_METHOD": "GET", "PATH_INFO": next(paths),
                                   "HTTP_ORIGIN": "https://a.example"}, lambda *a: None)

    fastest(call(8), 3)
    ratio = fastest(call(24), 5) / fastest(call(12), 5)
    assert ratio < 10, ratio


@pytest.mark.parametrize("regex", [r"x-(a+)+b", r"x-(a|aa)+b", r"x-[a-z]*a[a-z]*b"])
def test_header_regexes_are_matched_in_linear_time(regex: str) -> None:
    policy = CORSPolicy(allow_origins="*", allow_headers=[re.compile(regex, re.IGNORECASE)])
    assert policy.allow_headers_for("x-aab") == "x-aab"

    def cost(size: int, times: int) -> float:
        names = texts("x-", size)
        return fastest(lambda: policy.allow_headers_for(next(names)), times)

    cost(8, 3)
    small, large = (12, 24) if "+)+" in regex or "|" in regex else (400, 3200)
    ratio = cost(large, 5) / cost(small, 5)
    assert ratio < 5 * large / small, ratio
