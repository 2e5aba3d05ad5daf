"""The catalogue of server behaviours the doctor is measured on in real browsers.

Grouped by what they exercise: the Access-Control-Allow-Origin and -Credentials
checks, header syntax on the wire (RFC 9110/9112: optional whitespace, obs-fold,
malformed lines, framing), preflights, which requests need one, redirects, status
codes and exposed response headers. None says what a browser does: the browsers
do, and the doctor must predict it.
"""

from __future__ import annotations

from .behaviours import ACAC, ACAO, Answer, Behaviour, case, ok, status

OTHER = "https://other.example"
STAR = "Access-Control-Allow-Origin: *"


def acao(value: str) -> str:
    """An Access-Control-Allow-Origin line with *value*."""
    return f"Access-Control-Allow-Origin: {value}"


def acam(value: str) -> str:
    """An Access-Control-Allow-Methods line with *value*."""
    return f"Access-Control-Allow-Methods: {value}"


def acah(value: str) -> str:
    """An Access-Control-Allow-Headers line with *value*."""
    return f"Access-Control-Allow-Headers: {value}"


def raw(*lines: str, body: bytes = b"") -> Answer:
    """Exact bytes: *lines* joined by CRLF (write other line ends inside them)."""
    return Answer(raw="\r\n".join(lines).encode("latin-1") + body)


NO_CONTENT = "204 No Content"

ALLOW_ORIGIN = [
    case("acao-exact", ok(ACAO)),
    case("acao-star", ok(STAR)),
    case("acao-missing", ok("Content-Type: text/plain")),
    case("acao-other", ok(acao(OTHER))),
    case("acao-trailing-slash", ok(acao("{origin}/"))),
    case("acao-upper-case", ok(acao("HTTP://LOCALHOST:{port}"))),
    case("acao-with-path", ok(acao("{origin}/app"))),
    case("acao-without-port", ok(acao("http://localhost"))),
    case("acao-null", ok(acao("null"))),
    case("acao-twice-same", ok(ACAO, ACAO)),
    case("acao-twice-star", ok(STAR, STAR)),
    case("acao-twice-different", ok(ACAO, acao(OTHER))),
    case("acao-list", ok(acao("{origin}, " + OTHER))),
    case("acao-list-no-space", ok(acao("{origin}," + OTHER))),
    case("acao-trailing-comma", ok(acao("{origin},"))),
    case("acao-empty", ok("Access-Control-Allow-Origin:")),
    case("acao-host-only", ok(acao("localhost:{port}"))),
    case("acao-quoted", ok(acao('"{origin}"'))),
    case("acao-subdomain-pattern", ok(acao("http://*.localhost:{port}"))),
    case("acao-star-and-origin", ok(acao("*, {origin}"))),
    case("acao-padded-spaces", ok("Access-Control-Allow-Origin:    {origin}    ")),
    case("acao-padded-tabs", ok("Access-Control-Allow-Origin:\t{origin}\t")),
    case("acao-star-padded", ok("Access-Control-Allow-Origin:   *  ")),
    case("acao-no-space-after-colon", ok("Access-Control-Allow-Origin:{origin}")),
    case("acao-lower-case-name", ok("access-control-allow-origin: {origin}")),
    case("acao-star-credentials", ok(STAR, ACAC), credentials=True),
    case("acao-null-credentials", ok(acao("null"), ACAC), credentials=True),
]

ALLOW_CREDENTIALS = [
    case("acac-true", ok(ACAO, ACAC), credentials=True),
    case("acac-missing", ok(ACAO), credentials=True),
    case("acac-upper-case", ok(ACAO, "Access-Control-Allow-Credentials: TRUE"), credentials=True),
    case("acac-padded", ok(ACAO, "Access-Control-Allow-Credentials:   true  "), credentials=True),
    case("acac-twice", ok(ACAO, ACAC, ACAC), credentials=True),
    case("acac-one", ok(ACAO, "Access-Control-Allow-Credentials: 1"), credentials=True),
    case("acac-false", ok(ACAO, "Access-Control-Allow-Credentials: false"), credentials=True),
    case("acac-folded", ok(ACAO, "Access-Control-Allow-Credentials:\r\n true"),
         credentials=True),
    case("acac-false-without-credentials", ok(ACAO, "Access-Control-Allow-Credentials: false")),
]

