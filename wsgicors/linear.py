"""Regexes matched in time linear in the text: every user regex a request runs.

A user's regex meets attacker-chosen text on every request: an ``Origin``, a path, a
header name. Python's :mod:`re` backtracks, and a pattern such as
``https://([a-z0-9-]+)+\\.example\\.com`` makes it try exponentially many ways to split
``https://aaaa...a!`` (each character doubles the time), while ``.*x.*y`` is quadratic.
:func:`compile_linear` returns a matcher that never does that:

* when the structure of the pattern *proves* that backtracking stays linear, it is
  Python's own :mod:`re` (the fast path, written in C);
* otherwise it is a lazily built DFA over the pattern's Thompson NFA
  (:mod:`wsgicors.nfa`), which reads each character once.

Either way, matching a text of *n* characters against a pattern of *m* NFA states
costs O(n·m) steps, whatever the text.

**The proof.** A backtracking matcher anchored at the start (``fullmatch``/``match``;
wsgicors never searches) explores, in the worst case, every path of the NFA that
agrees with a prefix of the text. If no two different paths read the same word and
end in the same state (the NFA is *prefix-unambiguous*), there are at most *m* paths
per prefix, so at most m·(n+1) steps. :func:`backtracking_is_linear` checks that on
the pairs of states two paths can be in after reading the same word, and counts the
free moves between two states, so that ``(a+)+`` (one ``a`` reachable from itself in
two ways) is caught as well as ``a*a*`` and ``.*x.*y``. It may say no to a pattern
that is in fact linear (that pattern just takes the automaton); it never says yes to
one that is not. Lookarounds, atomic groups and possessive repeats only remove paths,
so they are proven as plain groups, with lookaround bodies bounded in width and proven
on their own; backreferences are refused (:class:`NotLinear`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from .nfa import ASSERT, CHAR, MATCH, NFA, NoAutomaton, build, parse

#: Pairs of states the proof may visit before it gives up (the automaton is used).
PROOF_BUDGET = 200_000
#: Distinct DFA states one automaton remembers before it starts a new cache.
MAX_CACHED_STATES = 2_000
#: Total NFA states held by one cache generation (bounds its memory).
MAX_CACHED_SIZE = 200_000

_EMPTY_NON_BOUNDARY = re.fullmatch(r"\B", "") is not None  # changed in Python 3.14


class NotLinear(ValueError):
    """A regex that cannot be matched in linear time; ``str()`` says why and what to do."""


class LinearPattern:
    """A compiled regex whose matching costs O(n·m) for a text of n characters.

    :attr:`engine` is ``"re"`` (Python's engine, proven safe for this pattern) or
    ``"automaton"`` (a lazily built DFA).
    """

    __slots__ = ("engine", "flags", "pattern")

    def __init__(self, pattern: str, flags: int, engine: str) -> None:
        #: The source of the regex.
        self.pattern = pattern
        #: Its :mod:`re` flags.
        self.flags = flags
        self.engine = engine

    def fullmatch(self, text: str) -> bool:
        """True if the whole of *text* matches (as ``re.fullmatch``)."""
        raise NotImplementedError

    def match(self, text: str) -> bool:
        """True if a prefix of *text* matches (as ``re.match``)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"compile_linear({self.pattern!r}, {self.flags}) [{self.engine}]"


def compile_linear(pattern: str | re.Pattern[str], flags: int = 0) -> LinearPattern:
    """Compile *pattern* into a :class:`LinearPattern`.

    :raises re.error: when the pattern does not compile.
    :raises NotLinear: for constructs no linear-time matcher runs (backreferences,
        conditionals, unbounded lookaheads, huge repeat counts) whose structure does
        not prove Python's engine linear either; the message names the construct.
    """
    compiled = pattern if isinstance(pattern, re.Pattern) else re.compile(pattern, flags)
    if not isinstance(compiled.pattern, str):
        raise NotLinear("it is a bytes pattern; text is matched with str patterns")
    tokens, all_flags = parse(compiled.pattern, compiled.flags)
    try:
        proven = backtracking_is_linear(build(tokens, all_flags, analysis=True))
    except NoAutomaton as exc:
        if "backreference" in str(exc) or "conditional" in str(exc):
            raise NotLinear(str(exc)) from None
        proven = False
    if proven:
        return _ReMatcher(compiled)
    try:
        nfa = build(tokens, all_flags)
    except NoAutomaton as exc:
        raise NotLinear(
            f"{exc}, and its structure does not prove that Python's re engine runs it "
            "in linear time; write it without that construct"
        ) from None
    return _AutomatonMatcher(compiled, nfa)


class _ReMatcher(LinearPattern):
    __slots__ = ("_fullmatch", "_match")

    def __init__(self, compiled: re.Pattern[str]) -> None:
        super().__init__(compiled.pattern, compiled.flags, "re")
        self._fullmatch = compiled.fullmatch
        self._match = compiled.match

    def fullmatch(self, text: str) -> bool:
        return self._fullmatch(text) is not None

    def match(self, text: str) -> bool:
        return self._match(text) is not None


# -- the automaton -------------------------------------------------------------------

class _State:
    """A DFA state: the NFA's CHAR states after free moves, and whether MATCH is one."""

    __slots__ = ("chars", "matched", "next")

    def __init__(self, chars: frozenset[int], matched: bool) -> None:
        self.chars = chars
        self.matched = matched
        #: Transitions: by character, or by (character, context) where anchors decide.
        self.next: dict[object, _State] = {}


_BY_CONTEXT = _State(frozenset(), False)  # marks a transition that depends on anchors


class _Cache:
    """One generation of DFA states; replaced whole when it grows past its bounds."""

    __slots__ = ("size", "starts", "states")

    def __init__(self) -> None:
        self.states: dict[tuple[frozenset[int], bool], _State] = {}
        self.starts: dict[int, _State] = {}
        self.size = 0


# Context bits of a position, for anchors: what is before and after it.
_AT_START, _AT_END, _AFTER_NL, _BEFORE_NL, _BEFORE_LAST_NL = 1, 2, 4, 8, 16
_WORD_BEFORE, _WORD_AFTER, _ASCII_WORD_BEFORE, _ASCII_WORD_AFTER = 32, 64, 128, 256


def _context(text: str, index: int) -> int:
    bits = 0
    if index == 0:
        bits |= _AT_START
    else:
        bits |= _char_bits(text[index - 1], _AFTER_NL, _WORD_BEFORE, _ASCII_WORD_BEFORE)
    if index == len(text):
        bits |= _AT_END
    else:
        bits |= _char_bits(text[index], _BEFORE_NL, _WORD_AFTER, _ASCII_WORD_AFTER)
        if index == len(text) - 1 and text[index] == "\n":
            bits |= _BEFORE_LAST_NL
    return bits


def _char_bits(char: str, newline: int, word: int, ascii_word: int) -> int:
    if char == "\n":
        return newline
    if char == "_" or char.isalnum():
        return word | ascii_word if char.isascii() else word
    return 0


def _boundary(before: int, after: int, *, inside: bool) -> Callable[[int], bool]:
    def holds(bits: int) -> bool:
        if bits & (_AT_START | _AT_END) == _AT_START | _AT_END:  # the empty text
            return not inside and _EMPTY_NON_BOUNDARY
        return (not bits & before) != (not bits & after) if inside else (
            (not bits & before) == (not bits & after)
        )
    return holds


_ANCHORS: dict[str, Callable[[int], bool]] = {
    "AT_BEGINNING": lambda bits: bool(bits & _AT_START),
    "AT_BEGINNING_STRING": lambda bits: bool(bits & _AT_START),
    "AT_BEGINNING_LINE": lambda bits: bool(bits & (_AT_START | _AFTER_NL)),
    "AT_END": lambda bits: bool(bits & (_AT_END | _BEFORE_LAST_NL)),
    "AT_END_LINE": lambda bits: bool(bits & (_AT_END | _BEFORE_NL)),
    "AT_END_STRING": lambda bits: bool(bits & _AT_END),
    "AT_BOUNDARY": _boundary(_WORD_BEFORE, _WORD_AFTER, inside=True),
    "AT_NON_BOUNDARY": _boundary(_WORD_BEFORE, _WORD_AFTER, inside=False),
    "AT_BOUNDARY_ASCII": _boundary(_ASCII_WORD_BEFORE, _ASCII_WORD_AFTER, inside=True),
    "AT_NON_BOUNDARY_ASCII": _boundary(_ASCII_WORD_BEFORE, _ASCII_WORD_AFTER, inside=False),
}


class _AutomatonMatcher(LinearPattern):
    """Runs the NFA as a DFA built on demand: one cached transition per character.

    A transition not cached yet costs one pass over the NFA's states (O(m)); the cache
    holds at most MAX_CACHED_STATES states and is replaced, not grown, past that, so
    memory stays bounded whatever texts arrive.
    """

    __slots__ = ("_cache", "_contextual", "_nfa", "steps")

    def __init__(self, compiled: re.Pattern[str], nfa: NFA) -> None:
        super().__init__(compiled.pattern, compiled.flags, "automaton")
        self._nfa = nfa
        self._contextual = nfa.has_asserts
        self._cache = _Cache()
        #: Work done so far (characters read plus NFA states visited); for tests.
        self.steps = 0

    def fullmatch(self, text: str) -> bool:
        state = self._run(text, prefix=False)
        return state is not None and state.matched

    def match(self, text: str) -> bool:
        state = self._run(text, prefix=True)
        return state is not None and state.matched

    def _run(self, text: str, *, prefix: bool) -> _State | None:
        cache = self._cache
        state = cache.starts.get(_context(text, 0)) if self._contextual else cache.starts.get(0)
        if state is None:
            state = self._start(cache, text)
        self.steps += len(text)
        for index, char in enumerate(text):
            if state.matched and prefix:
                return state
            if not state.chars:
                return None
            found = state.next.get(char)
            if found is _BY_CONTEXT:  # anchors ahead: the answer depends on the position
                found = state.next.get((char, _context(text, index + 1)))
            if found is None:
                found = self._step(cache, state, char, text, index + 1)
            state = found
        return state

    def _start(self, cache: _Cache, text: str) -> _State:
        state, _anchored = self._closure(cache, (self._nfa.start,), text, 0)
        cache.starts[_context(text, 0) if self._contextual else 0] = state
        return state

    def _step(self, cache: _Cache, state: _State, char: str, text: str, index: int) -> _State:
        if len(cache.states) >= MAX_CACHED_STATES or cache.size >= MAX_CACHED_SIZE:
            cache = self._cache = _Cache()
        nfa = self._nfa
        classes, args, outs = nfa.classes, nfa.args, nfa.outs
        seeds = [outs[s][0] for s in state.chars if char in classes[args[s]]]
        found, contextual = self._closure(cache, seeds, text, index)
        if contextual:
            state.next[char] = _BY_CONTEXT
            state.next[(char, _context(text, index))] = found
        else:
            state.next[char] = found
        return found

    def _closure(self, cache: _Cache, seeds: Iterable[int], text: str, index: int
                 ) -> tuple[_State, bool]:
        """The state reached from *seeds* by the free moves allowed at *text[index]*,
        and whether an anchor was consulted (then the result holds for this context only)."""
        kinds, args, outs = self._nfa.kinds, self._nfa.args, self._nfa.outs
        stack = list(seeds)
        seen: set[int] = set()
        chars: list[int] = []
        matched = False
        context = -1
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            kind = kinds[node]
            if kind == CHAR:
                chars.append(node)
            elif kind == MATCH:
                matched = True
            elif kind == ASSERT:
                if context < 0:
                    context = _context(text, index)
                if _ANCHORS[args[node]](context):
                    stack.extend(outs[node])
            else:
                stack.extend(outs[node])
        self.steps += len(seen)
        key = (frozenset(chars), matched)
        found = cache.states.get(key)
        if found is None:
            found = cache.states[key] = _State(key[0], matched)
            cache.size += len(chars) + 1
        return found, context >= 0


# -- the proof that backtracking is linear -----------------------------------------

class _OverBudget(Exception):
    pass


def backtracking_is_linear(nfa: NFA, budget: int = PROOF_BUDGET) -> bool:
    """True if a backtracking matcher anchored at the start runs *nfa* in O(n·m).

    Checks that the NFA is prefix-unambiguous (see the module docstring); False also
    when the check would take more than *budget* steps.
    """
    try:
        spent = [0]
        if not _unambiguous(nfa, budget, spent):
            return False
        return all(_unambiguous(body, budget, spent) for body in nfa.lookarounds)
    except _OverBudget:
        return False


def _unambiguous(nfa: NFA, budget: int, spent: list[int]) -> bool:
    follows = _Follows(nfa, budget, spent)
    classes = [nfa.classes[arg] if kind == CHAR else None
               for kind, arg in zip(nfa.kinds, nfa.args, strict=True)]

    def overlap(a: int, b: int) -> bool:
        first, second = classes[a], classes[b]
        return first is not None and second is not None and first.may_overlap(second)

    pending: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    sources = [nfa.start] + [
        outs[0] for kind, outs in zip(nfa.kinds, nfa.outs, strict=True) if kind == CHAR
    ]
    for source in sources:
        after = follows.of(source)
        if after is None or any(count > 1 for count in after.values()):
            return False  # two ways to make the same free moves
        states = sorted(state for state in after if not _empty(classes[state]))
        for i, first in enumerate(states):
            for second in states[i + 1:]:
                if overlap(first, second):
                    pending.append((first, second))
    while pending:
        pair = pending.pop()
        if pair in seen:
            continue
        seen.add(pair)
        ahead = [follows.of(nfa.outs[state][0]) for state in pair]
        if ahead[0] is None or ahead[1] is None:
            return False
        for first in ahead[0]:
            for second in ahead[1]:
                spent[0] += 1
                if spent[0] > budget:
                    raise _OverBudget
                if not overlap(first, second):
                    continue
                if first == second:
                    return False  # two paths, one word, one state
                pending.append((min(first, second), max(first, second)))
    return True


def _empty(char_class: object) -> bool:
    return bool(getattr(char_class, "empty", True))


class _Follows:
    """The CHAR states reachable from a state by free moves, with path counts (max 2).

    ``None`` when the free moves loop (a repeated group that can match nothing).
    """

    def __init__(self, nfa: NFA, budget: int, spent: list[int]) -> None:
        self._nfa = nfa
        self._memo: dict[int, dict[int, int] | None] = {}
        self._budget = budget
        self._spent = spent

    def of(self, state: int) -> dict[int, int] | None:
        memo, kinds, outs = self._memo, self._nfa.kinds, self._nfa.outs
        if state in memo:
            return memo[state]
        if kinds[state] in (CHAR, MATCH):
            return memo.setdefault(state, {state: 1} if kinds[state] == CHAR else {})
        # Iterative depth-first search: unrolled repeats nest thousands of states deep.
        active = {state}
        stack = [(state, iter(outs[state]))]
        while stack:
            node, pending = stack[-1]
            for out in pending:
                if out in memo:
                    if memo[out] is None:
                        return None
                elif kinds[out] in (CHAR, MATCH):
                    memo[out] = {out: 1} if kinds[out] == CHAR else {}
                elif out in active:
                    return None  # free moves that loop: endless ways to match nothing
                else:
                    active.add(out)
                    stack.append((out, iter(outs[out])))
                    break
            else:
                stack.pop()
                active.discard(node)
                memo[node] = self._combine(node)
        return memo[state]

    def _combine(self, node: int) -> dict[int, int] | None:
        total: dict[int, int] = {}
        for out in self._nfa.outs[node]:
            part = self._memo[out]
            assert part is not None  # of() returns before combining a looping state
            for target, count in part.items():
                total[target] = min(2, total.get(target, 0) + count)
            self._spent[0] += len(part)
            if self._spent[0] > self._budget:
                raise _OverBudget
        return total
