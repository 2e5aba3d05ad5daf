"""A regular expression as an automaton: Python's parse tree compiled to a Thompson NFA.

:mod:`wsgicors.linear` runs these automata (in time linear in the text) and uses them
to prove when Python's backtracking :mod:`re` engine is safe to run instead. The NFA
covers what origin, path and header regexes use: literals, classes, categories, ``.``,
alternation, groups (with scoped flags such as ``(?i:...)``), greedy and lazy repeats
(bounded repeats are unrolled), the anchors ``^ $ \\A \\Z \\b \\B`` and the flags
``IGNORECASE``, ``MULTILINE``, ``DOTALL``, ``ASCII`` and ``VERBOSE``.

Characters are classified by :mod:`re` itself (each class is compiled on its own and
asked about single characters), so a class means exactly what it means to Python,
case folding and Unicode categories included.

Backreferences and conditionals have no automaton. Lookarounds, atomic groups and
possessive repeats change which strings match in ways an NFA cannot follow either; in
*analysis* mode (``assume_atomic_free=True``) they are read as what they prune, which
is what the proof of :func:`wsgicors.linear.backtracking_is_linear` needs.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

if sys.version_info >= (3, 11):
    from re import _parser as sre_parse
else:  # pragma: no cover - Python 3.10
    import sre_parse

#: Most NFA states one pattern may compile to (bounded repeats are unrolled).
MAX_STATES = 10_000
#: Longest lookaround body (in characters) the analysis accepts as bounded work.
MAX_LOOKAROUND_WIDTH = 1_000

CHAR, SPLIT, ASSERT, MATCH = range(4)

_FLAG_I, _FLAG_M, _FLAG_S, _FLAG_A, _FLAG_U = (
    re.IGNORECASE, re.MULTILINE, re.DOTALL, re.ASCII, re.UNICODE,
)
_TYPE_FLAGS = _FLAG_A | _FLAG_U | re.LOCALE
_CATEGORIES = {
    "CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S", "CATEGORY_WORD": r"\w", "CATEGORY_NOT_WORD": r"\W",
}

Token = tuple[Any, Any]


class NoAutomaton(ValueError):
    """The pattern uses a construct an NFA cannot run; the message says which."""


def parse(pattern: str, flags: int = 0) -> tuple[list[Token], int]:
    """The parse tree of *pattern* (its top-level tokens) and its global flags."""
    tree = sre_parse.parse(pattern, flags)
    return list(tree.data), int(tree.state.flags)


def name(token: Token) -> str:
    """The opcode name of a parse-tree token (``LITERAL``, ``BRANCH``...)."""
    return str(token[0])


class CharClass:
    """The set of characters one NFA state accepts."""

    __slots__ = ("_high", "_mask", "low", "source", "wide")

    def __init__(self, source: str, flags: int, wide: bool) -> None:
        #: A regex for one character of the class, compiled with *flags*.
        self.source = source
        compiled = _compile_one(source, flags)
        #: Membership of the code points 0-255, by code point.
        self.low = bytes(compiled.fullmatch(chr(point)) is not None for point in range(256))
        self._mask = sum(1 << point for point, member in enumerate(self.low) if member)
        #: False when no character above U+00FF can belong to the class.
        self.wide = wide
        self._high: Callable[[str], bool] = functools.lru_cache(maxsize=256)(
            lambda char: compiled.fullmatch(char) is not None
        )

    def __contains__(self, char: str) -> bool:
        point = ord(char)
        return bool(self.low[point]) if point < 256 else self.wide and self._high(char)

    def may_overlap(self, other: CharClass) -> bool:
        """False only when no character belongs to both classes."""
        if self.wide and other.wide:
            return True
        return bool(self._mask & other._mask)

    @property
    def empty(self) -> bool:
        """True when the class provably accepts no character at all."""
        return not self.wide and not self._mask


@functools.lru_cache(maxsize=512)
def _compile_one(source: str, flags: int) -> re.Pattern[str]:
    return re.compile(source, flags)


@functools.lru_cache(maxsize=512)
def _char_class(source: str, flags: int, wide: bool) -> CharClass:
    return CharClass(source, flags, wide)


def token_class(token: Token, flags: int) -> CharClass | None:
    """The characters a one-character token (``LITERAL``, ``IN``, ``ANY``...) accepts."""
    op = name(token)
    if op not in ("LITERAL", "NOT_LITERAL", "ANY", "IN"):
        return None
    source, wide = _class_source(op, token[1], flags)
    return _char_class(source, flags & (_FLAG_I | _FLAG_S | _FLAG_A), wide)


class NFA:
    """A Thompson NFA: states are integers; ``kinds``, ``args`` and ``outs`` describe them.

    ``CHAR`` states consume one character of ``classes[args[state]]`` and go to their
    single out; ``SPLIT`` states are free moves to each of their outs; ``ASSERT``
    states are free moves that hold only where ``args[state]`` (an anchor name) holds;
    ``MATCH`` accepts.
    """

    def __init__(self) -> None:
        self.kinds: list[int] = []
        self.args: list[Any] = []
        self.outs: list[tuple[int, ...]] = []
        self.classes: list[CharClass] = []
        self.start = 0
        #: Lookaround bodies met in analysis mode, each compiled as its own NFA.
        self.lookarounds: list[NFA] = []

    def add(self, kind: int, arg: Any = None, outs: tuple[int, ...] = ()) -> int:
        if len(self.kinds) >= MAX_STATES:
            raise NoAutomaton(
                f"it is too large: its repeat counts unroll to more than {MAX_STATES} "
                "states (use + or * instead of large {m,n} counts)"
            )
        self.kinds.append(kind)
        self.args.append(arg)
        self.outs.append(outs)
        return len(self.kinds) - 1

    @property
    def has_asserts(self) -> bool:
        """True when matching depends on the context of a position (anchors)."""
        return ASSERT in self.kinds


def build(tokens: Sequence[Token], flags: int, *, analysis: bool = False) -> NFA:
    """Compile parse-tree *tokens* into an :class:`NFA`.

    :raises NoAutomaton: for backreferences and conditionals, and (unless *analysis*)
        for lookarounds, atomic groups and possessive repeats.
    """
    nfa = NFA()
    builder = _Builder(nfa, analysis)
    nfa.start = builder.sequence(tokens, nfa.add(MATCH), flags)
    return nfa


class _Builder:
    """Builds states right to left: each token is compiled knowing where it goes next."""

    def __init__(self, nfa: NFA, analysis: bool) -> None:
        self.nfa = nfa
        self.analysis = analysis
        self._class_ids: dict[tuple[str, int], int] = {}

    def sequence(self, tokens: Sequence[Token], after: int, flags: int) -> int:
        for token in reversed(tokens):
            after = self.token(token, after, flags)
        return after

    def token(self, token: Token, after: int, flags: int) -> int:
        op, av = name(token), token[1]
        if op in ("LITERAL", "NOT_LITERAL", "ANY", "IN"):
            return self.nfa.add(CHAR, self.char_class(op, av, flags), (after,))
        if op == "BRANCH":
            starts = tuple(self.sequence(list(alt), after, flags) for alt in av[1])
            return self.nfa.add(SPLIT, None, starts)
        if op == "SUBPATTERN":
            return self.sequence(list(av[-1]), after, _scoped(flags, av[1], av[2]))
        if op in ("MAX_REPEAT", "MIN_REPEAT"):
            return self.repeat(av, after, flags)
        if op == "AT":
            return self.nfa.add(ASSERT, _anchor(str(av), flags), (after,))
        if op in ("ATOMIC_GROUP", "POSSESSIVE_REPEAT", "ASSERT", "ASSERT_NOT"):
            return self.pruning(op, av, after, flags)
        if op in ("GROUPREF", "GROUPREF_EXISTS"):
            what = "a backreference" if op == "GROUPREF" else "a conditional (?(group)...)"
            raise NoAutomaton(f"it uses {what}, which no linear-time matcher can run")
        raise NoAutomaton(f"it uses {op}, which this matcher does not know")

    def repeat(self, av: Any, after: int, flags: int) -> int:
        low, high, body = av[0], av[1], list(av[2])
        if high == sre_parse.MAXREPEAT:
            loop = self.nfa.add(SPLIT)
            self.nfa.outs[loop] = (self.sequence(body, loop, flags), after)
            tail = loop
        else:
            tail = after
            for _ in range(high - low):  # x{0,2} is (x(x)?)?: one way to match each count
                tail = self.nfa.add(SPLIT, None, (self.sequence(body, tail, flags), after))
        for _ in range(low):
            tail = self.sequence(body, tail, flags)
        return tail

    def pruning(self, op: str, av: Any, after: int, flags: int) -> int:
        """Constructs that only ever remove ways to match; analysis reads them so."""
        if not self.analysis:
            what = {
                "ATOMIC_GROUP": "an atomic group (?>...)",
                "POSSESSIVE_REPEAT": "a possessive repeat (*+, ++, ?+)",
            }.get(op, "a lookahead or lookbehind")
            raise NoAutomaton(f"it uses {what}, which a linear-time automaton cannot run")
        if op == "ATOMIC_GROUP":
            return self.sequence(list(av), after, flags)
        if op == "POSSESSIVE_REPEAT":
            return self.repeat(av, after, flags)
        body = av[1]
        if body.getwidth()[1] > MAX_LOOKAROUND_WIDTH:
            raise NoAutomaton(
                "it has a lookahead whose body can match an unbounded length, which costs "
                "a scan of the rest of the text at each position"
            )
        self.nfa.lookarounds.append(build(list(body), flags, analysis=True))
        return self.nfa.add(SPLIT, None, (after,))  # the check itself: a free move

    def char_class(self, op: str, av: Any, flags: int) -> int:
        source, wide = _class_source(op, av, flags)
        key = (source, flags & (_FLAG_I | _FLAG_S | _FLAG_A))
        if key not in self._class_ids:
            self._class_ids[key] = len(self.nfa.classes)
            self.nfa.classes.append(_char_class(source, key[1], wide))
        return self._class_ids[key]


def _scoped(flags: int, add: int, remove: int) -> int:
    # As sre_compile: a scoped (?a:...) or (?u:...) replaces the type flag.
    if add & _TYPE_FLAGS:
        flags &= ~_TYPE_FLAGS
    return (flags | add) & ~remove


def _anchor(code: str, flags: int) -> str:
    if flags & _FLAG_M:
        code = {"AT_BEGINNING": "AT_BEGINNING_LINE", "AT_END": "AT_END_LINE"}.get(code, code)
    if code in ("AT_BOUNDARY", "AT_NON_BOUNDARY") and flags & _FLAG_A:
        code += "_ASCII"
    return code


def _escape(point: int) -> str:
    return f"\\U{point:08x}"


def _folds(point: int, flags: int) -> bool:
    """True if case folding may pair code point *point* with one above U+00FF."""
    return bool(flags & _FLAG_I) and not flags & _FLAG_A and chr(point).lower() != chr(
        point
    ).upper()


def _class_source(op: str, av: Any, flags: int) -> tuple[str, bool]:
    """A one-character regex for a class token, and whether it may reach past U+00FF."""
    if op == "LITERAL":
        return _escape(av), av > 255 or _folds(av, flags)
    if op == "NOT_LITERAL":
        return f"[^{_escape(av)}]", True
    if op == "ANY":
        return ".", True
    parts: list[str] = []
    wide = False
    negate = False
    for item_op, item in av:
        kind = str(item_op)
        if kind == "NEGATE":
            negate = True
        elif kind == "LITERAL":
            parts.append(_escape(item))
            wide = wide or item > 255 or _folds(item, flags)
        elif kind == "RANGE":
            parts.append(f"{_escape(item[0])}-{_escape(item[1])}")
            wide = wide or item[1] > 255 or (
                bool(flags & _FLAG_I)
                and any(_folds(p, flags) for p in range(item[0], min(item[1], 255) + 1))
            )
        else:
            category = _CATEGORIES.get(str(item))
            if category is None:  # pragma: no cover - the parser makes no others
                raise NoAutomaton(f"it uses the class item {item}")
            parts.append(category)
            wide = wide or not flags & _FLAG_A or category.isupper()
    return ("[^" if negate else "[") + "".join(parts) + "]", wide or negate


def opcode(op_name: str) -> Any:
    """The parse-tree opcode called *op_name* (to build tokens: ``(opcode("LITERAL"), 46)``)."""
    return getattr(sre_parse, op_name)
