"""The shared cache where losing it must not fail a request.

Request budgets and the identity provider's key set live in the cache (Redis when `REDIS_URL` is
set). When Redis stops answering, requests go on: budgets are not counted (they fail open) and
key sets fall back to the process's own copy. The failure is logged, at most once a minute per
process and kind, and `/readyz` reports the cache as failed. Each call still waits at most the
cache's socket timeout.
"""

from __future__ import annotations

import logging
import threading
import time

from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What the cache backends raise when their server is unreachable or too slow.
CACHE_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError)

_WARNING_INTERVAL = 60.0
_last_warning: dict[str, float] = {}
_lock = threading.Lock()


def cache_unavailable(kind: str, exc: BaseException) -> None:
    """Log that the cache failed for `kind` (throttling, key set…), without flooding the log."""
    now = time.monotonic()
    with _lock:
        if now - _last_warning.get(kind, -_WARNING_INTERVAL) < _WARNING_INTERVAL:
            return
        _last_warning[kind] = now
    logger.warning("cache unavailable for %s (%s): going on without it", kind, type(exc).__name__)
