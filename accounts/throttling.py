"""Request rates, counted in the shared cache.

- `CallerRateThrottle`: every authenticated request, per dashboard user (rate `user`) or per
  API key (rate `api_key`).
- `ScopedCallerThrottle`: an extra budget for one view's writes (`throttle_scope = "<rate>"`).
- Failed authentication, per client address (rate `auth_failure`; see `client_address`):
  while an address is over it, what fails there is refused with 429 instead of 401, and a
  token's unknown key id fetches nothing from the identity provider. A valid token or key
  from that address still works: offices behind one NAT, a frontend's server and integrations
  share addresses, and one bad client must not lock the others out.

Rates are read from `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]` on each request (not when the
class is imported, as DRF's own throttles do), so a settings change applies at once.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from core.cache import UNAVAILABLE, cache_call


def _rate(scope: str) -> str | None:
    return api_settings.DEFAULT_THROTTLE_RATES.get(scope)


class CallerRateThrottle(SimpleRateThrottle):
    """Per user, or per API key; anonymous requests are left to authentication (401)."""

    cache_format = "throttle:%(scope)s:%(ident)s"

    def __init__(self) -> None:  # the rate depends on the caller: chosen in allow_request
        pass

    def scope_and_ident(self, request, view) -> tuple[str, str] | None:
        principal = request.user
        if principal is None or not principal.is_authenticated:
            return None
        scope = getattr(principal, "throttle_scope", "user")
        ident = getattr(principal, "throttle_ident", None) or str(principal.pk)
        return scope, ident

    def allow_request(self, request, view) -> bool:
        found = self.scope_and_ident(request, view)
        if found is None:
            return True
        allowed = cache_call("throttling", self._allow, found)
        return True if allowed is UNAVAILABLE else allowed  # no cache, no count: it goes on

    def _allow(self, found: tuple[str, str]) -> bool:
        self.scope, ident = found
        self.rate = _rate(self.scope)
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.key = self.cache_format % {"scope": self.scope, "ident": ident}
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return self.throttle_failure()
        return self.throttle_success()


class ScopedCallerThrottle(CallerRateThrottle):
    """The view's own budget (`throttle_scope`) for its writes, per caller, on top of the
    general one; reads (GET, HEAD, OPTIONS) do not spend it."""

    def scope_and_ident(self, request, view) -> tuple[str, str] | None:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        found = super().scope_and_ident(request, view)
        view_scope = getattr(view, "throttle_scope", None)
        if found is None or view_scope is None:
            return None
        return view_scope, "{}:{}".format(*found)


def _failure_window(request) -> tuple[str, int, int] | None:
    rate = _rate("auth_failure")
    if rate is None:
        return None
    limit, duration = CallerRateThrottle().parse_rate(rate)
    window = int(time.time() // duration)
    return f"throttle:auth_failure:{client_address(request)}:{window}", limit, duration


def client_address(request) -> str:
    """The address failures are counted against: REMOTE_ADDR, or behind NUM_PROXIES trusted
    proxies the one they saw (DRF's `get_ident`). Never a raw X-Forwarded-For, which the
    client writes itself: rotating it would escape the limit, naming another address would
    lock that one out. (DRF's `get_ident` uses the raw header when NUM_PROXIES is None.)"""
    if not api_settings.NUM_PROXIES:
        return request.META.get("REMOTE_ADDR") or ""
    return BaseThrottle().get_ident(request)


def auth_failures_wait(request) -> float | None:
    """Seconds until the client address may fail again, while it is over its budget of failed
    authentications in this window; None while it is within it (or the cache is away)."""
    found = _failure_window(request)
    if found is None:
        return None
    key, limit, duration = found
    failures = cache_call("throttling", cache.get, key)
    if failures is not UNAVAILABLE and (failures or 0) >= limit:
        return duration - (time.time() % duration)
    return None


def auth_failure_record(request) -> None:
    found = _failure_window(request)
    if found is None:
        return
    key, _, duration = found
    cache_call("throttling", _count_failure, key, duration)


def _count_failure(key: str, duration: int) -> None:
    cache.add(key, 0, timeout=duration + 1)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=duration + 1)
