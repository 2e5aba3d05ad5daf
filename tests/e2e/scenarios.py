"""The browser scenarios: JavaScript the page runs, and what the browser must allow.

Each scenario runs in one *frame* (an origin): ``page`` is ``http://localhost:P1``
(allowed exactly), ``sub`` is ``http://app.localhost:P1`` (allowed by the pattern
``http://*.localhost:P1``), ``other`` is ``http://127.0.0.1:P1`` (not allowed) and
``sandbox`` is a sandboxed iframe whose requests carry ``Origin: null``.

The code is the body of an async function of ``ctx`` (server URLs) and ``read`` (what
the script could read, reported back). Helpers from runner.js: ``cfetch`` (a fetch
whose CORS failures become ``Blocked``), ``count(base, path)`` (requests the server
saw per method, preflights included), ``sleep``.

``ctx.api`` is the main profile on 127.0.0.1; ``ctx.apiSite`` the same server named
``localhost`` (same site as the page, so cookies flow); ``ctx.api0`` has max_age=0;
``ctx.star`` allows ``*``; ``ctx.nullapi`` allows only ``null`` via allow_origin_func.

Expected string values may name ``{run}`` (this run's id) and ``{page}`` (the page's
origin); they are filled in before comparing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

READABLE, BLOCKED = "readable", "blocked"


@dataclass(frozen=True)
class Scenario:
    """One browser scenario and its expected outcome."""

    name: str
    frame: str
    code: str
    expect: str
    read: dict[str, Any] = field(default_factory=dict)
    parallel: bool = False
    #: Adapters whose documented semantics differ: adapter -> expected read.
    read_for: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Engines whose verdict differs from the standard's by design: browser ->
    #: (outcome, read). Every use says why next to it.
    engines: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)

    def expected_read(self, adapter: str) -> dict[str, Any]:
        """What the script must read when *adapter* serves the scenario."""
        return self.read_for.get(adapter, self.read)

    def expected(self, browser: str, adapter: str) -> tuple[str, dict[str, Any]]:
        """The outcome and the read *browser* must give when *adapter* serves it."""
        if browser in self.engines:
            return self.engines[browser]
        return self.expect, self.expected_read(adapter)

    def to_json(self) -> dict[str, Any]:
        """What the page receives."""
        return {"name": self.name, "frame": self.frame, "code": self.code,
                "parallel": self.parallel}


def _get(base: str, path: str = "/data", init: str = "{}") -> str:
    return f"""
        const r = await cfetch({base} + "{path}", {init});
        read.status = r.status;
        const text = await r.text();
        try {{ Object.assign(read, JSON.parse(text)); }} catch (e) {{ read.text = text.slice(0, 80); }}
    """


def _simple(name: str, frame: str, base: str, expect: str, **read: Any) -> Scenario:
    return Scenario(name, frame, _get(base), expect, read)


def _method(name: str, frame: str, verb: str, expect: str, base: str = "ctx.api",
            headers: str = "{}", send: str = "undefined", **read: Any) -> Scenario:
    init = f'{{method: "{verb}", headers: {headers}, body: {send}}}'
    return Scenario(name, frame, _get(base, "/data", init), expect, read)


def _preflights(base: str, path: str, method: str = "PUT", wait_ms: int = 0) -> str:
    """Two preflighted requests to one URL, then the server's count of preflights."""
    return f"""
        const path = "{path}-" + ctx.run;
        await cfetch({base} + path, {{method: "{method}"}});
        if ({wait_ms}) await sleep({wait_ms});
        const r = await cfetch({base} + path, {{method: "{method}"}});
        read.status = r.status;
        const seen = await count({base}, path);
        read.preflights = seen.OPTIONS || 0;
        read.requests = seen.{method} || 0;
    """


