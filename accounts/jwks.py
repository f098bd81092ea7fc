"""The identity provider's signing keys (Logto's JWKS), cached and fetched sparingly.

The key set lives in the Django cache, shared by every process, together with the time it was
fetched. It is fresh for `LOGTO_JWKS_CACHE_TTL` seconds. A stale (or missing) set, and a token
naming a key id the set does not hold, each trigger a fetch, but each at most once per
`LOGTO_JWKS_REFRESH_COOLDOWN` seconds across all processes (an atomic `cache.add` is the
ticket): tokens with made-up key ids cannot make the platform hammer the provider, and a key
the provider just rotated in is picked up at once. A failed fetch keeps the last good set:
while the provider is down, valid tokens keep working. Without the shared cache (Redis down),
each process keeps its own set and its own cool-down tickets.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from typing import Any

import jwt
import requests
from django.conf import settings
from django.core.cache import cache

from core.cache import UNAVAILABLE, cache_call

logger = logging.getLogger(__name__)

# Only asymmetric key types: a symmetric ("oct") key in the set is never used.
_KEY_TYPE_FOR_ALGORITHM_PREFIX = {"ES": "EC", "RS": "RSA", "PS": "RSA"}


class SigningKeyNotFound(Exception):
    """The key set (fresh, or refreshed within the cool-down) has no usable key for the token."""


class KeySetUnavailable(Exception):
    """No key set was ever fetched and the identity provider does not answer."""


def jwks_url() -> str:
    return settings.LOGTO_ENDPOINT + "/oidc/jwks"


def _cache_key(url: str, kind: str) -> str:
    return f"logto:jwks:{kind}:{hashlib.sha256(url.encode()).hexdigest()[:24]}"


# Parsed keys of the last set this process saw, by URL: {"fetched_at": float, "keys": {kid: jwk}}.
# Also the fallback if the shared cache loses the entry while the provider is down.
_local: dict[str, dict[str, Any]] = {}
_local_lock = threading.Lock()
# Cool-down tickets of this process, used only while the shared cache is unavailable.
_local_tickets: dict[str, float] = {}


def signing_key(kid: str, algorithm: str, *, seek_unknown_kid: bool = True) -> jwt.PyJWK:
    """The provider's public key `kid` for `algorithm`; refreshes the set as described above.
    Without `seek_unknown_kid` a key id the set lacks fetches nothing (a stale or missing set
    is still fetched, within its cool-down: the caller's valid token needs it)."""
    url = jwks_url()
    entry = _current_entry(url)
    refreshed = False
    if entry is None or time.time() - entry["fetched_at"] >= settings.LOGTO_JWKS_CACHE_TTL:
        entry, refreshed = _refresh(url, entry, ticket="stale")
    if entry is not None and kid not in entry["keys"] and not refreshed and seek_unknown_kid:
        entry, _ = _refresh(url, entry, ticket="unknown-kid")
    if entry is None:
        raise KeySetUnavailable
    jwk = entry["keys"].get(kid)
    if jwk is None:
        raise SigningKeyNotFound
    return _as_pyjwk(jwk, algorithm)


def _as_pyjwk(jwk: dict[str, Any], algorithm: str) -> jwt.PyJWK:
    expected_type = _KEY_TYPE_FOR_ALGORITHM_PREFIX.get(algorithm[:2])
    if expected_type is None or jwk.get("kty") != expected_type:
        raise SigningKeyNotFound
    if jwk.get("alg") not in (None, algorithm):
        raise SigningKeyNotFound
    try:
        return jwt.PyJWK(jwk, algorithm=algorithm)
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise SigningKeyNotFound from exc


def _current_entry(url: str) -> dict[str, Any] | None:
    entry = cache_call("the key set", cache.get, _cache_key(url, "set"))
    if entry is UNAVAILABLE:
        entry = None
    if entry is None:
        return _local.get(url)
    local = _local.get(url)
    if local is None or local["fetched_at"] < entry["fetched_at"]:
        with _local_lock:
            _local[url] = entry
    return entry


def _refresh(
    url: str, previous: dict[str, Any] | None, *, ticket: str
) -> tuple[dict[str, Any] | None, bool]:
    """Fetch the set unless a process used this ticket within the cool-down; keep `previous`
    on any failure. Returns the set to use and whether it was just fetched."""
    cooldown = max(1, int(settings.LOGTO_JWKS_REFRESH_COOLDOWN))
    if not _ticket_take(_cache_key(url, "ticket-" + ticket), cooldown):
        # Another request fetched (or tried) recently: use what the cache now holds.
        return _current_entry(url) or previous, False
    keys = _fetch(url)
    if keys is None:
        return previous, False
    entry = {"fetched_at": time.time(), "keys": keys}
    with _local_lock:
        _local[url] = entry
    # No expiry: this is also the last good set, used for as long as the provider is down.
    cache_call("the key set", cache.set, _cache_key(url, "set"), entry, timeout=None)
    return entry, True


def _ticket_take(key: str, cooldown: int) -> bool:
    """Whether this caller may fetch now: the first to ask within a cool-down, across processes
    through the shared cache, within this process when the cache is unavailable."""
    taken = cache_call("the key set", cache.add, key, 1, timeout=cooldown)
    if taken is not UNAVAILABLE:
        return bool(taken)
    now = time.monotonic()
    with _local_lock:
        if _local_tickets.get(key, 0.0) > now:
            return False
        _local_tickets[key] = now + cooldown
    return True


def _fetch(url: str) -> dict[str, dict[str, Any]] | None:
    try:
        response = requests.get(url, timeout=settings.LOGTO_HTTP_TIMEOUT, allow_redirects=False)
        response.raise_for_status()
        body = response.json()
        keys = {
            jwk["kid"]: jwk
            for jwk in body["keys"]
            if isinstance(jwk, dict) and isinstance(jwk.get("kid"), str)
        }
    except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
        logger.warning("JWKS fetch from %s failed: %s", url, type(exc).__name__)
        return None
    if not keys:
        # An empty set is a provider fault, not a rotation to nothing: keep the last good one.
        logger.warning("JWKS fetch from %s returned no usable key", url)
        return None
    logger.info("JWKS fetched from %s: %d keys", url, len(keys))
    return keys
