"""One configuration per problem and warning code of the engine, in wsgicors's own words.

Each adapter's tests translate them into the adapter's vocabulary (flask-cors options,
Django settings, Starlette keywords) and check every message and hint the user then
reads: no option of another API, no garbled substitution, and a suggested value that
starts (issue 20 items 6 and 7).
"""

from __future__ import annotations

import re
from typing import Any

Options = dict[str, Any]

#: Policy problem codes, each with configurations that raise it.
PROBLEMS: dict[str, list[Options]] = {
    "type": [{"allow_origins": [42]}, {"allow_credentials": "yes"}, {"max_age": 1.5},
             {"allow_origin_regex": re.compile(rb"https://x\.example")}],
    "unknown-option": [{"allow_origin": ["https://a.example"]}],
    "origin-null": [{"allow_origins": ["null"], "allow_credentials": True}],
    "origin-file": [{"allow_origins": ["file://"]}],
    "origin-no-scheme": [{"allow_origins": ["app.example.com"]}],
    "origin-not-serialized": [{"allow_origins": ["https://app.example.com/"]}],
    "origin-scheme": [{"allow_origins": ["HTTPS://app.example.com"]}],
    "origin-port": [{"allow_origins": ["https://app.example.com:99999"]}],
    "origin-default-port": [{"allow_origins": ["https://app.example.com:443"]}],
    "origin-not-punycode": [{"allow_origins": ["https://bücher.example"]}],
    "origin-uppercase": [{"allow_origins": ["https://App.Example.com"]}],
    "origin-wildcard": [{"allow_origins": ["https://app.*.example.com"]}],
    "origin-host": [{"allow_origins": ["https://a b.example"]}],
    "origin-insecure": [
        {"allow_origins": ["http://192.168.1.5:8080"], "allow_credentials": True},
        {"allow_origin_regex": r"https?://app\.example\.com", "allow_credentials": True},
    ],
    "origin-public-suffix": [
        {"allow_origins": ["https://*.vercel.app"], "allow_credentials": True},
        {"allow_origin_regex": r"https://[a-z0-9-]+\.github\.io", "allow_credentials": True},
    ],
    "regex-invalid": [{"allow_origin_regex": "https://(unclosed"}],
    "regex-unproven": [
        {"allow_origin_regex": r"^http://127.0.0.1:\d+$", "allow_credentials": True},
        {"allow_origin_regex": r"https://.*\.example\.com"},
        {"allow_origin_regex": r"^https://app\\.example\\.com$"},
    ],
    "star-credentials": [
        {"allow_origins": "*", "allow_credentials": True},
        {"allow_origins": ["*", "https://app.example.com"], "allow_credentials": True},
    ],
    "star-private-network": [{"allow_origins": "*", "allow_private_network": True}],
    "method-invalid": [{"allow_methods": ["GET POST"]}],
    "method-forbidden": [{"allow_methods": ["TRACE"]}],
    "header-invalid": [{"allow_headers": ["x bad"]}, {"expose_headers": ["x:y"]}],
    "regex-not-linear": [{"allow_headers": [re.compile(r"x-(a+)\1")]}],
    "expose-star-credentials": [{"allow_origins": ["https://a.example"], "expose_headers": "*",
                                 "allow_credentials": True}],
    "expose-forbidden": [{"expose_headers": ["Set-Cookie"]}],
    "max-age-range": [{"max_age": -1}],
}

#: Codes no policy option can raise any more, or that only the middlewares' own
#: arguments raise (paths=, policy=): nothing for an adapter's options to translate;
#: func-async is the synchronous adapters' refusal, tested with each of them.
NOT_FROM_OPTIONS = frozenset({
    "origin-star-mixed", "star-redundant", "header-forbidden", "regex-matches-anything",
    "path-pattern", "path-policy", "policy-and-options", "no-policy", "func-async",
})

#: Policy warning codes, each with configurations that start with it.
WARNINGS: dict[str, list[Options]] = {
    "header-forbidden": [{"allow_origins": ["https://a.example"],
                          "allow_headers": ["content-type", "origin", "dnt"]}],
    "origin-null": [{"allow_origins": ["null", "https://a.example"]}],
    "origin-star-mixed": [{"allow_origins": ["https://a.example", "*"]}],
    "star-redundant": [{"allow_origins": ["*"], "allow_origin_regex": r"https://.*\.a\.example"}],
}


async def _async_func(origin: str) -> bool:
    return True


def materialized(options: Options) -> Options:
    """*options* with placeholders replaced by real values (an async function)."""
    return {name: _async_func if value == "async" and name == "allow_origin_func" else value
            for name, value in options.items()}



# A CORSPolicy(...) inside a hint is wsgicors's own vocabulary, rightly.
_POLICY_FORM = re.compile(r"CORSPolicy\([^)]*\)")
_ASSIGNED = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*) ?= ?(?!=)")


def misworded(text: str, own: set[str], foreign: set[str]) -> list[str]:
    """What is wrong with *text* (a message or hint) in an adapter's vocabulary.

    *own* are the option names its users write, *foreign* names of other APIs that
    must not appear. Garbled substitutions (``...=True)=True``) are caught too.
    """
    faults = []
    if ")=" in text or "==" in text:
        faults.append("a garbled assignment")
    bare = _POLICY_FORM.sub("CORSPolicy(...)", text)
    faults += [f"names {word!r}" for word in sorted(foreign)
               if re.search(rf"\b{re.escape(word)}\b", bare)]
    faults += [f"assigns {name!r}" for name in _ASSIGNED.findall(bare)
               if name not in own and name != "r"]
    return faults


def assert_a_suggested_fix_starts(record: Any) -> None:
    """Apply what the hints of *record*'s refusal say, as a user would (every
    combination of their alternatives, tests/corpus/hints.py); one of them must start.

    Hints that name no value to write give nothing to try, which passes.
    """
    # Imported here: the corpus loader needs Flask and Django; the core's tests, which
    # read the tables above, do not.
    from tests.corpus.hints import fixes
    from tests.corpus.loader import load

    with load(record) as loaded:
        problems = loaded.problems
    assert problems, "the trigger started"
    tried = []
    for fixed in fixes(record, problems):
        with load(fixed) as again:
            if again.started:
                return
            tried.append(f"{dict(fixed.options)}: {again.problems}")
    assert not tried, "no suggested change starts:\n" + "\n".join(tried)
