"""Which of two path regexes is more specific: comparing the paths they match.

:class:`wsgicors.Routes` lets the most specific pattern that matches a path decide,
whatever the order the patterns were given in. Between ``/prefix/*`` patterns that is
plain string comparison; between regexes (and a regex and a prefix) it is the
inclusion of what they match: ``/api/admin/[a-z]+`` decides before ``/(?:api|v2)/.*``
because every path the first matches, the second matches too.

:func:`includes` and :func:`disjoint` decide that on the regexes' automata
(:mod:`wsgicors.nfa`, the same automata :mod:`wsgicors.linear` runs), by exploring the
pairs of states both can be in after reading the same text, one character class at a
time. Both answer ``True`` only with a proof: a construct the automata do not cover
(lookarounds, backreferences), an anchor anywhere but at the very start or end, or
more than :data:`BUDGET` pairs of states make the answer ``False``, and
:class:`~wsgicors.Routes` then fails closed on the paths both patterns match.

Characters above U+00FF are not enumerated: for :func:`includes` the inner pattern
may read one wherever one of its classes may hold one, and the outer pattern only
where its class certainly holds every such character (``.``, ``[^/]``) or is the very
class the inner pattern read it with; for :func:`disjoint` both read one wherever they
may. Either way a proof stays a proof.
"""

from __future__ import annotations

import functools
import re
from collections import deque
from collections.abc import Callable, Iterable
from typing import NamedTuple

from .nfa import CHAR, MATCH, NFA, CharClass, NoAutomaton, Token, build, name, parse

#: Pairs of automaton states one comparison may visit before it gives up (unproven).
BUDGET = 2_000
#: Pairs of states all the comparisons of one :class:`Comparer` may visit: past it,
#: every further answer is "unproven" (start-up time stays bounded whatever the
#: configuration; Routes then fails closed where such patterns overlap).
TOTAL_BUDGET = 50_000

_LEADING = frozenset({"AT_BEGINNING", "AT_BEGINNING_STRING"})
_TRAILING = frozenset({"AT_END", "AT_END_STRING"})
_ALL_LOW = (1 << 256) - 1
_ESCAPE = re.compile(r"\\U([0-9a-f]{8})(?:-\\U([0-9a-f]{8}))?")
_HIGH = -1  # the symbol standing for the characters above U+00FF
# A set of CHAR states after free moves, and whether the automaton accepts there.
_Set = tuple[frozenset[int], bool]
# Which classes a step reads through.
_Reads = Callable[[CharClass], bool]


class _Compiled(NamedTuple):
    nfa: NFA
    #: The literal text every match starts with ('' when unknown).
    prefix: str


class Comparer:
    """Compares the patterns of one configuration, sharing automata and work."""

    def __init__(self, budget: int = TOTAL_BUDGET) -> None:
        self._left = budget
        self._compiled: dict[tuple[str, int], _Compiled | None] = {}
        self._steps: dict[tuple[int, frozenset[int], int, int], _Set] = {}

    def includes(self, outer: re.Pattern[str], inner: re.Pattern[str]) -> bool:
        """True if every text *inner* full-matches, *outer* full-matches too (proven)."""
        small, large = self._compile(inner), self._compile(outer)
        if small is None or large is None or not _compatible(small.prefix, large.prefix):
            return False
        # A counterexample: a text the inner pattern matches and the outer does not.
        return self._no_pair(small.nfa, large.nfa, lambda inner_ok, outer_ok: inner_ok and
                             not outer_ok, self._inclusion_steps)

    def disjoint(self, first: re.Pattern[str], second: re.Pattern[str]) -> bool:
        """True if no text full-matches both patterns (proven)."""
        left, right = self._compile(first), self._compile(second)
        if left is None or right is None:
            return False
        if not _compatible(left.prefix, right.prefix):
            return True  # '/v1/...' and '/v2/...' part at their first characters
        return self._no_pair(left.nfa, right.nfa, lambda one_ok, two_ok: one_ok and two_ok,
                             self._common_steps)

    def _no_pair(
        self, one: NFA, two: NFA, wrong: Callable[[bool, bool], bool],
        steps: Callable[[NFA, _Set, NFA, _Set], Iterable[tuple[_Set, _Set]]],
    ) -> bool:
        """True if no pair of state sets both automata reach on one text is *wrong*
        about accepting it (every pair explored within the budget)."""
        seen: set[tuple[_Set, _Set]] = set()
        queue = deque([(_closure(one, (one.start,)), _closure(two, (two.start,)))])
        while queue:
            pair = queue.popleft()
            if pair in seen:
                continue
            if not self._spend(len(seen)):
                return False
            seen.add(pair)
            if wrong(pair[0][1], pair[1][1]):
                return False
            queue.extend(steps(one, pair[0], two, pair[1]))
        return True

    def _inclusion_steps(self, one: NFA, mine: _Set, two: NFA, theirs: _Set
                         ) -> Iterable[tuple[_Set, _Set]]:
        states, others = mine[0], theirs[0]
        for point in _symbols(one, states, two, others):
            ahead = self._step(one, states, point)
            if ahead[0] or ahead[1]:  # the inner pattern is still alive
                yield ahead, self._step(two, others, point)
        wide = {one.classes[one.args[state]] for state in states
                if one.classes[one.args[state]].wide}
        if wide:
            # One character above U+00FF: the outer pattern must hold it for sure.
            known = next(iter(wide)) if len(wide) == 1 else None
            yield self._step(one, states, _HIGH), self._step(two, others, _HIGH, known)

    def _common_steps(self, one: NFA, mine: _Set, two: NFA, theirs: _Set
                      ) -> Iterable[tuple[_Set, _Set]]:
        states, others = mine[0], theirs[0]
        if not states or not others:
            return
        for point in _symbols(one, states, two, others):
            yield self._step(one, states, point), self._step(two, others, point)
        yield self._step(one, states, _HIGH), self._step(two, others, _HIGH)

    def _spend(self, visited: int) -> bool:
        if visited >= BUDGET or self._left <= 0:
            return False
        self._left -= 1
        return True

    def _compile(self, pattern: re.Pattern[str]) -> _Compiled | None:
        key = (pattern.pattern, pattern.flags)
        if key not in self._compiled:
            self._compiled[key] = _compile(pattern)
        return self._compiled[key]

    def _step(self, nfa: NFA, states: frozenset[int], point: int,
              known: CharClass | None = None) -> _Set:
        """The states after one character: *point* below U+0100, or one above it
        (:data:`_HIGH`): any wide class may read it, or (with *known*, for an outer
        pattern) only a class that surely holds it."""
        key = (id(nfa), states, point, -2 if known is None else id(known))
        found = self._steps.get(key)
        if found is None:
            if point != _HIGH:
                reads = _holding(point)
            elif known is None:
                reads = _may_hold_high
            else:
                reads = _surely_holding_high(known)
            classes, args, outs = nfa.classes, nfa.args, nfa.outs
            found = _closure(nfa, [outs[s][0] for s in states if reads(classes[args[s]])])
            self._steps[key] = found
        return found


