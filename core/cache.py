"""The shared cache where losing it must not fail a request.

Request budgets and the identity provider's key set live in the cache (Redis when `REDIS_URL` is
set). When Redis stops answering, requests go on: budgets are not counted (they fail open) and
key sets fall back to the process's own copy. The failure is logged, at most once a minute per
process and kind, and `/readyz` reports the cache as failed.

A Redis that hangs would make every call wait out its socket timeout (2 s), several times per
request. So after a failure this process leaves the cache alone for `SKIP_SECONDS`, then tries
it again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What the cache backends raise when their server is unreachable or too slow.
CACHE_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError)
SKIP_SECONDS = 10.0
_WARNING_INTERVAL = 60.0


class _Unavailable:
    def __repr__(self) -> str:
        return "UNAVAILABLE"


# What `cache_call` returns instead of a value while the cache is unavailable.
UNAVAILABLE: Any = _Unavailable()

_lock = threading.Lock()
_last_warning: dict[str, float] = {}
# By cache location, so that a test pointing the cache elsewhere starts afresh.
_skip_until: dict[str, float] = {}


def _location() -> str:
    return str(settings.CACHES["default"].get("LOCATION", ""))


def cache_call(kind: str, operation: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`operation(*args, **kwargs)` on the cache, or UNAVAILABLE when the cache fails or failed
    within the last SKIP_SECONDS. `kind` names the use in the log (throttling, the key set…)."""
    location = _location()
    now = time.monotonic()
    if _skip_until.get(location, 0.0) > now:
        return UNAVAILABLE
    try:
        return operation(*args, **kwargs)
    except CACHE_ERRORS as exc:
        with _lock:
            _skip_until[location] = time.monotonic() + SKIP_SECONDS
            warn = now - _last_warning.get(kind, -_WARNING_INTERVAL) >= _WARNING_INTERVAL
            if warn:
                _last_warning[kind] = now
        if warn:
            logger.warning(
                "cache unavailable for %s (%s): going on without it", kind, type(exc).__name__
            )
        return UNAVAILABLE
