"""wsgicors.specificity: which path regex is more specific, proven or not at all.

Routes orders its patterns by these answers and fails closed where they cannot be
ordered, so an answer of True must be a proof: the properties below generate regexes
and texts they match (hypothesis, fixed seed) and look for a counterexample.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from wsgicors.specificity import Comparer, disjoint, includes


def dotall(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags | re.DOTALL)


@pytest.mark.parametrize("outer, inner", [
    (r"/(?:api|v2)/.*", r"/api/admin/[a-z]+"),
    (r"/api(?:/.*)?", r"/api/v[0-9]+/very/long/regex/.*"),
    (r"^/api/.*$", r"/api/public(?:/.*)?"),
    (r".*", r"/x/[^/]+"),
    (r"/x/[^/]+", r"/x/\w+"),
    (r"/x/[^/]+", r"/x/[a-z0-9é]+"),
    (r"/a.*", r"/ab.*"),
    (r"/a.*", r"/a\n"),
    (r"/[a-z]+", r"/(?:abc|xyz)"),
])
def test_proven_inclusions(outer: str, inner: str) -> None:
    assert includes(dotall(outer), dotall(inner))


@pytest.mark.parametrize("outer, inner", [
    (r"/api/admin/[a-z]+", r"/(?:api|v2)/.*"),
    (r"/x/\w+", r"/x/[^/]+"),  # '-' is not a word character
    (r"/x/[^/]+", r"/x/.+"),
    (r"/api/.*", r"/api"),
    (r"/x/[a-z]+", r"/x/[a-zé]+"),
])
def test_refuted_inclusions(outer: str, inner: str) -> None:
    assert not includes(dotall(outer), dotall(inner))


@pytest.mark.parametrize("first, second, apart", [
    (r"/api/.*", r"/v2/.*", True),
    (r"/a/[0-9]+", r"/a/[a-z]+", True),
    (r"/api/.*", r"/(?:api|v2)/x", False),
    (r"/files/.*\.json", r"/files/secret/.*", False),
    (r"/x/.*", r"/x/é.*", False),
])
def test_disjointness(first: str, second: str, apart: bool) -> None:
    assert disjoint(dotall(first), dotall(second)) is apart


@pytest.mark.parametrize("pattern", [r"/(a)\1", r"/x(?=y).*", r"/a\b.*", r"/(?i:x)\Bz"])
def test_what_the_automata_cannot_compare_is_never_proven(pattern: str) -> None:
    assert not includes(dotall(r".*"), dotall(pattern))
    assert not disjoint(dotall(r"/q.*"), dotall(pattern)) or not pattern.startswith("/q")


def test_the_work_of_one_comparer_is_bounded() -> None:
    comparer = Comparer(budget=2)
    assert not comparer.includes(dotall(r"/(?:a|b)*c.*"), dotall(r"/(?:a|b)*c[a-z]*"))


# -- soundness, as properties ---------------------------------------------------------

PIECES = ["a", "b", "/", "é", r"\n", ".", "[^/]", "[a-z]", r"\w", "[ab]", "(?:a|/b)"]


@st.composite
def regexes(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 5))):
        piece = draw(st.sampled_from(PIECES))
        parts.append(piece + draw(st.sampled_from(["", "", "*", "+", "?"])))
    return "/" + "".join(parts)


@seed(18)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(regexes(), regexes(), st.data())
def test_a_proven_inclusion_has_no_counterexample(outer: str, inner: str,
                                                  data: st.DataObject) -> None:
    big, small = dotall(outer), dotall(inner)
    if includes(big, small):
        for _ in range(5):
            text = data.draw(st.from_regex(small, fullmatch=True))
            assert big.fullmatch(text), (outer, inner, text)


@seed(18)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(regexes(), regexes(), st.data())
def test_proven_disjoint_patterns_share_no_text(first: str, second: str,
                                                data: st.DataObject) -> None:
    one, two = dotall(first), dotall(second)
    if disjoint(one, two):
        for _ in range(5):
            text = data.draw(st.from_regex(one, fullmatch=True))
            assert not two.fullmatch(text), (first, second, text)
