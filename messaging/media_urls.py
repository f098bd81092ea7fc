"""Which `media_url`s the upstream may be told to fetch.

The upstream downloads the URL itself, from inside the platform's network: a URL naming a
loopback, private, link-local or otherwise internal address would let a caller reach
services there (SSRF). Such URLs are refused unless `MEDIA_URL_ALLOW_PRIVATE` is on (DEBUG,
where the sandbox serves media locally). Names are resolved here, so a public-looking name
that points inside is refused too.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

__all__ = ["media_url_refusal"]


def media_url_refusal(url: str) -> str:
    """Why `url` may not be sent as media, or "" when it may."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Must be an http or https URL."
    if settings.MEDIA_URL_ALLOW_PRIVATE:
        return ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, None)}
    except (OSError, UnicodeError):
        return "The host does not resolve."
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global:
            return "Must not point at a private, loopback or internal address."
    return ""