SCENARIOS: list[Scenario] = [
    # -- origins ---------------------------------------------------------------------
    _simple("exact-origin-get", "page", "ctx.api", READABLE, status=200, method="GET"),
    _simple("wildcard-subdomain-get", "sub", "ctx.api", READABLE, status=200, method="GET"),
    _simple("denied-origin-get", "other", "ctx.api", BLOCKED),
    _simple("null-origin-get-blocked", "sandbox", "ctx.api", BLOCKED),
    _method("null-origin-put-blocked", "sandbox", "PUT", BLOCKED),
    _simple("null-origin-allowed-by-func", "sandbox", "ctx.nullapi", READABLE,
            status=200, origin="null"),
    _simple("func-profile-refuses-real-origin", "page", "ctx.nullapi", BLOCKED),
    _simple("star-any-origin", "other", "ctx.star", READABLE, status=200),
    _simple("star-null-origin", "sandbox", "ctx.star", READABLE, status=200),
    _simple("star-from-subdomain", "sub", "ctx.star", READABLE, status=200),
    # -- simple requests -------------------------------------------------------------
    _method("simple-post-text", "page", "POST", READABLE,
            headers='{"Content-Type": "text/plain"}', send='"hello"', status=200, body="hello"),
    _method("simple-post-form", "page", "POST", READABLE,
            headers='{"Content-Type": "application/x-www-form-urlencoded"}', send='"a=1&b=2"',
            status=200, body="a=1&b=2"),
    _method("simple-post-denied-origin", "other", "POST", BLOCKED,
            headers='{"Content-Type": "text/plain"}', send='"x"'),
    Scenario("denied-simple-post-still-reaches-app", "other", """
        const path = "/u/csrf-" + ctx.run;
        let blocked = null;
        try { await cfetch(ctx.api + path, {method: "POST", body: "x"}); }
        catch (e) { if (!(e instanceof Blocked)) throw e; blocked = e; }
        read.reached = (await count(ctx.api, path)).POST || 0;
        if (blocked) throw blocked;
    """, BLOCKED, {"reached": 1}),
    _method("head-request", "page", "HEAD", READABLE, status=200),
    # -- preflighted methods ---------------------------------------------------------
    _method("preflight-put", "page", "PUT", READABLE, status=200, method="PUT"),
    _method("preflight-delete", "page", "DELETE", READABLE, status=200, method="DELETE"),
    _method("preflight-patch", "page", "PATCH", READABLE, status=200, method="PATCH"),
    _method("preflight-patch-lowercase-not-normalized", "page", "patch", BLOCKED),
    _method("preflight-method-not-allowed", "page", "PROPFIND", BLOCKED),
    _method("preflight-put-from-subdomain", "sub", "PUT", READABLE, status=200, method="PUT"),
    _method("preflight-put-denied-origin", "other", "PUT", BLOCKED),
    _method("preflight-delete-denied-origin", "other", "DELETE", BLOCKED),
    Scenario("preflight-denied-never-reaches-app", "other", """
        const path = "/u/denied-put-" + ctx.run;
        let blocked = null;
        try { await cfetch(ctx.api + path, {method: "PUT"}); }
        catch (e) { if (!(e instanceof Blocked)) throw e; blocked = e; }
        const seen = await count(ctx.api, path);
        read.preflights = seen.OPTIONS || 0;
        read.puts = seen.PUT || 0;
        if (blocked) throw blocked;
    """, BLOCKED, {"preflights": 1, "puts": 0}),
    # -- JSON bodies and headers -----------------------------------------------------
    _method("json-post", "page", "POST", READABLE,
            headers='{"Content-Type": "application/json"}', send='JSON.stringify({"a": 1})',
            status=200, body='{"a":1}'),
    _method("json-put", "page", "PUT", READABLE,
            headers='{"Content-Type": "application/json"}', send='"[1,2]"',
            status=200, body="[1,2]"),
    _method("json-post-denied-origin", "other", "POST", BLOCKED,
            headers='{"Content-Type": "application/json"}', send='"{}"'),
    _method("custom-header-allowed", "page", "GET", READABLE,
            headers='{"X-Allowed": "yes"}', status=200, x_allowed="yes"),
    _method("custom-header-allowed-any-case", "page", "GET", READABLE,
            headers='{"X-ALLOWED": "case"}', status=200, x_allowed="case"),
    _method("custom-header-not-allowed", "page", "GET", BLOCKED,
            headers='{"X-Not-Allowed": "1"}'),
    # Save-Data (a client hint) is not CORS-safelisted in the Fetch standard: WebKit and
    # Firefox preflight it, and the profile does not list it, so the preflight is refused.
    # Chromium safelists the client hints (Save-Data, DPR, Width, ...) and sends the GET
    # without asking: the "works in Chrome, not in Safari" of a forgotten header.
    Scenario("client-hint-header-preflighted", "page", """
        const path = "/u/save-data-" + ctx.run;
        let blocked = null, r = null;
        try { r = await cfetch(ctx.api + path, {headers: {"Save-Data": "on"}}); }
        catch (e) { if (!(e instanceof Blocked)) throw e; blocked = e; }
        const seen = await count(ctx.api, path);
        read.preflights = seen.OPTIONS || 0;
        read.gets = seen.GET || 0;
        if (blocked) throw blocked;
        read.status = r.status;
    """, BLOCKED, {"preflights": 1, "gets": 0},
        engines={"chromium": (READABLE, {"status": 200, "preflights": 0, "gets": 1})}),
    _method("custom-headers-one-not-allowed", "page", "GET", BLOCKED,
            headers='{"X-Allowed": "1", "X-Not-Allowed": "1"}'),
    _method("authorization-header", "page", "GET", READABLE,
            headers='{"Authorization": "Bearer t0ken"}', status=200, authorization="Bearer t0ken"),
    _method("authorization-with-json-put", "page", "PUT", READABLE,
            headers='{"Authorization": "Bearer a", "Content-Type": "application/json", "X-Allowed": "1"}',
            send='"{}"', status=200, authorization="Bearer a", x_allowed="1"),
    _method("authorization-listed-by-default-headers", "other", "GET", READABLE,
            base="ctx.star", headers='{"Authorization": "Bearer t"}', status=200,
            authorization="Bearer t"),
    _method("star-profile-custom-header-not-allowed", "other", "GET", BLOCKED,
            base="ctx.star", headers='{"X-Allowed": "1"}'),
    # -- credentials -----------------------------------------------------------------
    Scenario("credentials-cookie-roundtrip", "page", """
        const set = await cfetch(ctx.apiSite + "/setcookie?v=c" + ctx.run, {credentials: "include"});
        read.set = (await set.json()).set;
        const r = await cfetch(ctx.apiSite + "/data", {credentials: "include"});
        read.status = r.status;
        read.cookie = (await r.json()).cookie;
    """, READABLE, {"status": 200, "cookie": "sid=c{run}"}),
    Scenario("credentials-preflighted-put", "page", """
        await cfetch(ctx.apiSite + "/setcookie?v=p" + ctx.run, {credentials: "include"});
        const r = await cfetch(ctx.apiSite + "/data", {method: "PUT", credentials: "include",
            headers: {"Content-Type": "application/json"}, body: "{}"});
        read.status = r.status;
        read.cookie = (await r.json()).cookie;
    """, READABLE, {"status": 200, "cookie": "sid=p{run}"}),
    _method("credentials-from-subdomain", "sub", "GET", READABLE, base="ctx.apiSite",
            status=200),
    Scenario("credentials-denied-origin", "other", """
        await cfetch(ctx.apiSite + "/data", {credentials: "include"});
    """, BLOCKED),
    Scenario("credentials-star-blocked", "page", """
        await cfetch(ctx.star + "/data", {credentials: "include"});
    """, BLOCKED),
    Scenario("credentials-null-origin-blocked", "sandbox", """
        await cfetch(ctx.api + "/data", {credentials: "include"});
    """, BLOCKED),
    # -- exposed headers -------------------------------------------------------------
    Scenario("exposed-header-readable", "page", """
        const r = await cfetch(ctx.api + "/data");
        read.exposed = r.headers.get("X-Exposed");
        read.hidden = r.headers.get("X-Hidden");
        read.content_type = r.headers.get("Content-Type");
    """, READABLE, {"exposed": "yes", "hidden": None, "content_type": "application/json"}),
    Scenario("exposed-header-star-profile", "other", """
        const r = await cfetch(ctx.star + "/data");
        read.exposed = r.headers.get("X-Exposed");
        read.hidden = r.headers.get("X-Hidden");
    """, READABLE, {"exposed": "yes", "hidden": None}),
    Scenario("set-cookie-never-exposed", "page", """
        const r = await cfetch(ctx.apiSite + "/setcookie?v=x", {credentials: "include"});
        read.set_cookie = r.headers.get("Set-Cookie");
    """, READABLE, {"set_cookie": None}),
    # -- max-age: the server counts the preflights it answers ------------------------
    Scenario("max-age-second-request-no-preflight", "page",
             _preflights("ctx.api", "/u/maxage"), READABLE,
             {"status": 200, "preflights": 1, "requests": 2}),
    Scenario("max-age-zero-preflights-every-time", "page",
             _preflights("ctx.api0", "/u/maxage0"), READABLE,
             {"status": 200, "preflights": 2, "requests": 2},
             # django-cors-headers semantics: CORS_PREFLIGHT_MAX_AGE = 0 omits the
             # header, so browsers fall back to their 5 s default and cache it.
             read_for={"django": {"status": 200, "preflights": 1, "requests": 2}}),
    # In sequence, not in parallel: Firefox dropped the cached preflight when other
    # scenarios' preflights from the same page failed meanwhile.
    Scenario("max-age-outlives-default-5s", "page",
             _preflights("ctx.api", "/u/maxage-long", wait_ms=6000), READABLE,
             {"status": 200, "preflights": 1, "requests": 2}, parallel=False),
    Scenario("preflight-cache-is-per-url", "page", """
        const a = "/u/per-url-a-" + ctx.run, b = "/u/per-url-b-" + ctx.run;
        await cfetch(ctx.api + a, {method: "PUT"});
        await cfetch(ctx.api + b, {method: "PUT"});
        read.preflights_a = (await count(ctx.api, a)).OPTIONS || 0;
        read.preflights_b = (await count(ctx.api, b)).OPTIONS || 0;
    """, READABLE, {"preflights_a": 1, "preflights_b": 1}),
    # -- errors ----------------------------------------------------------------------
    Scenario("error-404-readable", "page", _get("ctx.api", "/status/404"), READABLE,
             {"status": 404}),
    Scenario("error-500-readable", "page", _get("ctx.api", "/status/500"), READABLE,
             {"status": 500}),
    Scenario("unrouted-404-readable", "page", _get("ctx.api", "/no/such/route"), READABLE,
             {"status": 404}),
    Scenario("error-404-denied-origin", "other", _get("ctx.api", "/status/404"), BLOCKED),
    Scenario("error-500-credentials", "page", _get("ctx.apiSite", "/status/500",
                                                    '{credentials: "include"}'),
             READABLE, {"status": 500}),
    # -- redirects -------------------------------------------------------------------
    Scenario("redirect-same-server", "page", """
        const r = await cfetch(ctx.api + "/redirect?to=" + encodeURIComponent(ctx.api + "/data"));
        read.status = r.status;
        read.redirected = r.redirected;
        read.origin = (await r.json()).origin;
    """, READABLE, {"status": 200, "redirected": True, "origin": "{page}"}),
    Scenario("redirect-cross-origin-becomes-null", "page", """
        await cfetch(ctx.api + "/redirect?to=" + encodeURIComponent(ctx.apiSite + "/data"));
    """, BLOCKED),
    Scenario("redirect-cross-origin-to-star", "page", """
        const r = await cfetch(ctx.api + "/redirect?to=" + encodeURIComponent(ctx.star + "/data"));
        read.status = r.status;
        read.origin = (await r.json()).origin;
    """, READABLE, {"status": 200, "origin": "null"}),
    Scenario("redirect-from-denied-origin", "other", """
        await cfetch(ctx.api + "/redirect?to=" + encodeURIComponent(ctx.api + "/data"));
    """, BLOCKED),
    # -- private network access (legacy header, sent only by some browsers) ----------
    Scenario("private-network-preflight", "page", """
        const path = "/u/pna-" + ctx.run;
        const r = await cfetch(ctx.api + path, {method: "PUT"});
        read.status = r.status;
        read.pna_requests = (await count(ctx.api, path)).PNA || 0;
    """, READABLE, {"status": 200}),
]
