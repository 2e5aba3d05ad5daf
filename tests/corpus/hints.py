"""Apply what a refusal's hint says, as a user would, to get the next configuration.

A hint offers one or more alternatives (``"use 'https://x', or pass NAME=True."``);
the ones this module understands are concrete edits:

* ``write 'VALUE'`` / ``use 'VALUE'``: the value the message quotes becomes VALUE (an
  origin or pattern suggested for a regex moves to the origins option);
* ``remove 'VALUE'`` / ``remove it``: that value leaves its list;
* ``did you mean 'NAME'?``: the misspelt option is renamed;
* ``pass NAME=True`` / ``set NAME = False`` / ``turn NAME off``: the option is set;
* ``delete NAME``: the option or setting is deleted.

Anything else (``list the origins that need credentials``, ``such as
'https://*.example.com'``) names no value to write, so it is no edit.
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from wsgicors import Problem

from .records import Record, Rx, meant_origins

Options = dict[str, Any]
Edit = Callable[[Options], Options | None]

#: The most hint combinations tried for one refusal.
MAX_COMBINATIONS = 64
# Options holding only regexes, and where an origin or pattern suggested for one goes.
_REGEX_HOMES = {
    "CORS_ALLOWED_ORIGIN_REGEXES": ("CORS_ALLOWED_ORIGINS", "CORS_ORIGIN_WHITELIST"),
    "CORS_ORIGIN_REGEX_WHITELIST": ("CORS_ORIGIN_WHITELIST", "CORS_ALLOWED_ORIGINS"),
    "allow_origin_regex": ("allow_origins",),
}
_QUOTED = re.compile(r"(r?)'((?:[^'\\]|\\.)*)'")
_VALUE = r"(r?'(?:[^'\\]|\\.)*')"


def _literal(raw: bool, body: str) -> str:
    return body if raw else str(ast.literal_eval(f"'{body}'"))


def quoted(text: str) -> str | None:
    """The first value *text* quotes (``r'...'`` read raw), or None."""
    match = _QUOTED.search(text)
    return None if match is None else _literal(bool(match[1]), match[2])


def _value(token: str) -> tuple[str, bool]:
    """A quoted token as (value, written as a raw regex)."""
    match = _QUOTED.fullmatch(token)
    assert match is not None
    return _literal(bool(match[1]), match[2]), bool(match[1])


def option_key(record: Record) -> Callable[[str], str]:
    """How *record* spells an option a hint names: ``app.config`` keys are ``CORS_*``."""
    if record.form == "app.config":
        return lambda name: name if name.startswith("CORS_") else "CORS_" + name.upper()
    return lambda name: name


def alternatives(problem: Problem, key: Callable[[str], str] = str) -> list[Edit]:
    """The concrete edits *problem*'s hint offers (empty: it names no value).

    *key* spells the option names the hint uses as the configuration does.
    """
    edits = []
    for part in re.split(r",? or |; ", problem.hint):
        edit = _edit(part.strip().rstrip(".").strip(), problem, key)
        if edit is not None:
            edits.append(edit)
    return edits


def _edit(text: str, problem: Problem, key: Callable[[str], str]) -> Edit | None:
    offending = quoted(problem.message)
    if match := re.fullmatch(rf"(?:write|use) {_VALUE}(?: .*)?", text):
        new, raw = _value(match[1])
        return None if offending is None else _replacing(offending, new, raw)
    if match := re.fullmatch(rf"remove (?:{_VALUE}|it)", text):
        old = _value(match[1])[0] if match[1] else offending
        return None if old is None else _removing(old)
    if match := re.fullmatch(r"did you mean '(\w+)'\?", text):
        return None if offending is None else _renaming(offending, key(match[1]))
    if match := re.fullmatch(r"(?:pass|set|write) (\w+) ?= ?(True|False)", text):
        return _setting(key(match[1]), match[2] == "True")
    if match := re.fullmatch(r"turn (\w+) off", text):
        return _setting(key(match[1]), False)
    if match := re.fullmatch(r"delete (\w+)", text):
        return _deleting(key(match[1]))
    return None


def _matches(item: Any, old: str, fold: bool) -> bool:
    text = item.pattern if isinstance(item, (Rx, re.Pattern)) else item
    if not isinstance(text, str):
        return False
    return text.lower() == old.lower() if fold else text == old


def _walk(options: Options, old: str, fold: bool) -> Iterator[tuple[Options, str]]:
    """Every (mapping, key) whose value is, or lists, *old*."""
    for key, value in options.items():
        if isinstance(value, Mapping):
            yield from _walk(value, old, fold)  # type: ignore[arg-type]
        elif _matches(value, old, fold) or (
            isinstance(value, (list, tuple)) and any(_matches(item, old, fold) for item in value)
        ):
            yield options, key


def _found(options: Options, old: str) -> list[tuple[Options, str, bool]]:
    exact = [(mapping, key, False) for mapping, key in _walk(options, old, False)]
    return exact or [(mapping, key, True) for mapping, key in _walk(options, old, True)]


def _copy(options: Mapping[str, Any]) -> Options:
    return {key: _copy(value) if isinstance(value, Mapping) else
            list(value) if isinstance(value, (list, tuple)) else value
            for key, value in options.items()}


def _replacing(old: str, new: str, raw: bool) -> Edit:
    def edit(options: Options) -> Options | None:
        found = _found(options, old)
        for mapping, key, fold in found:
            value = mapping[key]
            home = next((name for name in _REGEX_HOMES.get(key, ()) if name in mapping),
                        _REGEX_HOMES.get(key, (None,))[0])
            if home is not None and not raw:
                # An origin or a pattern suggested for a regex belongs with the origins.
                _drop(mapping, key, old, fold)
                mapping[home] = [*mapping.get(home, ()), new]
            elif isinstance(value, list):
                mapping[key] = [new if _matches(item, old, fold) else item for item in value]
            else:
                mapping[key] = new
        return options if found else None

    return edit


def _drop(mapping: Options, key: str, old: str, fold: bool) -> None:
    value = mapping[key]
    if isinstance(value, list):
        mapping[key] = [item for item in value if not _matches(item, old, fold)]
    else:
        del mapping[key]


def _removing(old: str) -> Edit:
    def edit(options: Options) -> Options | None:
        found = _found(options, old)
        for mapping, key, fold in found:
            _drop(mapping, key, old, fold)
        return options if found else None

    return edit


def _renaming(old: str, new: str) -> Edit:
    def edit(options: Options) -> Options | None:
        if old not in options:
            return None
        options[new] = options.pop(old)
        return options

    return edit


def _setting(name: str, value: bool) -> Edit:
    def edit(options: Options) -> Options:
        options[name] = value
        return options

    return edit


def _deleting(name: str) -> Edit:
    def edit(options: Options) -> Options | None:
        return options if options.pop(name, None) is not None else None

    return edit


def unhinted(problems: list[Problem]) -> list[Problem]:
    """The problems whose hint names no concrete edit."""
    return [problem for problem in problems if not alternatives(problem)]


def fixes(record: Record, problems: list[Problem]) -> Iterator[Record]:
    """*record* with every problem's hint applied, once per combination of alternatives.

    Nothing when some problem's hint offers no edit, or an edit does not apply.
    """
    key = option_key(record)
    choices = [alternatives(problem, key) for problem in problems]
    if not all(choices):
        return
    for combination in itertools.islice(itertools.product(*choices), MAX_COMBINATIONS):
        options: Options | None = _copy(record.options)
        for edit in combination:
            options = edit(options) if options is not None else None
        if options is not None:
            # Still meant for the same origins, whatever the new options list.
            yield replace(record, options=options, meant=meant_origins(record))
