"""Django settings blocks (django-cors-headers' names), as projects write them.

Written for this corpus after the shapes public settings files have; none is copied.
"""

from __future__ import annotations

import re
from typing import Any

from .records import Record, Rx, Verdict

#: django-cors-headers' default_headers before 4.0, copied into many settings files:
#: accept-encoding, dnt and origin are forbidden request headers (scripts cannot set them).
OLD_DEFAULT_HEADERS = (
    "accept", "accept-encoding", "authorization", "content-type", "dnt", "origin",
    "user-agent", "x-csrftoken", "x-requested-with",
)
DEFAULT_METHODS = ["DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT"]


def _dj(id: str, settings: dict[str, Any], shape: str, expected: Verdict,
        cause: str = "plain", meant: tuple[str, ...] = (), path: str = "/api/items/") -> Record:
    return Record(f"django-{id}", "django", "settings", settings, shape, expected, cause,
                  meant, path)


RECORDS = [
    # -- every origin with credentials ------------------------------------------------
    _dj("all-credentials", {"CORS_ALLOW_ALL_ORIGINS": True, "CORS_ALLOW_CREDENTIALS": True},
        "allow every origin, with cookies", "insecure", "star-credentials",
        meant=("https://app.example.com",)),
    _dj("old-all-credentials", {
        "CORS_ORIGIN_ALLOW_ALL": True, "CORS_ALLOW_CREDENTIALS": True,
        "CORS_ALLOW_HEADERS": list(OLD_DEFAULT_HEADERS),
    }, "pre-3.x names: CORS_ORIGIN_ALLOW_ALL with credentials and the old header list",
        "insecure", "star-credentials", meant=("https://portal.example.org",)),
    _dj("all-credentials-methods", {
        "CORS_ALLOW_ALL_ORIGINS": True, "CORS_ALLOW_CREDENTIALS": True,
        "CORS_ALLOW_METHODS": DEFAULT_METHODS, "CORS_ALLOW_HEADERS": ["Content-Type",
                                                                     "Authorization"],
    }, "'CORS headers settings' block: all origins, credentials, methods, headers",
        "insecure", "star-credentials", meant=("https://spa.example.net",)),
    # -- CORS_ALLOW_ALL_ORIGINS plus a list ---------------------------------------------
    _dj("all-plus-list-credentials", {
        "CORS_ALLOW_ALL_ORIGINS": True, "CORS_ALLOW_CREDENTIALS": True,
        "CORS_ALLOWED_ORIGINS": ["http://localhost:8000"],
    }, "allow-all left on beside the list it was meant to replace, with credentials",
        "insecure", "allow-all-plus-list"),
    _dj("all-plus-list-regex-credentials", {
        "CORS_ALLOW_ALL_ORIGINS": True, "CORS_ALLOW_CREDENTIALS": True,
        "CORS_ALLOWED_ORIGINS": ["https://shop.acme-retail.com"],
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://\w+\.acme-retail\.com$"],
    }, "allow-all, a list and a regex, with credentials", "insecure", "allow-all-plus-list"),
    _dj("old-all-plus-whitelist-credentials", {
        "CORS_ORIGIN_ALLOW_ALL": True, "CORS_ALLOW_CREDENTIALS": True,
        "CORS_ORIGIN_WHITELIST": ("http://localhost:4200", "https://admin.fleetdesk.io"),
    }, "old names: CORS_ORIGIN_ALLOW_ALL = True above a CORS_ORIGIN_WHITELIST",
        "insecure", "allow-all-plus-list"),
    _dj("all-plus-list-no-credentials", {
        "CORS_ALLOW_ALL_ORIGINS": True,
        "CORS_ALLOWED_ORIGINS": ["http://localhost:3000", "http://127.0.0.1:3000"],
    }, "allow-all beside a dev list, no credentials", "safe", "allow-all-plus-list"),
    _dj("all-plus-regexes-no-credentials", {
        "CORS_ALLOW_ALL_ORIGINS": True,
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^http://127\.0\.0\.1(:\d+)?$",
                                        r"^http://localhost(:\d+)?$"],
        "CORS_ALLOW_HEADERS": list(OLD_DEFAULT_HEADERS),
    }, "allow-all, loopback regexes and the old header list, no credentials", "safe",
        "forbidden-headers", meant=("http://localhost:5173",)),
    # -- forbidden request headers -------------------------------------------------------
    _dj("old-headers-credentials", {
        "CORS_ALLOWED_ORIGINS": ["https://app.tinyledger.com"], "CORS_ALLOW_CREDENTIALS": True,
        "CORS_ALLOW_HEADERS": list(OLD_DEFAULT_HEADERS),
    }, "pre-4.0 default_headers copied as a list, one origin, credentials", "safe",
        "forbidden-headers"),
    _dj("old-headers-plus-custom", {
        "CORS_ALLOWED_ORIGINS": ["https://www.bookclub.org", "https://bookclub.org"],
        "CORS_ALLOW_HEADERS": [*OLD_DEFAULT_HEADERS, "x-request-id", "cache-control"],
    }, "(*default_headers, 'x-request-id') from the old defaults", "safe",
        "forbidden-headers"),
    _dj("old-headers-tuple-dev", {
        "CORS_ORIGIN_WHITELIST": ("http://localhost:8080", "http://127.0.0.1:8080"),
        "CORS_ALLOW_CREDENTIALS": True, "CORS_ALLOW_HEADERS": OLD_DEFAULT_HEADERS,
    }, "old names, a dev whitelist and the old header tuple", "safe", "forbidden-headers"),
    _dj("origin-header-only", {
        "CORS_ALLOWED_ORIGINS": ["https://console.datapipe.dev"],
        "CORS_ALLOW_HEADERS": ["x-requested-with", "content-type", "accept", "origin",
                               "authorization", "x-csrftoken"],
    }, "a hand-written header list with 'origin'", "safe", "forbidden-headers"),
    _dj("accept-encoding-custom", {
        "CORS_ALLOWED_ORIGINS": ["https://web.quizly.app"], "CORS_ALLOW_CREDENTIALS": True,
        "CORS_ALLOW_HEADERS": ["content-type", "authorization", "accept-encoding",
                               "user-timezone"],
    }, "accept-encoding beside an app header", "safe", "forbidden-headers"),
    # -- loopback regexes ------------------------------------------------------------------
    _dj("loopback-unescaped-credentials", {
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^http://127.0.0.1:\d+$"],
        "CORS_ALLOW_CREDENTIALS": True,
    }, "127.0.0.1 with unescaped dots, any port, credentials", "safe", "loopback-regex",
        meant=("http://127.0.0.1:3000",)),
    _dj("loopback-colon-star", {
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^http:\/\/localhost:*([0-9]+)?$",
                                        r"^https:\/\/localhost:*([0-9]+)?$",
                                        r"^http:\/\/127.0.0.1:*([0-9]+)?$"],
        "CORS_ALLOW_CREDENTIALS": True,
    }, "'localhost with any port' as ':*([0-9]+)?', escaped slashes", "safe",
        "loopback-regex", meant=("http://localhost:3000", "http://127.0.0.1:8080")),
    _dj("loopback-prefix-ports", {
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^http://localhost:3\d{3}", r"^http://127.0.0.1:5\d{3}"],
    }, "loopback port ranges without '$', no credentials", "safe", "loopback-regex",
        meant=("http://localhost:3000", "http://127.0.0.1:5173")),
    _dj("localhost-dot-star", {
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^http://localhost.*$"],
        "CORS_ALLOW_HEADERS": [*OLD_DEFAULT_HEADERS],
    }, "localhost followed by '.*', no credentials", "safe", "loopback-regex",
        meant=("http://localhost:3000",)),
    _dj("localhost-dot-star-credentials", {
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^http://localhost.*$"],
        "CORS_ALLOW_CREDENTIALS": True,
    }, "localhost followed by '.*', with credentials: localhost.evil.com", "insecure",
        "prefix-regex", meant=("http://localhost:3000",)),
    # -- LAN addresses ----------------------------------------------------------------------
    _dj("lan-range", {
        "CORS_ALLOWED_ORIGINS": ["http://localhost:4200"],
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^http://192\.168\.\d+\.\d+(:\d+)?$"],
    }, "any 192.168.x.y address (a phone on the LAN), no credentials", "safe", "lan-regex"),
    _dj("lan-private-ranges", {
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^http://172\.(?:1[6-9]|2[0-9]|3[01])\.\d+\.\d+:8080$",
                                        r"^http://10\.\d{1,3}\.\d{1,3}\.\d{1,3}:8080$"],
    }, "172.16/12 and 10/8 on port 8080, no credentials", "safe", "lan-regex",
        meant=("http://10.0.3.7:8080",)),
    _dj("lan-range-credentials", {
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^http://192\.168\.1\.\d{1,3}:8000$"],
        "CORS_ALLOW_CREDENTIALS": True,
    }, "a 192.168.1.x office LAN, plain http, credentials", "safe", "lan-regex",
        meant=("http://192.168.1.20:8000",)),
    _dj("lan-prefix-credentials", {
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^http://192\.168\.1\.\d+"],
        "CORS_ALLOW_CREDENTIALS": True,
    }, "LAN regex without '$', credentials: 192.168.1.5.evil.com", "insecure",
        "prefix-regex", meant=("http://192.168.1.5",)),
    # -- plain-http intranets with credentials -----------------------------------------------
    _dj("intranet-http-credentials", {
        "CORS_ALLOWED_ORIGINS": ["http://intranet.corp.lan", "http://10.0.1.5:4200"],
        "CORS_ALLOW_CREDENTIALS": True,
    }, "an intranet served over plain http, credentials", "safe", "plain-http-credentials"),
    _dj("http-staging-credentials", {
        "CORS_ALLOWED_ORIGINS": ["http://staging.hrportal-demo.com",
                                 "http://localhost:3000"],
        "CORS_ALLOW_CREDENTIALS": True,
    }, "a plain-http staging site (the API is plain http too), credentials", "safe",
        "plain-http-credentials"),
    # -- null and '*' in lists --------------------------------------------------------------
    _dj("null-in-list", {
        "CORS_ALLOWED_ORIGINS": ["null", "https://app.mapnotes.io"],
    }, "'null' for file:// testing beside the real origin, no credentials", "safe",
        "null-or-star-in-list"),
    _dj("null-in-list-credentials", {
        "CORS_ALLOWED_ORIGINS": ["null", "https://app.mapnotes.io"],
        "CORS_ALLOW_CREDENTIALS": True,
    }, "'null' beside the real origin, with credentials", "insecure", "null-credentials"),
    _dj("old-null-whitelist-credentials", {
        "CORS_ORIGIN_WHITELIST": ("null", "http://localhost:8080"),
        "CORS_ALLOW_CREDENTIALS": True,
    }, "old names, 'null' for a local HTML file, credentials", "insecure",
        "null-credentials"),
    # -- regexes: the insecure classics -------------------------------------------------------
    _dj("prefix-subdomains-credentials", {
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://.*\.tripplanner\.com"],
        "CORS_ALLOW_CREDENTIALS": True,
    }, "subdomains without '$' (re.match): x.tripplanner.com.evil.com", "insecure",
        "prefix-regex", meant=("https://app.tripplanner.com",)),
    _dj("prefix-exact-credentials", {
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://app\.tripplanner\.com"],
        "CORS_ALLOW_CREDENTIALS": True,
    }, "one origin as an unanchored regex, credentials", "insecure", "prefix-regex",
        meant=("https://app.tripplanner.com",)),
    _dj("catch-all-regex-credentials", {
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^.*$"], "CORS_ALLOW_CREDENTIALS": True,
    }, "'^.*$' to allow every origin with credentials", "insecure", "wildcard-regex",
        meant=("https://app.example.com",)),
    _dj("scheme-any-host-credentials", {
        "CORS_ORIGIN_REGEX_WHITELIST": [r"^(https?://)?(\w+\.)?.*$"],
        "CORS_ALLOW_CREDENTIALS": True,
    }, "a scheme and anything after it, old name, credentials", "insecure",
        "wildcard-regex", meant=("https://www.greenhouse-co.com",)),
    _dj("suffix-no-dot-credentials", {
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://\w*rentals\.io$"],
        "CORS_ALLOW_CREDENTIALS": True,
    }, "no dot before the domain: evilrentals.io", "insecure", "wildcard-regex",
        meant=("https://rentals.io",)),
    _dj("unescaped-dots-credentials", {
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://app.parkwise.com$"],
        "CORS_ALLOW_CREDENTIALS": True,
    }, "unescaped dots, credentials: appxparkwise.com", "insecure", "unescaped-dot",
        meant=("https://app.parkwise.com",)),
    _dj("unescaped-alternatives-credentials", {
        "CORS_ALLOWED_ORIGIN_REGEXES": [Rx(r"^https://(www|admin).parkwise.com$", re.I)],
        "CORS_ALLOW_CREDENTIALS": True,
    }, "compiled (re.I), two hosts with unescaped dots, credentials", "insecure",
        "unescaped-dot", meant=("https://www.parkwise.com",)),
    _dj("unescaped-tld-dot", {
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://(\w+\.)?parkwise.com$"],
        "CORS_ALLOW_CREDENTIALS": True,
    }, "only the TLD dot unescaped: matches no registrable name but parkwise.com's", "safe",
        "unescaped-dot", meant=("https://parkwise.com", "https://www.parkwise.com")),
    _dj("https-or-http-credentials", {
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^https?://(\w+\.)?parkwise\.com$"],
        "CORS_ALLOW_CREDENTIALS": True,
    }, "'https?' lets plain http in, with credentials", "insecure", "plain-http-credentials",
        meant=("https://www.parkwise.com",)),
    # -- public suffixes -------------------------------------------------------------------------
    _dj("vercel-subtree-credentials", {
        "CORS_ALLOWED_ORIGINS": ["http://localhost:3000"],
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://.*\.vercel\.app$"],
        "CORS_ALLOW_CREDENTIALS": True,
    }, "every Vercel deployment, with credentials", "insecure", "public-suffix-subtree",
        meant=("http://localhost:3000", "https://recipebox.vercel.app")),
    _dj("vercel-previews-credentials", {
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://recipebox-[a-z0-9-]+\.vercel\.app$"],
        "CORS_ALLOW_CREDENTIALS": True,
    }, "preview deployments by project prefix, credentials", "insecure",
        "public-suffix-subtree", meant=("https://recipebox-git-main-team.vercel.app",)),
    _dj("herokuapp-subtree-credentials", {
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://\w+\.herokuapp\.com$"],
        "CORS_ALLOW_CREDENTIALS": True,
    }, "any Heroku app, with credentials", "insecure", "public-suffix-subtree",
        meant=("https://recipebox.herokuapp.com",)),
    _dj("vercel-subtree-no-credentials", {
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://.*\.vercel\.app$"],
    }, "every Vercel deployment, no credentials", "safe", "public-suffix-subtree",
        meant=("https://recipebox.vercel.app",)),
    # -- broken ------------------------------------------------------------------------------------
    _dj("doubled-backslashes", {
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://app\\.loomcraft\\.com$"],
        "CORS_ALLOW_CREDENTIALS": True,
    }, "raw string with doubled backslashes: matches a literal backslash", "broken",
        "doubled-backslash", meant=("https://app.loomcraft.com",)),
    _dj("doubled-backslashes-subdomains", {
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://(\\w+\\.)?loomcraft\\.com$"],
    }, "every escape doubled in a raw string", "broken", "doubled-backslash",
        meant=("https://www.loomcraft.com",)),
    _dj("literal-wildcard-origin", {
        "CORS_ALLOWED_ORIGINS": ["https://*.loomcraft.com"],
    }, "a wildcard in CORS_ALLOWED_ORIGINS (compared as text there)", "broken",
        "literal-wildcard", meant=("https://app.loomcraft.com",)),
    _dj("origin-setting-typo", {
        "CORS_ALLOWED_ORIGIN": ["https://app.loomcraft.com"], "CORS_ALLOW_CREDENTIALS": True,
    }, "CORS_ALLOWED_ORIGIN without the S: never read", "broken", "option-typo"),
    _dj("credentials-setting-typo", {
        "CORS_ALLOWED_ORIGINS": ["https://app.loomcraft.com"], "CORS_ALLOW_CREDENTIAL": True,
    }, "CORS_ALLOW_CREDENTIAL without the S: cookies never allowed", "broken",
        "option-typo"),
    # -- ordinary, safe -----------------------------------------------------------------------------
    _dj("list-credentials", {
        "CORS_ALLOWED_ORIGINS": ["https://app.tinyledger.com", "https://admin.tinyledger.com"],
        "CORS_ALLOW_CREDENTIALS": True,
    }, "two https origins, credentials", "safe"),
    _dj("dev-list-credentials", {
        "CORS_ALLOWED_ORIGINS": ["http://localhost:3000", "http://127.0.0.1:3000",
                                 "http://localhost:5173"],
        "CORS_ALLOW_CREDENTIALS": True,
    }, "a dev server list on loopback, credentials", "safe"),
    _dj("subdomains-anchored-credentials", {
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://(\w+\.)?tinyledger\.com$"],
        "CORS_ALLOW_CREDENTIALS": True,
    }, "apex and subdomains, anchored and escaped, credentials", "safe",
        meant=("https://tinyledger.com", "https://app.tinyledger.com")),
    _dj("dot-star-subdomains-credentials", {
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://.*\.tinyledger\.com$"],
        "CORS_ALLOW_CREDENTIALS": True,
    }, "'.*' before an escaped, anchored domain, credentials", "safe",
        meant=("https://eu.app.tinyledger.com",)),
    _dj("api-paths-credentials", {
        "CORS_ALLOWED_ORIGINS": ["https://app.tinyledger.com"], "CORS_ALLOW_CREDENTIALS": True,
        "CORS_URLS_REGEX": r"^/api/.*$", "CORS_EXPOSE_HEADERS": ["Content-Disposition"],
        "CORS_PREFLIGHT_MAX_AGE": 3600,
    }, "CORS on /api/ only, exposed header, max age", "safe"),
    _dj("old-whitelist", {
        "CORS_ORIGIN_WHITELIST": ("https://app.tinyledger.com",),
        "CORS_ORIGIN_REGEX_WHITELIST": (r"^https://[a-z0-9-]+\.tinyledger\.com$",),
    }, "old setting names, no credentials", "safe"),
    _dj("allow-all-no-credentials", {"CORS_ALLOW_ALL_ORIGINS": True},
        "a public read-only API", "safe", meant=("https://anyone.example.net",)),
    _dj("prefix-localhost-port", {
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^http://localhost:3000"],
        "CORS_ALLOW_CREDENTIALS": True,
    }, "an unanchored loopback origin: only more port digits can follow", "safe",
        "prefix-regex", meant=("http://localhost:3000",)),
    _dj("trailing-slash-origin", {
        "CORS_ALLOWED_ORIGINS": ["https://app.tinyledger.com/"],
    }, "a trailing slash (django-cors-headers compares the netloc only)", "safe",
        "not-serialized", meant=("https://app.tinyledger.com",)),
    _dj("uppercase-origin", {
        "CORS_ALLOWED_ORIGINS": ["https://App.TinyLedger.com"], "CORS_ALLOW_CREDENTIALS": True,
    }, "upper case in the host (compared as written there)", "broken", "not-serialized",
        meant=("https://app.tinyledger.com",)),
]
