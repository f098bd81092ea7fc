"""Per-device pacing of sends: a token bucket, atomic across every worker.

Bursts get numbers banned (CONTRACT.md §8), so each device has a bucket of `burst` sends
refilled at `per_minute`. `send_slot_take(device_id)` takes a token and answers 0, or, when
the bucket is empty, reserves the next free one (the bucket goes into debt) and answers how
many seconds until it is due: the send is then rescheduled for that long (plus jitter), never
slept on in a worker, and sent without taking another token. Fifty queued sends at 1/s thus
get fifty distinct slots, one a second, instead of all retrying at once. With Redis as the
cache the bucket is one Lua script (atomic on the server); otherwise (the embedded set-up) it
is the device's `SendPolicy` row, under a row lock.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from messaging.models import SendPolicy

__all__ = ["Pacing", "pacing_for", "send_slot_take"]

logger = logging.getLogger(__name__)

# KEYS[1] the bucket; ARGV: capacity, refill per second, now (s). Returns the wait in ms.
_TAKE_SCRIPT = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
tokens = tokens - 1
local wait = 0
if tokens < 0 then
  wait = math.ceil(-tokens / rate * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 60)
return wait
"""


@dataclass(frozen=True)
class Pacing:
    per_minute: float
    burst: int
    jitter_seconds: float

    @property
    def is_off(self) -> bool:
        return self.per_minute <= 0


def pacing_for(device_id) -> Pacing:
    """The device's pacing: its `SendPolicy`'s fields, the settings' defaults for the rest."""
    policy = SendPolicy.objects.filter(device_id=device_id).first()

    def pick(field: str, default):
        value = getattr(policy, field, None) if policy else None
        return default if value is None else value

    return Pacing(
        per_minute=float(pick("per_minute", settings.SEND_RATE_PER_MINUTE)),
        burst=max(1, int(pick("burst", settings.SEND_BURST))),
        jitter_seconds=max(0.0, float(pick("jitter_seconds", settings.SEND_JITTER_SECONDS))),
    )


def send_slot_take(device_id) -> float:
    """Take a send token for the device: 0 when free now, else the seconds until the reserved
    one is due (jittered)."""
    pacing = pacing_for(device_id)
    if pacing.is_off:
        return 0.0
    rate = pacing.per_minute / 60.0
    client = _redis_client()
    if client is not None:
        key = cache.make_key("messaging:pace:%s" % device_id)
        waited_ms = client.eval(_TAKE_SCRIPT, 1, key, pacing.burst, rate, time.time())
        wait = int(waited_ms) / 1000.0
    else:
        wait = _take_from_row(device_id, pacing.burst, rate)
    if wait <= 0:
        return 0.0
    return wait + random.uniform(0, pacing.jitter_seconds)  # noqa: S311 (spacing, not secrets)


def _redis_client():
    """The Redis client behind Django's cache, or None when the cache is not Redis."""
    backend = getattr(cache, "_cache", None)
    get_client = getattr(backend, "get_client", None)
    if get_client is None:
        return None
    return get_client(write=True)


@transaction.atomic
def _take_from_row(device_id, capacity: int, rate: float) -> float:
    policy, _ = SendPolicy.objects.select_for_update().get_or_create(
        device_id=device_id, defaults={"tokens": capacity}
    )
    now = timezone.now()
    elapsed = (now - policy.refilled_at).total_seconds() if policy.refilled_at else 0.0
    tokens = min(float(capacity), policy.tokens + max(0.0, elapsed) * rate)
    tokens -= 1
    wait = -tokens / rate if tokens < 0 else 0.0
    policy.tokens, policy.refilled_at = tokens, now
    policy.save(update_fields=["tokens", "refilled_at"])
    return wait
