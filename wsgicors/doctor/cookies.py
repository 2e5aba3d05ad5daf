"""Cookies across sites: what CORS allows and the browsers' cookie rules still refuse.

A credentialed request from a page on one *site* to an API on another passes every
CORS check and yet arrives without the API's cookies in Safari (third-party cookies
blocked), in Firefox (Total Cookie Protection keeps a separate cookie jar per
top-level site) and in Chrome when the user turned third-party cookies off. A site
is a scheme and a registrable domain (``https://example.com`` for
``https://api.example.com``), taken from the public suffix list; two origins that
differ only in subdomain or port are the same site, and cookies flow between them.
"""

from __future__ import annotations

import functools
import ipaddress
import urllib.parse
from typing import Any

from ..origins import is_loopback_host


def site_of(url: str) -> str | None:
    """The schemeful site of *url* (or of an origin): ``https://example.com``.

    An IP address is its own site, and so is a host under a public suffix that is
    not registrable (``localhost``). None for an opaque origin.
    """
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").rstrip(".").lower()
    if not parts.scheme or not host:
        return None
    return f"{parts.scheme}://{_registrable(host)}"


def _registrable(host: str) -> str:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return str(_public_suffix_list().privatesuffix(host) or host)
    return f"[{address}]" if address.version == 6 else str(address)


@functools.cache
def _public_suffix_list() -> Any:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def cross_site_cookie_warning(origin: str, url: str, credentials: bool) -> str | None:
    """What to tell a user whose credentialed request crosses sites; None otherwise."""
    if not credentials or origin == "null":
        return None
    page, api = site_of(origin), site_of(url)
    if page is None or api is None or page == api:
        return None
    same_host = _host(origin) == _host(url) or (
        is_loopback_host(_host(origin)) and is_loopback_host(_host(url)))
    example = ("serve both from one host name (localhost for both, not localhost and "
               "127.0.0.1)" if same_host else
               "serve page and API from one site (app.example.com and api.example.com)")
    return (f"cookies: the page ({page}) and the API ({api}) are different sites. CORS "
            "allows this credentialed request, but Safari (third-party cookies blocked), "
            "Firefox (Total Cookie Protection) and Chrome with third-party cookies off "
            "send it without the cookies the API set as a first party (a login session). "
            f"What works: {example}; or, when the cookie only needs to live inside this "
            "page's site, have the API set it here with 'SameSite=None; Secure; "
            "Partitioned'; or send a token in the Authorization header instead of a "
            "cookie.")


def _host(url: str) -> str:
    return (urllib.parse.urlsplit(url).hostname or "").lower()