WIRE_SYNTAX = [
    case("fold-acao", ok("Access-Control-Allow-Origin:\r\n {origin}")),
    case("fold-acao-tab", ok("Access-Control-Allow-Origin:\r\n\t{origin}")),
    case("fold-acao-split", ok("Access-Control-Allow-Origin: http://localhost\r\n :{port}")),
    case("fold-acao-many-lines", ok("Access-Control-Allow-Origin:\r\n   \r\n {origin}")),
    case("fold-first-header", ok(" X-Folded: 1", ACAO)),
    case("fold-after-bad-line", ok("not a header", " {origin}", ACAO)),
    case("space-before-colon", ok("Access-Control-Allow-Origin : {origin}")),
    case("tab-before-colon", ok("Access-Control-Allow-Origin\t: {origin}")),
    case("space-before-colon-other", ok("X-Other : 1", ACAO)),
    case("line-without-colon", ok("this is not a header", ACAO)),
    case("empty-header-name", ok(": nameless", ACAO)),
    case("name-with-space", ok("X Bad Name: 1", ACAO)),
    case("content-length-space-before-colon",
         Answer(raw=b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: {origin}\r\n"
                    b"Content-Length : 10\r\nConnection: close\r\n\r\ncase body\n")),
    case("bare-lf-line-ends",
         Answer(raw=b"HTTP/1.1 200 OK\nAccess-Control-Allow-Origin: {origin}\n"
                    b"Content-Length: 10\nConnection: close\n\ncase body\n")),
    case("mixed-line-ends",
         Answer(raw=b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: {origin}\n"
                    b"Content-Length: 10\r\nConnection: close\n\r\ncase body\n")),
    case("bare-cr-after-acao", ok("Access-Control-Allow-Origin: {origin}\rX-Junk: 1")),
    case("bare-cr-before-acao", ok("X-Junk: 1\rAccess-Control-Allow-Origin: {origin}")),
    case("nul-in-other-header", ok("X-Note: a\0b", ACAO)),
    case("nul-after-acao", ok("Access-Control-Allow-Origin: {origin}\0")),
    case("long-other-header", ok("X-Long: " + "a" * 8000, ACAO)),
    case("many-headers", ok(*(f"X-H{i}: {i}" for i in range(150)), ACAO)),
    case("content-length-twice-same", Answer(raw=(
        b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: {origin}\r\nContent-Length: 10\r\n"
        b"Content-Length: 10\r\nConnection: close\r\n\r\ncase body\n"))),
    case("content-length-twice-different", Answer(raw=(
        b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: {origin}\r\nContent-Length: 10\r\n"
        b"Content-Length: 9\r\nConnection: close\r\n\r\ncase body\n"))),
    case("location-twice-different", ok(ACAO, "Location: /a", "Location: /b")),
    case("status-without-reason", raw("HTTP/1.1 200", "Access-Control-Allow-Origin: {origin}",
                                      "Content-Length: 10", "Connection: close", "",
                                      body=b"case body\n")),
    case("status-http-1-0", raw("HTTP/1.0 200 OK", "Access-Control-Allow-Origin: {origin}",
                                "Content-Length: 10", "", body=b"case body\n")),
    case("chunked-body", raw("HTTP/1.1 200 OK", "Access-Control-Allow-Origin: {origin}",
                             "Transfer-Encoding: chunked", "Connection: close", "",
                             body=b"a\r\ncase body\n\r\n0\r\n\r\n")),
    case("no-content-length-close", raw("HTTP/1.1 200 OK", "Access-Control-Allow-Origin: {origin}",
                                        "Connection: close", "", body=b"case body\n")),
    case("interim-103", raw("HTTP/1.1 103 Early Hints", "Link: </x.css>; rel=preload", "",
                            "HTTP/1.1 200 OK", "Access-Control-Allow-Origin: {origin}",
                            "Content-Length: 10", "Connection: close", "", body=b"case body\n")),
    case("interim-100-without-acao-then-ok", raw(
        "HTTP/1.1 100 Continue", "", "HTTP/1.1 200 OK", "Access-Control-Allow-Origin: {origin}",
        "Content-Length: 10", "Connection: close", "", body=b"case body\n")),
    case("header-value-latin1", ok("X-Name: caf\u00e9", ACAO)),
    case("acao-latin1-junk", ok(acao("{origin}\u00e9"))),
]

