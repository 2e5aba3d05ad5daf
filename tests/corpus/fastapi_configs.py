"""FastAPI/Starlette ``app.add_middleware(CORSMiddleware, ...)`` keyword sets.

Written for this corpus after the shapes public FastAPI apps have; none is copied.
Starlette compares ``allow_origins`` entries as text (``"https://*.x.com"`` never
matches), full-matches the one ``allow_origin_regex``, and with ``"*"`` and
credentials echoes any origin that sends a cookie.
"""

from __future__ import annotations

from typing import Any

from .django_configs import OLD_DEFAULT_HEADERS
from .records import Record, Verdict


def _fa(id: str, options: dict[str, Any], shape: str, expected: Verdict,
        cause: str = "plain", meant: tuple[str, ...] = ()) -> Record:
    return Record(f"fastapi-{id}", "fastapi", "add_middleware", options, shape, expected,
                  cause, meant)


ANY = ("https://app.example.com",)  # meant by configurations that allow every origin
EVERYTHING = {"allow_methods": ["*"], "allow_headers": ["*"]}

RECORDS = [
    # -- every origin with credentials ----------------------------------------------------
    _fa("star-credentials", {"allow_origins": ["*"], "allow_credentials": True, **EVERYTHING},
        "the four-line middleware every tutorial shows, credentials on", "insecure",
        "star-credentials", ANY),
    _fa("star-credentials-bare", {"allow_origins": ["*"], "allow_credentials": True},
        "'*' and credentials, nothing else", "insecure", "star-credentials", ANY),
    _fa("star-plus-list-credentials", {
        "allow_origins": ["*", "http://localhost:3000"], "allow_credentials": True,
        **EVERYTHING,
    }, "'*' left in the dev list, credentials", "insecure", "star-credentials",
        ("http://localhost:3000",)),
    _fa("regex-anything-credentials", {"allow_origin_regex": r".*", "allow_credentials": True,
                                       **EVERYTHING},
        "a regex for every origin 'because * does not work with credentials'", "insecure",
        "wildcard-regex", ANY),
    _fa("regex-anchored-anything-credentials", {
        "allow_origin_regex": r"^.*$", "allow_credentials": True, "allow_methods": ["*"],
        "allow_headers": list(OLD_DEFAULT_HEADERS),
    }, "'^.*$' with the old django header list, credentials", "insecure", "wildcard-regex",
        ANY),
    _fa("regex-any-https-credentials", {"allow_origin_regex": r"https://.*",
                                        "allow_credentials": True},
        "every https origin, credentials", "insecure", "wildcard-regex", ANY),
    _fa("regex-localhost-or-any-credentials", {
        "allow_origin_regex": r"http://localhost:\d+|https://.*", "allow_credentials": True,
    }, "loopback or any https origin, credentials", "insecure", "wildcard-regex",
        ("http://localhost:5173",)),
    _fa("no-dot-regex-credentials", {"allow_origin_regex": r"https://.*trailmix\.dev",
                                     "allow_credentials": True},
        "no dot before the domain: eviltrailmix.dev", "insecure", "wildcard-regex",
        ("https://app.trailmix.dev",)),
    _fa("unescaped-credentials", {"allow_origin_regex": r"https://app.trailmix.dev",
                                  "allow_credentials": True, **EVERYTHING},
        "one origin as a regex, dots unescaped: appxtrailmix.dev", "insecure", "unescaped-dot",
        ("https://app.trailmix.dev",)),
    _fa("https-or-http-credentials", {"allow_origin_regex": r"https?://.*\.trailmix\.dev",
                                      "allow_credentials": True},
        "'https?' lets plain http in, credentials", "insecure", "plain-http-credentials",
        ("https://app.trailmix.dev",)),
    _fa("null-credentials", {"allow_origins": ["null", "https://app.trailmix.dev"],
                             "allow_credentials": True},
        "'null' for a local HTML file, credentials", "insecure", "null-credentials"),
    # -- public suffixes ----------------------------------------------------------------------
    _fa("vercel-credentials", {
        "allow_origins": ["http://localhost:3000"], "allow_origin_regex": r"https://.*\.vercel\.app",
        "allow_credentials": True, **EVERYTHING,
    }, "every Vercel deployment, credentials", "insecure", "public-suffix-subtree",
        ("http://localhost:3000", "https://trailmix-web.vercel.app")),
    _fa("vercel-or-localhost-credentials", {
        "allow_origin_regex": r"^https://.*\.vercel\.app$|^http://localhost:3000$",
        "allow_credentials": True,
    }, "Vercel or the dev server in one regex, credentials", "insecure",
        "public-suffix-subtree", ("http://localhost:3000",)),
    _fa("onrender-credentials", {"allow_origin_regex": r"https://[a-z0-9-]+\.onrender\.com",
                                 "allow_credentials": True},
        "any Render app, credentials", "insecure", "public-suffix-subtree",
        ("https://trailmix.onrender.com",)),
    _fa("ngrok-credentials", {
        "allow_origins": ["https://app.trailmix.dev"],
        "allow_origin_regex": r"https://.*\.ngrok-free\.app", "allow_credentials": True,
    }, "any ngrok tunnel for demos, credentials", "insecure", "public-suffix-subtree"),
    _fa("vercel-no-credentials", {"allow_origin_regex": r"^https://.*\.vercel\.app$|^http://localhost:3000$",
                                  "allow_credentials": False, **EVERYTHING},
        "Vercel or the dev server, credentials off", "safe", "public-suffix-subtree",
        ("http://localhost:3000", "https://trailmix-web.vercel.app")),
    # -- literal wildcards --------------------------------------------------------------------
    _fa("literal-wildcard", {"allow_origins": ["https://*.trailmix.dev"]},
        "'https://*.trailmix.dev' in allow_origins: a string that never matches", "broken",
        "literal-wildcard", ("https://app.trailmix.dev",)),
    _fa("literal-wildcard-credentials", {"allow_origins": ["https://*.trailmix.dev"],
                                         "allow_credentials": True},
        "a literal wildcard, credentials", "broken", "literal-wildcard",
        ("https://app.trailmix.dev",)),
    _fa("literal-wildcard-placeholder", {
        "allow_origins": ["http://localhost:3000", "https://*.your-domain.com"],
    }, "a template's placeholder wildcard left beside the dev origin", "safe",
        "literal-wildcard"),
    _fa("literal-wildcard-vercel-credentials", {
        "allow_origins": ["https://proxima-web.vercel.app", "https://*.vercel.app"],
        "allow_credentials": True, **EVERYTHING,
    }, "a Vercel wildcard beside the real deployment, credentials", "safe",
        "literal-wildcard"),
    # -- broken --------------------------------------------------------------------------------
    _fa("doubled-backslashes", {"allow_origin_regex": r"https://app\\.trailmix\\.dev",
                                "allow_credentials": True},
        "doubled backslashes in a raw string", "broken", "doubled-backslash",
        ("https://app.trailmix.dev",)),
    _fa("trailing-slash", {"allow_origins": ["https://app.trailmix.dev/"]},
        "a trailing slash (compared as text there)", "broken", "not-serialized",
        ("https://app.trailmix.dev",)),
    _fa("regex-with-path", {"allow_origin_regex": r"https://app\.trailmix\.dev/.*"},
        "a regex that wants a path after the origin", "broken", "not-serialized",
        ("https://app.trailmix.dev",)),
    _fa("uppercase", {"allow_origins": ["https://App.TrailMix.dev"]},
        "upper case in the host (compared as text there)", "broken", "not-serialized",
        ("https://app.trailmix.dev",)),
    # -- '*' and null mixed in -------------------------------------------------------------------
    _fa("null-no-credentials", {"allow_origins": ["null", "https://app.trailmix.dev"]},
        "'null' beside the real origin, no credentials", "safe", "null-or-star-in-list"),
    _fa("star-in-list", {"allow_origins": ["http://localhost:3000", "*"], **EVERYTHING},
        "'*' appended to the dev list, no credentials", "safe", "null-or-star-in-list"),
    _fa("star-plus-regex", {"allow_origins": ["*"],
                            "allow_origin_regex": r"https://.*\.trailmix\.dev"},
        "'*' and a regex, no credentials", "safe", "star-plus-regex",
        ("https://app.trailmix.dev",)),
    # -- forbidden request headers ----------------------------------------------------------------
    _fa("old-headers-credentials", {
        "allow_origins": ["https://app.trailmix.dev"], "allow_credentials": True,
        "allow_methods": ["*"], "allow_headers": list(OLD_DEFAULT_HEADERS),
    }, "django-cors-headers' old default list as allow_headers, credentials", "safe",
        "forbidden-headers"),
    _fa("origin-header", {
        "allow_origins": ["http://localhost:3000"],
        "allow_headers": ["Content-Type", "Authorization", "Origin", "Accept-Encoding"],
    }, "Origin and Accept-Encoding in allow_headers", "safe", "forbidden-headers"),
    _fa("cookie-headers-credentials", {
        "allow_origins": ["http://localhost:5173"], "allow_credentials": True,
        "allow_methods": ["*"],
        "allow_headers": ["Content-Type", "Set-Cookie", "Cookie", "Authorization"],
    }, "Cookie and Set-Cookie in allow_headers 'for the session', credentials", "safe",
        "forbidden-headers"),
    # -- loopback and LAN -------------------------------------------------------------------------
    _fa("localhost-regex-credentials", {
        "allow_origin_regex": r"http://localhost:\d+", "allow_credentials": True,
        "max_age": 3600, **EVERYTHING,
    }, "any localhost port, credentials", "safe", "plain", ("http://localhost:5173",)),
    _fa("loopback-unescaped-credentials", {
        "allow_origin_regex": r"http://(localhost|127.0.0.1):\d+", "allow_credentials": True,
    }, "localhost or 127.0.0.1 (dots unescaped), any port, credentials", "safe",
        "loopback-regex", ("http://127.0.0.1:8000", "http://localhost:3000")),
    _fa("loopback-colon-star-credentials", {
        "allow_origin_regex": r"http://localhost:*([0-9]+)?", "allow_credentials": True,
    }, "localhost with ':*([0-9]+)?', credentials", "safe", "loopback-regex",
        ("http://localhost:3000",)),
    _fa("lan-regex", {
        "allow_origins": ["http://localhost:3000"],
        "allow_origin_regex": r"http://192\.168\.\d+\.\d+(:\d+)?",
    }, "any 192.168.x.y address, no credentials", "safe", "lan-regex",
        ("http://localhost:3000", "http://192.168.1.34:3000")),
    _fa("lan-ten-regex", {"allow_origin_regex": r"http://10\.0\.0\.\d{1,3}(:\d{2,5})?"},
        "a 10.0.0.x range, no credentials", "safe", "lan-regex", ("http://10.0.0.7:8080",)),
    _fa("lan-regex-credentials", {
        "allow_origin_regex": r"http://192\.168\.\d+\.\d+:3000", "allow_credentials": True,
    }, "any 192.168.x.y address on port 3000, credentials", "safe", "lan-regex",
        ("http://192.168.1.34:3000",)),
    # -- plain-http with credentials ----------------------------------------------------------------
    _fa("intranet-http-credentials", {
        "allow_origins": ["http://dashboard.corp.lan:8080"], "allow_credentials": True,
    }, "an intranet dashboard over plain http, credentials", "safe",
        "plain-http-credentials"),
    _fa("tutorial-origins-credentials", {
        "allow_origins": ["http://localhost.tiangolo.com", "https://localhost.tiangolo.com",
                          "http://localhost", "http://localhost:8080"],
        "allow_credentials": True, **EVERYTHING,
    }, "FastAPI's own tutorial list: a plain-http public name, credentials", "safe",
        "plain-http-credentials"),
    # -- ordinary, safe ----------------------------------------------------------------------------------
    _fa("list-credentials", {
        "allow_origins": ["https://app.trailmix.dev", "https://admin.trailmix.dev"],
        "allow_credentials": True, **EVERYTHING,
    }, "two https origins, credentials, every method and header", "safe"),
    _fa("dev-list-credentials", {
        "allow_origins": ["http://localhost:3000", "http://127.0.0.1:3000",
                          "http://localhost:5173"],
        "allow_credentials": True, **EVERYTHING,
    }, "the dev servers, credentials", "safe"),
    _fa("star", {"allow_origins": ["*"], **EVERYTHING},
        "every origin, no credentials", "safe", "plain", ANY),
    _fa("star-credentials-off", {"allow_origins": ["*"], "allow_credentials": False},
        "every origin, credentials explicitly off", "safe", "plain", ANY),
    _fa("regex-subdomains-credentials", {
        "allow_origin_regex": r"https://([a-z0-9-]+\.)?trailmix\.dev", "allow_credentials": True,
    }, "apex and subdomains, escaped, credentials", "safe", "plain",
        ("https://trailmix.dev", "https://app.trailmix.dev")),
    _fa("regex-exact-credentials", {"allow_origin_regex": r"https://app\.trailmix\.dev",
                                    "allow_credentials": True},
        "one origin written as an escaped regex, credentials", "safe", "plain",
        ("https://app.trailmix.dev",)),
    _fa("expose-max-age", {
        "allow_origins": ["https://app.trailmix.dev"], "expose_headers": ["X-Total-Count"],
        "max_age": 86400,
    }, "an exposed header and a day of preflight cache", "safe"),
    _fa("private-network", {"allow_origins": ["https://app.trailmix.dev"],
                            "allow_private_network": True},
        "a public page reaching a device on the LAN", "safe"),
]