def includes(outer: re.Pattern[str], inner: re.Pattern[str]) -> bool:
    """True if every text *inner* full-matches, *outer* full-matches too (proven)."""
    return Comparer().includes(outer, inner)


def disjoint(first: re.Pattern[str], second: re.Pattern[str]) -> bool:
    """True if no text full-matches both patterns (proven)."""
    return Comparer().disjoint(first, second)


def _compatible(one: str, two: str) -> bool:
    """False if no text starts with both literal prefixes."""
    return one.startswith(two) or two.startswith(one)


def _compile(pattern: re.Pattern[str]) -> _Compiled | None:
    """The NFA of *pattern* as full-matched, and its literal prefix; None when it
    cannot be compared."""
    try:
        tokens, flags = parse(pattern.pattern, pattern.flags)
        tokens = _without_outer_anchors(tokens)
        nfa = build(tokens, flags)
    except (NoAutomaton, re.error, RecursionError):
        return None
    if nfa.has_asserts:
        return None
    prefix = ""
    if not flags & re.IGNORECASE:
        for token in tokens:
            if name(token) != "LITERAL":
                break
            prefix += chr(token[1])
    return _Compiled(nfa, prefix)


def _without_outer_anchors(tokens: list[Token]) -> list[Token]:
    # In a full match, '^' or '\A' first and '$' or '\Z' last always hold ('$' before a
    # final newline would leave that newline unmatched): they are no-ops.
    if tokens and name(tokens[0]) == "AT" and str(tokens[0][1]) in _LEADING:
        tokens = tokens[1:]
    if tokens and name(tokens[-1]) == "AT" and str(tokens[-1][1]) in _TRAILING:
        tokens = tokens[:-1]
    return tokens


def _closure(nfa: NFA, seeds: Iterable[int]) -> _Set:
    kinds, outs = nfa.kinds, nfa.outs
    stack = list(seeds)
    seen: set[int] = set()
    chars: list[int] = []
    accepts = False
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if kinds[node] == CHAR:
            chars.append(node)
        elif kinds[node] == MATCH:
            accepts = True
        else:
            stack.extend(outs[node])
    return frozenset(chars), accepts


def _holding(point: int) -> _Reads:
    def reads(cls: CharClass) -> bool:
        return bool(cls.low[point])
    return reads


def _may_hold_high(cls: CharClass) -> bool:
    return cls.wide


def _surely_holding_high(known: CharClass | None) -> _Reads:
    def reads(cls: CharClass) -> bool:
        return cls is known or _holds_all_high(cls)
    return reads


def _symbols(one: NFA, states: frozenset[int], two: NFA, others: frozenset[int]) -> list[int]:
    """One code point below U+0100 for each way the classes of both sets split them."""
    blocks = [_ALL_LOW]
    for nfa, group in ((one, states), (two, others)):
        for cls in {nfa.classes[nfa.args[state]] for state in group}:
            mask = _low_mask(cls)
            blocks = [part for block in blocks
                      for part in (block & mask, block & ~mask) if part]
    return [(block & -block).bit_length() - 1 for block in blocks]


def _low_mask(cls: CharClass) -> int:
    return _mask_of(cls.low)


@functools.lru_cache(maxsize=1024)
def _mask_of(low: bytes) -> int:
    """The 256-bit set of the code points below U+0100 a class holds."""
    return sum(1 << point for point, member in enumerate(low) if member)


def _holds_all_high(cls: CharClass) -> bool:
    """True if *cls* holds every character above U+00FF: ``.``, or a negated class of
    low characters none of which has a case (so no case folding reaches above U+00FF)."""
    if cls.source == ".":
        return True
    if not cls.source.startswith("[^"):
        return False
    inner = cls.source[2:-1]
    if _ESCAPE.sub("", inner):
        return False  # a category such as \w or \s: it holds some high characters
    for low_text, high_text in _ESCAPE.findall(inner):
        low = int(low_text, 16)
        high = int(high_text, 16) if high_text else low
        if high > 0xFF or any(chr(p).lower() != chr(p).upper() for p in range(low, high + 1)):
            return False
    return True