PUT_OK = status(NO_CONTENT, ACAO, acam("PUT"))


def pf(name: str, preflight: Answer, actual: Answer | None = None, method: str = "PUT",
       **request: object) -> Behaviour:
    """A preflighted case: *method* with the preflight answer given."""
    return case(name, actual or ok(ACAO), preflight, method=method, **request)


KEY = {"X-Api-Key": "k"}

PREFLIGHTS = [
    pf("pf-ok", PUT_OK),
    pf("pf-200", status("200 OK", ACAO, acam("PUT"))),
    pf("pf-201", status("201 Created", ACAO, acam("PUT"))),
    pf("pf-299", status("299 Odd", ACAO, acam("PUT"))),
    pf("pf-300", status("300 Multiple Choices", ACAO, acam("PUT"))),
    pf("pf-302-no-location", status("302 Found", ACAO, acam("PUT"))),
    pf("pf-307", status("307 Temporary Redirect", ACAO, acam("PUT"), "Location: {self}/x")),
    pf("pf-301", status("301 Moved Permanently", ACAO, acam("PUT"), "Location: {self}/x")),
    pf("pf-401-without-cors", status("401 Unauthorized", "WWW-Authenticate: Bearer")),
    pf("pf-401-with-cors", status("401 Unauthorized", ACAO, acam("PUT"))),
    pf("pf-403-wsgicors-refusal", Answer("403 Forbidden", (
        "Content-Type: text/plain; charset=utf-8",
        "Vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
        b"CORS preflight refused: method not allowed\n")),
    pf("pf-404", status("404 Not Found", "Content-Type: text/plain")),
    pf("pf-405-with-cors", status("405 Method Not Allowed", ACAO, "Allow: GET, HEAD")),
    pf("pf-500-with-cors", status("500 Internal Server Error", ACAO, acam("PUT"))),
    pf("pf-500-without-cors", status("500 Internal Server Error")),
    pf("pf-acao-missing", status(NO_CONTENT, acam("PUT"))),
    pf("pf-acao-mismatch", status(NO_CONTENT, acao(OTHER), acam("PUT"))),
    pf("pf-acao-star", status(NO_CONTENT, STAR, acam("PUT")), ok(STAR)),
    pf("pf-acao-padded", status(NO_CONTENT, "Access-Control-Allow-Origin:  {origin} ",
                                acam("PUT"))),
    pf("pf-acao-twice", status(NO_CONTENT, ACAO, ACAO, acam("PUT"))),
    pf("pf-ok-actual-missing", PUT_OK, ok()),
    pf("pf-acam-missing", status(NO_CONTENT, ACAO)),
    pf("pf-acam-lower-case", status(NO_CONTENT, ACAO, acam("put"))),
    pf("pf-acam-star", status(NO_CONTENT, ACAO, acam("*"))),
    pf("pf-acam-star-credentials", status(NO_CONTENT, ACAO, ACAC, acam("*")),
       ok(ACAO, ACAC), credentials=True),
    pf("pf-acam-padded", status(NO_CONTENT, ACAO, "Access-Control-Allow-Methods:   GET ,  PUT  ")),
    pf("pf-acam-invalid", status(NO_CONTENT, ACAO, acam("GET;PUT"))),
    pf("pf-acam-empty-elements", status(NO_CONTENT, ACAO, acam(",,PUT,,"))),
    pf("pf-acam-two-lines", status(NO_CONTENT, ACAO, acam("GET"), acam("PUT"))),
    pf("pf-acam-folded", status(NO_CONTENT, ACAO, "Access-Control-Allow-Methods: GET,\r\n PUT")),
    pf("pf-acam-space-before-colon", status(NO_CONTENT, ACAO,
                                            "Access-Control-Allow-Methods : PUT")),
    pf("pf-acam-quoted", status(NO_CONTENT, ACAO, acam('"PUT"'))),
    pf("pf-method-patch-lower-case", status(NO_CONTENT, ACAO, acam("PATCH")), method="patch"),
    pf("pf-method-patch-acam-lower-case", status(NO_CONTENT, ACAO, acam("patch")),
       method="PATCH"),
    pf("pf-method-delete-lower-case", status(NO_CONTENT, ACAO, acam("DELETE")),
       method="delete"),
    pf("pf-method-custom", status(NO_CONTENT, ACAO, acam("PURGE")), method="PURGE"),
    pf("pf-method-options", status(NO_CONTENT, ACAO, acam("OPTIONS")), method="OPTIONS"),
    pf("pf-acah-missing", status(NO_CONTENT, ACAO), method="GET", headers=KEY),
    pf("pf-acah-listed", status(NO_CONTENT, ACAO, acah("x-api-key")), method="GET",
       headers=KEY),
    pf("pf-acah-upper-case", status(NO_CONTENT, ACAO, acah("X-API-KEY")), method="GET",
       headers=KEY),
    pf("pf-acah-star", status(NO_CONTENT, ACAO, acah("*")), method="GET", headers=KEY),
    pf("pf-acah-star-credentials", status(NO_CONTENT, ACAO, ACAC, acah("*")),
       ok(ACAO, ACAC), method="GET", headers=KEY, credentials=True),
    pf("pf-acah-star-authorization", status(NO_CONTENT, STAR, acah("*")), ok(STAR),
       method="GET", headers={"Authorization": "Bearer t"}),
    pf("pf-acah-star-authorization-and-key", status(NO_CONTENT, STAR, acah("*")), ok(STAR),
       method="GET", headers={"Authorization": "Bearer t", **KEY}),
    pf("pf-acah-star-and-authorization", status(NO_CONTENT, STAR, acah("*, authorization")),
       ok(STAR), method="GET", headers={"Authorization": "Bearer t"}),
    pf("pf-acah-invalid", status(NO_CONTENT, ACAO, acah("x-api-key; x-b")), method="GET",
       headers=KEY),
    pf("pf-acah-padded", status(NO_CONTENT, ACAO, acah("  x-b ,  x-api-key  ")), method="GET",
       headers=KEY),
    pf("pf-acah-empty-elements", status(NO_CONTENT, ACAO, acah(",,x-api-key,,")), method="GET",
       headers=KEY),
    pf("pf-acah-two-lines", status(NO_CONTENT, ACAO, acah("x-b"), acah("x-api-key")),
       method="GET", headers=KEY),
    pf("pf-acah-folded", status(NO_CONTENT, ACAO, "Access-Control-Allow-Headers: x-b,\r\n\t"
                                "x-api-key"), method="GET", headers=KEY),
    pf("pf-acah-invalid-and-method-missing", status(NO_CONTENT, ACAO, acah("x;y")),
       headers=KEY),
    pf("pf-content-type-json", status(NO_CONTENT, ACAO, acah("content-type")), method="POST",
       headers={"Content-Type": "application/json"}),
    pf("pf-content-type-json-not-listed", status(NO_CONTENT, ACAO), method="POST",
       headers={"Content-Type": "application/json"}),
    pf("pf-credentials-acac-missing", status(NO_CONTENT, ACAO, acam("PUT")), ok(ACAO, ACAC),
       credentials=True),
    pf("pf-credentials-ok-actual-acac-missing", status(NO_CONTENT, ACAO, ACAC, acam("PUT")),
       credentials=True),
    pf("pf-credentials-star", status(NO_CONTENT, STAR, ACAC, acam("PUT")), ok(ACAO, ACAC),
       credentials=True),
]

# Whether a request is preflighted at all: the preflight gets a 404 without CORS
# headers, so a preflight makes the request fail and no preflight lets it through.
NO_PREFLIGHT_WANTED = status("404 Not Found", "Content-Type: text/plain")


def simple(name: str, method: str = "GET", **headers: str) -> Behaviour:
    """A request that passes only if the browser sends no preflight for it."""
    sent = {key.replace("_", "-"): value for key, value in headers.items()}
    return case(name, ok(ACAO), NO_PREFLIGHT_WANTED, method=method, headers=sent)


REQUESTS = [
    simple("req-accept", Accept="application/json"),
    simple("req-accept-129-bytes", Accept="a" * 129),
    simple("req-accept-quote", Accept='text/"html"'),
    simple("req-accept-latin1", Accept="caf\u00e9"),
    simple("req-accept-language", Accept_Language="en-US,en;q=0.9"),
    simple("req-accept-language-underscore", Accept_Language="en_GB"),
    simple("req-content-language", Content_Language="de-DE"),
    simple("req-content-type-text", "POST", Content_Type="text/plain;charset=UTF-8"),
    simple("req-content-type-form", "POST",
           Content_Type="application/x-www-form-urlencoded; charset=utf-8"),
    simple("req-content-type-multipart", "POST", Content_Type="multipart/form-data; boundary=x"),
    simple("req-content-type-json", "POST", Content_Type="application/json"),
    simple("req-content-type-quoted-param", "POST", Content_Type='text/plain; a="b"'),
    simple("req-range", Range="bytes=0-99"),
    simple("req-range-open", Range="bytes=100-"),
    simple("req-range-multiple", Range="bytes=0-1,3-4"),
    simple("req-range-reversed", Range="bytes=9-1"),
    simple("req-range-suffix", Range="bytes=-5"),
    simple("req-dpr", DPR="2"),
    simple("req-dpr-decimal", DPR="2.5"),
    simple("req-dpr-word", DPR="two"),
    simple("req-save-data-on", Save_Data="on"),
    simple("req-save-data-off", Save_Data="off"),
    simple("req-device-memory", Device_Memory="8"),
    simple("req-viewport-width", Viewport_Width="1200"),
    simple("req-width", Width="800"),
    simple("req-width-decimal", Width="8.5"),
    simple("req-rtt", RTT="50"),
    simple("req-downlink", Downlink="10"),
    simple("req-ect", ECT="4g"),
    simple("req-intervention", Intervention="x"),
    simple("req-custom-header", X_Requested_With="XMLHttpRequest"),
    simple("req-method-lower-get", "get"),
    simple("req-method-lower-post", "post"),
    simple("req-method-patch", "PATCH"),
    simple("req-method-head", "HEAD"),
]

FINAL = {"final": ok(ACAO)}


def redirect(code: str, location: str = "{self}/final", *lines: str) -> Answer:
    """A redirect with CORS headers (unless *lines* replace them)."""
    return status(code, *(lines or (ACAO,)), f"Location: {location}")


def chain(name: str, hops: int) -> Behaviour:
    """*hops* redirects in a row, then a final allowed answer."""
    answers = {f"h{i}": redirect("302 Found", f"{{self}}/h{i + 1}") for i in range(1, hops)}
    answers[f"h{hops}"] = redirect("302 Found", "{self}/final")
    return case(name, redirect("302 Found", "{self}/h1"), hops={**answers, **FINAL})


def post_json(name: str, code: str, again: Answer = NO_PREFLIGHT_WANTED) -> Behaviour:
    """A preflighted JSON POST redirected with *code*; *again* answers a new preflight."""
    return case(name, redirect(code), status(NO_CONTENT, ACAO, acah("content-type")),
                hops={"final": ok(ACAO), "final preflight": again}, method="POST",
                headers={"Content-Type": "application/json"})


CROSS = "http://localhost:{port}/case/"
REDIRECTS = [
    case("redir-301", redirect("301 Moved Permanently"), hops=FINAL),
    case("redir-302", redirect("302 Found"), hops=FINAL),
    case("redir-303", redirect("303 See Other"), hops=FINAL),
    case("redir-307", redirect("307 Temporary Redirect"), hops=FINAL),
    case("redir-308", redirect("308 Permanent Redirect"), hops=FINAL),
    case("redir-without-acao", redirect("302 Found", "{self}/final", "X-Hop: 1"), hops=FINAL),
    case("redir-final-without-acao", redirect("302 Found"), hops={"final": ok()}),
    case("redir-relative", redirect("302 Found", "redir-relative/final"), hops=FINAL),
    case("redir-padded-location", status("302 Found", ACAO, "Location:    {self}/final   "),
         hops=FINAL),
    case("redir-folded-location", status("302 Found", ACAO, "Location:\r\n {self}/final"),
         hops=FINAL),
    case("redir-302-without-location", status("302 Found", ACAO)),
    case("redir-cross-origin-star", redirect("302 Found", CROSS + "redir-cross-origin-star/final"),
         hops={"final": ok(STAR)}),
    case("redir-cross-origin-null", redirect("302 Found", CROSS + "redir-cross-origin-null/final"),
         hops={"final": ok(acao("null"))}),
    case("redir-cross-origin-origin",
         redirect("302 Found", CROSS + "redir-cross-origin-origin/final"), hops=FINAL),
    case("redir-cross-origin-credentials",
         redirect("302 Found", CROSS + "redir-cross-origin-credentials/final", ACAO, ACAC),
         hops={"final": ok(acao("null"), ACAC)}, credentials=True),
    case("redir-to-userinfo",
         redirect("302 Found", "http://user:pw@127.0.0.1:{port}/case/redir-to-userinfo/final"),
         hops=FINAL),
    case("redir-to-data", redirect("302 Found", "data:text/plain,hello")),
    case("redir-to-ftp", redirect("302 Found", "ftp://127.0.0.1:{port}/case/redir-to-ftp/x")),
    case("redir-loop", redirect("302 Found", "{self}")),
    chain("redir-chain-20", 19),
    chain("redir-chain-21", 20),
    case("redir-put-307-reflight-ok", redirect("307 Temporary Redirect"), PUT_OK,
         hops={"final": ok(ACAO), "final preflight": PUT_OK}, method="PUT"),
    case("redir-put-307-reflight-refused", redirect("307 Temporary Redirect"), PUT_OK,
         hops={"final": ok(ACAO), "final preflight": NO_PREFLIGHT_WANTED}, method="PUT"),
    post_json("redir-post-json-302", "302 Found"),
    post_json("redir-post-json-301", "301 Moved Permanently"),
    post_json("redir-post-json-303", "303 See Other"),
    post_json("redir-post-json-302-reflight-ok", "302 Found",
              status(NO_CONTENT, ACAO, acah("*"))),
    post_json("redir-post-json-307", "307 Temporary Redirect"),
    case("redir-put-303", redirect("303 See Other"), PUT_OK,
         hops={"final": ok(ACAO), "final preflight": NO_PREFLIGHT_WANTED}, method="PUT"),
    case("redir-post-text-302", redirect("302 Found"), NO_PREFLIGHT_WANTED,
         hops={"final": ok(ACAO), "final preflight": NO_PREFLIGHT_WANTED}, method="POST",
         headers={"Content-Type": "text/plain"}),
    case("redir-get-key-302", redirect("302 Found"),
         status(NO_CONTENT, ACAO, acah("x-api-key")),
         hops={"final": ok(ACAO), "final preflight": NO_PREFLIGHT_WANTED}, headers=KEY),
]

STATUSES = [
    case("status-500-with-acao", status("500 Internal Server Error", ACAO)),
    case("status-500-without-acao", status("500 Internal Server Error")),
    case("status-404-with-acao", status("404 Not Found", ACAO)),
    case("status-204-with-acao", status(NO_CONTENT, ACAO)),
    case("status-418-with-acao", status("418 I'm a teapot", ACAO)),
]

PROBE = ("x-total", "x-page", "set-cookie", "set-cookie2", "content-type", "content-length",
         "cache-control", "date")


def exposed(name: str, *lines: str, credentials: bool = False) -> Behaviour:
    """An allowed response with custom headers and *lines*; readability is compared."""
    base = (ACAO, ACAC) if credentials else (ACAO,)
    return case(name, ok(*base, "Content-Type: text/plain", "Cache-Control: no-store",
                         "X-Total: 3", "X-Page: 1", "Set-Cookie: a=b", "Set-Cookie2: c=d",
                         *lines), credentials=credentials, probe=PROBE)


def aceh(value: str) -> str:
    """An Access-Control-Expose-Headers line with *value*."""
    return f"Access-Control-Expose-Headers: {value}"


EXPOSED = [
    exposed("expose-none"),
    exposed("expose-listed", aceh("x-total")),
    exposed("expose-upper-case", aceh("X-TOTAL, X-Page")),
    exposed("expose-star", aceh("*")),
    exposed("expose-star-credentials", aceh("*"), credentials=True),
    exposed("expose-set-cookie", aceh("set-cookie, set-cookie2, x-total")),
    exposed("expose-padded", aceh("   x-total ,   x-page  ")),
    exposed("expose-two-lines", aceh("x-total"), aceh("x-page")),
    exposed("expose-folded", "Access-Control-Expose-Headers: x-total,\r\n x-page"),
    exposed("expose-invalid-token", aceh("x-total; x-page")),
    exposed("expose-space-before-colon", "Access-Control-Expose-Headers : x-total"),
    exposed("expose-star-and-name", aceh("*, x-total"), credentials=True),
]

# Which check comes first, and how a message spells a header name: where the three
# engines part (WebKit tests a preflight's status first, names the headers it knows in
# their own spelling, counts redirects before anything else).
CHECK_ORDER = [
    pf("order-acah-missing-lower-name", status(NO_CONTENT, ACAO), method="GET",
       headers={"x-api-key": "k"}),
    pf("order-acah-missing-two-names", status(NO_CONTENT, ACAO), method="GET",
       headers={"X-Zeta": "1", "X-Alpha": "1"}),
    pf("order-acah-missing-json-and-key", status(NO_CONTENT, ACAO), method="POST",
       headers={"X-Api-Key": "k", "Content-Type": "application/json"}),
    pf("order-acah-missing-authorization-and-key", status(NO_CONTENT, ACAO), method="GET",
       headers={"X-Api-Key": "k", "Authorization": "Bearer t"}),
    pf("order-acah-missing-two-known", status(NO_CONTENT, ACAO), method="GET",
       headers={"Cache-Control": "no-cache", "Authorization": "Bearer t"}),
    pf("order-acah-missing-key-then-lower-json", status(NO_CONTENT, ACAO), method="POST",
       headers={"x-b": "1", "content-type": "application/json", "X-A": "1"}),
    pf("order-acah-missing-lower-authorization", status(NO_CONTENT, ACAO), method="GET",
       headers={"authorization": "Bearer t"}),
    pf("order-acah-missing-long-accept", status(NO_CONTENT, ACAO), method="GET",
       headers={"Accept": "a" * 129}),
    pf("order-acah-missing-range-multiple", status(NO_CONTENT, ACAO), method="GET",
       headers={"range": "bytes=0-1,3-4"}),
    pf("order-acah-listed-upper-request", status(NO_CONTENT, ACAO, acah("x-api-key")),
       method="GET", headers={"X-API-KEY": "k"}),
    pf("order-acah-star-credentials-authorization", status(NO_CONTENT, ACAO, ACAC, acah("*")),
       ok(ACAO, ACAC), method="GET", headers={"Authorization": "Bearer t"}, credentials=True),
    pf("order-pf-acao-mismatch-200", status("200 OK", acao(OTHER), acam("PUT"))),
    pf("order-pf-acao-star-credentials", status(NO_CONTENT, STAR, ACAC, acam("PUT")),
       ok(ACAO, ACAC), credentials=True),
    pf("order-pf-acao-list", status(NO_CONTENT, acao("{origin}, " + OTHER), acam("PUT"))),
    pf("order-pf-method-and-header-refused", status(NO_CONTENT, ACAO, acam("GET")),
       headers=KEY),
    pf("order-pf-acam-invalid-acao-missing", status(NO_CONTENT, acam("GET;PUT"))),
    pf("order-pf-acam-invalid-acah-invalid",
       status(NO_CONTENT, ACAO, acam("GET;PUT"), acah("x;y")), headers=KEY),
    pf("order-pf-404-acao-missing-acam-invalid", status("404 Not Found", acam("GET;PUT"))),
    pf("order-pf-credentials-acac-upper",
       status(NO_CONTENT, ACAO, "Access-Control-Allow-Credentials: TRUE", acam("PUT")),
       ok(ACAO, ACAC), credentials=True),
    pf("order-pf-max-age-junk",
       status(NO_CONTENT, ACAO, acam("PUT"), "Access-Control-Max-Age: soon")),
    case("order-acao-star-credentials-no-acac", ok(STAR), credentials=True),
    case("order-acac-capitalized", ok(ACAO, "Access-Control-Allow-Credentials: True"),
         credentials=True),
    case("order-status-302-acao-missing-no-location", status("302 Found")),
    case("order-redir-cross-to-page-origin-without-acao",
         redirect("302 Found", CROSS + "order-redir-cross-to-page-origin-without-acao/final",
                  "X-Hop: 1"), hops={"final": ok(ACAO)}),
    case("order-redir-credentials-hop-acac-missing", redirect("302 Found"),
         hops={"final": ok(ACAO, ACAC)}, credentials=True),
    case("order-redir-hop-acao-other", redirect("302 Found", "{self}/final", acao(OTHER)),
         hops=FINAL),
    case("order-redir-hop-acao-list",
         redirect("302 Found", "{self}/final", acao("{origin}, " + OTHER)), hops=FINAL),
    case("order-redir-cross-final-star-credentials",
         redirect("302 Found", CROSS + "order-redir-cross-final-star-credentials/final",
                  ACAO, ACAC), hops={"final": ok(STAR, ACAC)}, credentials=True),
    case("order-redir-preflighted-hop-without-acao",
         redirect("307 Temporary Redirect", "{self}/final", "X-Hop: 1"), PUT_OK, method="PUT",
         hops={"final": ok(ACAO), "final preflight": PUT_OK}),
    case("order-redir-to-data-without-acao",
         redirect("302 Found", "data:text/plain,hello", "X-Hop: 1")),
    case("order-redir-to-userinfo-without-acao",
         redirect("302 Found", "http://u:p@127.0.0.1:{port}/case/"
                               "order-redir-to-userinfo-without-acao/final", "X-Hop: 1"),
         hops=FINAL),
    case("order-redir-21st-without-acao", redirect("302 Found", "{self}/h1"), hops={
        **{f"h{i}": redirect("302 Found", f"{{self}}/h{i + 1}") for i in range(1, 20)},
        "h20": redirect("302 Found", "{self}/final", "X-Hop: 1"), **FINAL}),
    case("order-redir-to-invalid-url", redirect("302 Found", "http://[bad/x")),
    post_json("order-redir-post-json-302-reflight-without-acah", "302 Found",
              status(NO_CONTENT, ACAO)),
    case("order-redir-cross-authorization-reflight-without-acah",
         redirect("307 Temporary Redirect", CROSS + "order-redir-cross-authorization-reflight-"
                  "without-acah/final"), status(NO_CONTENT, ACAO, acah("authorization")),
         hops={"final": ok(acao("null")), "final preflight": status(NO_CONTENT, acao("null"))},
         headers={"Authorization": "Bearer t"}),
]

# Requests no browser sends: the doctor must not send them either.
UNSENT = [
    case("unsent-redir-to-bad-port",
         redirect("302 Found", "http://127.0.0.1:10080/case/unsent-redir-to-bad-port/final")),
    case("unsent-redir-to-bad-port-6000",
         redirect("302 Found", "http://127.0.0.1:6000/case/unsent-redir-to-bad-port-6000/x")),
    case("unsent-redir-cross-to-bad-port", redirect(
        "307 Temporary Redirect", "http://localhost:25/case/unsent-redir-cross-to-bad-port/x"),
         PUT_OK, method="PUT"),
]

CATALOGUE: list[Behaviour] = [
    *ALLOW_ORIGIN, *ALLOW_CREDENTIALS, *WIRE_SYNTAX, *PREFLIGHTS, *REQUESTS, *REDIRECTS,
    *STATUSES, *EXPOSED, *CHECK_ORDER, *UNSENT,
]
