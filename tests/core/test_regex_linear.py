"""wsgicors.linear: every user regex is matched in time linear in the text.

* the automaton agrees with Python's re on random patterns and texts (fullmatch and
  match, with flags);
* the proof that lets re run a pattern is sound: on every pattern it accepts, a model
  of a backtracking matcher takes at most m·(n+1) steps; and it is not vacuous: the
  classic ReDoS shapes are refused, the common origin, path and header regexes pass;
* the work per character is bounded: steps grow linearly with the text (ratios);
* constructs no automaton runs are refused with a reason naming them.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wsgicors.linear import (
    MAX_CACHED_STATES,
    LinearPattern,
    NotLinear,
    _AutomatonMatcher,
    backtracking_is_linear,
    compile_linear,
)
from wsgicors.nfa import CHAR, MATCH, NFA, build, parse
from wsgicors.origins import OriginRule, compile_rules

ATOMS = ["a", "b", "ab", ".", "[ab]", "[^a]", r"\d", r"\w", r"\s", r"\b", r"\B", "^", "$",
         r"\A", r"\Z", "(?i:A)", "[a-c]", r"\n", "x", "k", "K", "_", "é", "(?s:.)", "-", ":"]
QUANTIFIERS = ["*", "+", "?", "{2}", "{0,2}", "{1,3}", "*?", "{2,}", "+?"]
TEXT = "abxkK_\n é1 -:"
FLAGS = [0, re.IGNORECASE, re.MULTILINE, re.DOTALL, re.ASCII, re.IGNORECASE | re.MULTILINE]


def patterns(depth: int = 3) -> st.SearchStrategy[str]:
    return st.recursive(
        st.sampled_from(ATOMS),
        lambda inner: st.one_of(
            st.tuples(inner, inner).map("".join),
            st.tuples(inner, inner).map(lambda pair: f"(?:{pair[0]}|{pair[1]})"),
            st.tuples(inner, st.sampled_from(QUANTIFIERS)).map(lambda pair: f"(?:{pair[0]}){pair[1]}"),
        ),
        max_leaves=8,
    )


def automaton(pattern: str, flags: int = 0) -> _AutomatonMatcher:
    """The automaton for *pattern*, even where the proof would let re run it."""
    compiled = re.compile(pattern, flags)
    tokens, all_flags = parse(compiled.pattern, compiled.flags)
    return _AutomatonMatcher(compiled, build(tokens, all_flags))


def analysis(pattern: str) -> NFA:
    tokens, flags = parse(pattern)
    return build(tokens, flags, analysis=True)


# -- the automaton means what re means ----------------------------------------------

@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pattern=patterns(), flags=st.sampled_from(FLAGS),
       texts=st.lists(st.text(alphabet=TEXT, max_size=8), min_size=1, max_size=8))
def test_automaton_agrees_with_re(pattern: str, flags: int, texts: list[str]) -> None:
    compiled = re.compile(pattern, flags)
    matcher = automaton(pattern, flags)
    for text in texts:
        assert matcher.fullmatch(text) == (compiled.fullmatch(text) is not None), (pattern, text)
        assert matcher.match(text) == (compiled.match(text) is not None), (pattern, text)


@pytest.mark.parametrize(("pattern", "text", "full", "prefix"), [
    (r"/api/.*", "/api/users\n", False, True),          # '.' stops at a newline
    (r"(?s)/api/.*", "/api/users\n", True, True),
    (r"^/api/$", "/api/\n", False, True),               # '$' before a final newline
    (r"/api/\Z", "/api/\n", False, False),
    (r"(?i)x-acme-\w+", "X-ACME-Trace", True, True),
    (r"(?i)k", "\u212a", True, True),                   # Kelvin sign folds to k
    (r"\bfoo\b", "foo", True, True),
    (r"\d+", "٣٤", True, True),                          # Unicode digits, as re
    (r"(?a)\d+", "٣٤", False, False),
])
def test_automaton_edge_cases_match_re(pattern: str, text: str, full: bool, prefix: bool) -> None:
    matcher = automaton(pattern)
    assert (matcher.fullmatch(text), matcher.match(text)) == (full, prefix)
    compiled = re.compile(pattern)
    assert (compiled.fullmatch(text) is not None, compiled.match(text) is not None) == (
        full, prefix)


# -- the proof that lets re run a pattern ---------------------------------------------

def backtracking_steps(nfa: NFA, text: str, cap: int) -> int:
    """Character steps a backtracking matcher anchored at 0 takes to fail on *text*,
    exploring every path (a model of re on a text that does not match)."""
    def free(start: int) -> list[int]:
        """CHAR and MATCH states after free moves, once per distinct path."""
        found, pending = [], [(start, frozenset[int]())]
        while pending:
            state, seen = pending.pop()
            if nfa.kinds[state] in (CHAR, MATCH):
                found.append(state)
            elif state not in seen:
                pending += [(out, seen | {state}) for out in nfa.outs[state]]
        return found

    steps = 0
    stack = [(state, 0) for state in free(nfa.start)]
    while stack:
        state, index = stack.pop()
        if nfa.kinds[state] != CHAR or index >= len(text):
            continue
        if text[index] in nfa.classes[nfa.args[state]]:
            steps += 1
            if steps > cap:
                return steps
            stack.extend((target, index + 1) for target in free(nfa.outs[state][0]))
    return steps


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pattern=patterns(), texts=st.lists(st.text(alphabet="abxk1-", max_size=14), max_size=5))
def test_proven_patterns_backtrack_at_most_m_steps_per_character(pattern: str,
                                                                 texts: list[str]) -> None:
    nfa = analysis(pattern)
    if not backtracking_is_linear(nfa):
        return
    states = sum(1 for kind in nfa.kinds if kind == CHAR)
    for text in texts:
        bound = states * (len(text) + 1)
        assert backtracking_steps(nfa, text, bound) <= bound, (pattern, text)


@pytest.mark.parametrize("pattern", [
    r"https://([a-z0-9-]+)+\.example\.com",   # nested quantifiers (issue 18 item 1)
    r"([a-z0-9-]+\.?)+",                      # overlapping under a quantifier
    r"(a|a)*b", r"(a|ab|b)*c", r"(\w+\s?)+$", r"(a*)*b",
    r".*x.*y", r"a*a*", r"\d+\d+",            # polynomial
    r"(?:[a-z]+-?)*[a-z]+\.example\.com",
])
def test_ambiguous_patterns_never_run_on_re(pattern: str) -> None:
    assert not backtracking_is_linear(analysis(pattern))
    assert compile_linear(pattern).engine == "automaton"


@pytest.mark.parametrize("pattern", [
    r"^https://([a-z0-9-]+\.)*example\.com$", r"https://[a-z0-9-]+\.example\.com(:\d+)?",
    r"https?://localhost(:\d+)?", r"^https://(www\.)?example\.com$",
    r"http://192\.168\.\d+\.\d+(:\d+)?", "https://" + "(?:ab|cd)" * 30 + r"\.example\.com",
    r"/api/.*", r"^/api/v[0-9]+/users/[0-9]+$", r"(?i)x-acme-.*",
    pytest.param(r"/static/(?>[^/]+)/.*", marks=pytest.mark.skipif(
        sys.version_info < (3, 11), reason="atomic groups are Python 3.11's")),
    r"/(?=[a-z])[a-z]+", r"\bfoo\b",
])
def test_common_patterns_keep_the_fast_engine(pattern: str) -> None:
    assert compile_linear(pattern).engine == "re"


def test_the_policy_own_patterns_are_proven() -> None:
    rules = [OriginRule("", "https", "*.example.com", None), OriginRule("", "http", "localhost", "*"),
             OriginRule("", "https", "*.a.example.com", "8443")]
    compiled = compile_rules(rules)
    assert compiled is not None
    assert compile_linear(compiled).engine == "re"


# -- bounded work -------------------------------------------------------------------

@pytest.mark.parametrize(("pattern", "text"), [
    (r"https://([a-z0-9-]+)+\.example\.com", "https://{}!"),
    (r"([a-z0-9-]+\.?)+", "{}!"),
    (r".*x.*y", "x{}"),
    (r"(a|aa)*c", "{}"),
    (r"^(\w+\s?)+$", "{} !"),
])
def test_steps_grow_linearly_with_the_text(pattern: str, text: str) -> None:
    matcher = automaton(pattern)

    def steps(size: int) -> int:
        matcher.steps = 0
        assert matcher.fullmatch(text.format("a" * size)) is False
        return matcher.steps

    small, large = steps(1_000), steps(8_000)
    assert large / small < 8 * 1.5  # linear: 8x the text, about 8x the work


def test_cache_stays_bounded_whatever_texts_arrive() -> None:
    matcher = automaton(r"(?:a|b|c|d|e|f|g|h|i|j)*z(?:[a-j]{0,8})")
    for size in range(1, 3_000):
        matcher.fullmatch("abcdefghij"[size % 10:] * (size % 7) + "z" + "abcdefgh"[: size % 9])
    assert len(matcher._cache.states) <= MAX_CACHED_STATES


# -- what no automaton runs ---------------------------------------------------------

@pytest.mark.parametrize(("pattern", "named"), [
    (r"(a+)\1", "backreference"),
    (r"(?P<x>a)(?P=x)", "backreference"),
    (r"(a)?(?(1)b|c)", "conditional"),
    (r"(?=.*a)b", "lookahead"),
    (r"a{20000}", "too large"),
])
def test_constructs_no_linear_matcher_runs_are_refused(pattern: str, named: str) -> None:
    with pytest.raises(NotLinear) as raised:
        compile_linear(pattern)
    assert named in str(raised.value)


def test_bytes_patterns_are_refused() -> None:
    with pytest.raises(NotLinear):
        compile_linear(re.compile(b"a+"))  # type: ignore[arg-type]


def test_api_reports_pattern_and_engine() -> None:
    matcher: Any = compile_linear(re.compile(r"(a+)+b", re.IGNORECASE))
    assert isinstance(matcher, LinearPattern)
    assert (matcher.pattern, matcher.flags & re.IGNORECASE, matcher.engine) == (
        r"(a+)+b", re.IGNORECASE, "automaton")
    assert matcher.fullmatch("AAab") and not matcher.fullmatch("aaa")
    assert matcher.match("aab-and-more") and not matcher.match("-aab")
    assert "automaton" in repr(matcher)
