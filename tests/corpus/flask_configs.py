"""Flask configurations (flask-cors's names): ``CORS(app, ...)``, ``app.config``,
``@cross_origin(...)``, as projects write them.

Written for this corpus after the shapes public Flask apps have; none is copied.
flask-cors reads any origin string holding one of ``*\\]?$^[]()`` as a regex and
matches it with ``re.match`` (a prefix), ignoring case.
"""

from __future__ import annotations

from typing import Any

from .django_configs import OLD_DEFAULT_HEADERS
from .records import Record, Rx, Verdict


def _fl(id: str, form: str, options: dict[str, Any], shape: str, expected: Verdict,
        cause: str = "plain", meant: tuple[str, ...] = (), path: str = "/api/items/") -> Record:
    return Record(f"flask-{id}", "flask", form, options, shape, expected, cause, meant, path)


ANY = ("https://app.example.com",)  # meant by configurations that allow every origin

RECORDS = [
    # -- every origin with credentials --------------------------------------------------
    _fl("default-credentials", "CORS", {"supports_credentials": True},
        "CORS(app, supports_credentials=True): the '*' default reflected with cookies",
        "insecure", "star-credentials", ANY),
    _fl("resources-star-credentials", "CORS", {
        "resources": {r"/api/*": {"origins": "*"}}, "supports_credentials": True,
    }, "resources with origins '*', credentials", "insecure", "star-credentials", ANY),
    _fl("root-star-credentials-headers", "CORS", {
        "resources": {r"/*": {"origins": "*"}}, "supports_credentials": True,
        "allow_headers": ["Content-Type"], "methods": ["GET", "POST", "OPTIONS"],
    }, "every path, '*', credentials, headers and methods listed", "insecure",
        "star-credentials", ANY),
    _fl("config-credentials", "app.config", {"CORS_SUPPORTS_CREDENTIALS": True},
        "app.config CORS_SUPPORTS_CREDENTIALS with the '*' default", "insecure",
        "star-credentials", ANY),
    _fl("config-star-credentials", "app.config", {
        "CORS_ORIGINS": "*", "CORS_SUPPORTS_CREDENTIALS": True, "CORS_HEADERS": "Content-Type",
    }, "CORS_ORIGINS '*' with credentials (and the CORS_HEADERS every tutorial copies)",
        "insecure", "star-credentials", ANY),
    _fl("decorator-credentials", "@cross_origin", {"supports_credentials": True},
        "@cross_origin(supports_credentials=True) on a view", "insecure", "star-credentials",
        ANY),
    _fl("decorator-star-credentials", "@cross_origin", {
        "origins": "*", "supports_credentials": True,
        "allow_headers": ["Content-Type", "Authorization"],
    }, "@cross_origin with '*' and credentials", "insecure", "star-credentials", ANY),
    _fl("dot-star-credentials", "CORS", {"origins": ".*", "supports_credentials": True},
        "'.*' as every origin, credentials", "insecure", "star-credentials", ANY),
    # -- null ---------------------------------------------------------------------------------
    _fl("null-credentials", "CORS", {
        "origins": ["null", "https://app.notepad.cc"], "supports_credentials": True,
    }, "'null' for local files beside the real origin, credentials", "insecure",
        "null-credentials"),
    _fl("null-no-credentials", "CORS", {"origins": ["null", "http://localhost:8000"]},
        "'null' beside a dev origin, no credentials", "safe", "null-or-star-in-list"),
    # -- regexes ------------------------------------------------------------------------------
    _fl("no-dot-regex-credentials", "CORS", {
        "origins": [r"https://.*skyfleet\.io"], "supports_credentials": True,
    }, "no dot before the domain: evilskyfleet.io", "insecure", "wildcard-regex",
        ("https://app.skyfleet.io",)),
    _fl("unescaped-credentials", "CORS", {
        "origins": [r"^https://app.skyfleet.io$"], "supports_credentials": True,
    }, "anchored, dots unescaped: appxskyfleet.io", "insecure", "unescaped-dot",
        ("https://app.skyfleet.io",)),
    _fl("pattern-credentials", "CORS", {
        "origins": ["https://*.skyfleet.io"], "supports_credentials": True,
    }, "'https://*.skyfleet.io' (a regex there: one character, then skyfleet)", "insecure",
        "literal-wildcard", ("https://app.skyfleet.io",)),
    _fl("config-pattern-credentials", "app.config", {
        "CORS_ORIGINS": ["https://*.skyfleet.io", "http://localhost:3000"],
        "CORS_SUPPORTS_CREDENTIALS": True,
    }, "a wildcard origin in app.config, credentials", "insecure", "literal-wildcard",
        ("http://localhost:3000", "https://app.skyfleet.io")),
    _fl("prefix-escaped-credentials", "CORS", {
        "origins": [r"https://app\.skyfleet\.io"], "supports_credentials": True,
    }, "an escaped origin regex without '$' (re.match): app.skyfleet.io.evil.com",
        "insecure", "prefix-regex", ("https://app.skyfleet.io",)),
    _fl("compiled-prefix-credentials", "CORS", {
        "origins": [Rx(r"https://.*\.skyfleet\.io")], "supports_credentials": True,
    }, "re.compile'd subdomain regex without '$', credentials", "insecure", "prefix-regex",
        ("https://eu.skyfleet.io",)),
    _fl("loopback-prefix-credentials", "CORS", {
        "origins": [r"^https?://(localhost|127\.0\.0\.1)(:\d+)?"], "supports_credentials": True,
    }, "loopback with an optional port and no '$': localhost.evil.com", "insecure",
        "prefix-regex", ("http://localhost:3000",)),
    _fl("https-or-http-credentials", "CORS", {
        "origins": [r"https?://dashboard\.skyfleet\.io$"], "supports_credentials": True,
    }, "'https?' lets plain http in, credentials", "insecure", "plain-http-credentials",
        ("https://dashboard.skyfleet.io",)),
    # -- public suffixes ------------------------------------------------------------------------
    _fl("vercel-credentials", "CORS", {
        "origins": [r"https://.*\.vercel\.app", "http://localhost:3000"],
        "supports_credentials": True,
    }, "every Vercel deployment, credentials", "insecure", "public-suffix-subtree",
        ("https://notepad-web.vercel.app", "http://localhost:3000")),
    _fl("netlify-pattern-credentials", "CORS", {
        "origins": ["https://*.netlify.app"], "supports_credentials": True,
    }, "a Netlify wildcard, credentials", "insecure", "public-suffix-subtree",
        ("https://notepad.netlify.app",)),
    _fl("github-pages-credentials", "@cross_origin", {
        "origins": [r"https://[\w-]+\.github\.io"], "supports_credentials": True,
    }, "any GitHub Pages site, credentials", "insecure", "public-suffix-subtree",
        ("https://notepad-team.github.io",)),
    _fl("vercel-no-credentials", "CORS", {"origins": [r"https://.*\.vercel\.app"]},
        "every Vercel deployment, no credentials", "safe", "public-suffix-subtree",
        ("https://notepad-web.vercel.app",)),
    # -- option typos ---------------------------------------------------------------------------
    _fl("credentials-typo", "CORS", {"support_credentials": True},
        "CORS(app, support_credentials=True): the typo flask-cors only logs", "broken",
        "option-typo", ANY),
    _fl("credentials-typo-origins", "CORS", {
        "origins": ["https://app.notepad.cc"], "support_credentials": True,
    }, "one origin and support_credentials", "broken", "option-typo"),
    _fl("config-credentials-typo", "app.config", {
        "CORS_ORIGINS": ["https://app.notepad.cc"], "CORS_SUPPORT_CREDENTIALS": True,
    }, "app.config CORS_SUPPORT_CREDENTIALS: never read", "broken", "option-typo"),
    _fl("decorator-origin-typo", "@cross_origin", {"origin": "https://app.notepad.cc"},
        "@cross_origin(origin=...): flask-cors ignores it and allows every origin", "safe",
        "option-typo", ("https://app.notepad.cc",)),
    # -- broken -----------------------------------------------------------------------------------
    _fl("doubled-backslashes", "CORS", {"origins": [r"^https://app\\.notepad\\.cc$"]},
        "doubled backslashes in a raw string", "broken", "doubled-backslash",
        ("https://app.notepad.cc",)),
    _fl("decorator-doubled-backslashes", "@cross_origin", {
        "origins": [r"https://(\\w+\\.)?notepad\\.cc"], "supports_credentials": True,
    }, "doubled backslashes on a view, credentials", "broken", "doubled-backslash",
        ("https://www.notepad.cc",)),
    _fl("trailing-slash", "CORS", {"origins": "https://app.notepad.cc/"},
        "a trailing slash (compared as text there)", "broken", "not-serialized",
        ("https://app.notepad.cc",)),
    _fl("pattern-no-credentials", "CORS", {"origins": "https://*.skyfleet.io"},
        "'https://*.skyfleet.io' without credentials (no real subdomain matches there)",
        "broken", "literal-wildcard", ("https://app.skyfleet.io",)),
    # -- forbidden request headers ------------------------------------------------------------
    _fl("decorator-origin-header", "@cross_origin", {
        "origins": "https://app.notepad.cc", "allow_headers": ["Content-Type", "Origin"],
    }, "'Origin' in a view's allow_headers", "safe", "forbidden-headers"),
    _fl("decorator-origin-header-any", "@cross_origin", {
        "allow_headers": ["Content-Type", "Authorization", "Origin"],
    }, "'Origin' in allow_headers, every origin", "safe", "forbidden-headers", ANY),
    _fl("headers-forbidden-credentials", "CORS", {
        "origins": ["https://app.notepad.cc"], "supports_credentials": True,
        "allow_headers": ["Content-Type", "Authorization", "Origin", "Accept-Encoding", "DNT"],
    }, "Origin, Accept-Encoding and DNT in allow_headers, credentials", "safe",
        "forbidden-headers"),
    _fl("config-old-headers", "app.config", {
        "CORS_ORIGINS": ["https://app.notepad.cc"], "CORS_ALLOW_HEADERS": list(OLD_DEFAULT_HEADERS),
    }, "django-cors-headers' old default list in CORS_ALLOW_HEADERS", "safe",
        "forbidden-headers"),
    # -- '*' mixed in --------------------------------------------------------------------------
    _fl("star-and-list", "CORS", {"origins": ["https://app.notepad.cc", "*"]},
        "'*' appended to a list while debugging, no credentials", "safe",
        "null-or-star-in-list"),
    _fl("star-plus-regex", "CORS", {"origins": ["*", r"https://.*\.notepad\.cc"]},
        "'*' and a regex, no credentials", "safe", "star-plus-regex",
        ("https://app.notepad.cc",)),
    _fl("config-star-plus-regex", "app.config", {"CORS_ORIGINS": ["*", r"^http://localhost:\d+$"]},
        "'*' and a loopback regex in app.config", "safe", "star-plus-regex",
        ("http://localhost:5173",)),
    # -- loopback and LAN ------------------------------------------------------------------------
    _fl("loopback-regexes-credentials", "CORS", {
        "origins": [r"http://localhost:\d+", r"http://127.0.0.1:\d+"],
        "supports_credentials": True,
    }, "any loopback port, 127.0.0.1 unescaped, credentials", "safe", "loopback-regex",
        ("http://localhost:3000", "http://127.0.0.1:8080")),
    _fl("loopback-colon-star-credentials", "CORS", {
        "origins": [r"^http://localhost:*([0-9]+)?$"], "supports_credentials": True,
    }, "localhost with ':*([0-9]+)?', credentials", "safe", "loopback-regex",
        ("http://localhost:3000",)),
    _fl("loopback-any-port-credentials", "@cross_origin", {
        "origins": [r"http://127.0.0.1:.*"], "supports_credentials": True,
    }, "127.0.0.1 and ':.*' on a view, credentials", "safe", "loopback-regex",
        ("http://127.0.0.1:8080",)),
    _fl("lan-regex", "CORS", {"origins": [r"http://192\.168\.\d+\.\d+(:\d+)?"]},
        "any 192.168.x.y address, no credentials", "safe", "lan-regex",
        ("http://192.168.0.12:8080",)),
    _fl("lan-credentials", "CORS", {
        "origins": ["http://192.168.1.5:8080"], "supports_credentials": True,
    }, "a phone on the LAN testing the app, credentials", "safe", "plain-http-credentials"),
    _fl("intranet-http-credentials", "app.config", {
        "CORS_ORIGINS": ["http://reports.corp.lan"], "CORS_SUPPORTS_CREDENTIALS": True,
    }, "an intranet reporting site over plain http, credentials", "safe",
        "plain-http-credentials"),
    # -- ordinary, safe ----------------------------------------------------------------------------
    _fl("default", "CORS", {}, "CORS(app): every origin, no credentials", "safe", "plain",
        ("https://anyone.example.net",)),
    _fl("list-credentials", "CORS", {
        "origins": ["https://app.notepad.cc", "https://notepad.cc"], "supports_credentials": True,
    }, "two https origins, credentials", "safe"),
    _fl("resources-list-credentials", "CORS", {
        "resources": {r"/api/*": {"origins": ["https://dash.skyfleet.io"]}},
        "supports_credentials": True,
    }, "resources with a list, credentials", "safe"),
    _fl("config-list-credentials", "app.config", {
        "CORS_ORIGINS": ["http://localhost:5173", "https://app.notepad.cc"],
        "CORS_SUPPORTS_CREDENTIALS": True, "CORS_EXPOSE_HEADERS": ["Content-Disposition"],
    }, "app.config origins, credentials, an exposed header", "safe"),
    _fl("decorator-dev-credentials", "@cross_origin", {
        "origins": ["http://localhost:3000"], "supports_credentials": True,
    }, "@cross_origin for the dev server, credentials", "safe"),
    _fl("anchored-subdomains-credentials", "CORS", {
        "origins": [r"^https://(www\.)?notepad\.cc$"], "supports_credentials": True,
    }, "anchored, escaped regex, credentials", "safe", "plain", ("https://www.notepad.cc",)),
    _fl("methods-max-age", "CORS", {
        "origins": "https://app.notepad.cc", "methods": ["GET", "POST"], "max_age": 600,
    }, "one origin, methods and max_age", "safe"),
    _fl("versioned-resources-credentials", "CORS", {
        "resources": {r"/api/v1/*": {"origins": ["https://app.notepad.cc"],
                                     "supports_credentials": True}},
    }, "per-resource origins and credentials", "safe", "plain", (), "/api/v1/notes"),
]
