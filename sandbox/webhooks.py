"""Signed webhook delivery with GOWA's retry policy (CONTRACT §6.1-§6.2).

Each event goes out in its own task (so delivery is unordered, as in GOWA). One task tries the
target URLs one after another inside a shared budget: per attempt a timeout, on a network error
or a non-2xx answer a backoff of base·2ⁿ (1/2/4/8 s by default), at most N attempts per URL.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from .config import SandboxConfig, split_urls
from .gojson import encode_body
from .identifiers import rfc3339, utc_now
from .state import Device, History

logger = logging.getLogger(__name__)

__all__ = ["Target", "WebhookDispatcher", "encode_body", "signature", "target_for"]

# GOWA posts with Go's default client; some receivers log or filter on it.
USER_AGENT = "Go-http-client/1.1"


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Target:
    urls: list[str]
    secret: str
    insecure_skip_verify: bool = False


def target_for(device: Device | None, event: str, config: SandboxConfig) -> Target | None:
    """A device's own URL replaces the global ones; its secret and filter come with it."""
    own = device.webhook if device is not None else None
    if own is not None and own.url:
        if not own.accepts(event):
            return None
        return Target(
            split_urls(own.url), own.secret or config.webhook_secret, own.insecure_skip_verify
        )
    urls = config.webhook_urls()
    return Target(urls, config.webhook_secret) if urls else None


class WebhookDispatcher:
    def __init__(self, config: Callable[[], SandboxConfig], history: History) -> None:
        self._config = config
        self._history = history
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._ids = itertools.count(1)

    async def open(self) -> None:
        self._session = aiohttp.ClientSession(headers={"User-Agent": USER_AGENT})

    async def close(self) -> None:
        await self.cancel_pending()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def cancel_pending(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def dispatch(self, device: Device, envelope: dict[str, Any]) -> list[dict[str, Any]]:
        """Start delivering `envelope`; return the log entries, which fill in as it goes."""
        return self.send(device, envelope["event"], encode_body(envelope), envelope)

    def send(
        self,
        device: Device | None,
        event: str,
        body: bytes,
        described: Any,
        signature_header: str | None = None,
    ) -> list[dict[str, Any]]:
        """Deliver `body` as given, signed for the device's target (the global one without a
        device) unless `signature_header` replaces the signature; `described` (the envelope,
        when there is one) fills the log entries."""
        config = self._config()
        target = target_for(device, event, config)
        if target is None or self._session is None:
            return []
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": signature_header or signature(target.secret, body),
        }
        entries = [
            self._history.append(self._new_entry(url, event, described)) for url in target.urls
        ]
        task = asyncio.get_running_loop().create_task(
            self._deliver(target, body, headers, entries, config)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return entries

    def _new_entry(self, url: str, event: str, described: Any) -> dict[str, Any]:
        envelope = described if isinstance(described, dict) else {}
        payload = envelope.get("payload")
        return {
            "id": next(self._ids),
            "url": url,
            "event": event,
            "device_id": envelope.get("device_id"),
            "session_id": envelope.get("session_id"),
            "payload_id": payload.get("id") if isinstance(payload, dict) else None,
            "created_at": rfc3339(utc_now()),
            "status": "pending",
            "attempts": 0,
            "last_status": None,
            "last_error": None,
        }

    async def _deliver(
        self,
        target: Target,
        body: bytes,
        headers: dict[str, str],
        entries: list[dict[str, Any]],
        config: SandboxConfig,
    ) -> None:
        deadline = asyncio.get_running_loop().time() + config.webhook_budget
        job = _Job(target, body, headers, config, deadline)
        for url, entry in zip(target.urls, entries, strict=True):
            await self._deliver_to(url, entry, job)

    async def _deliver_to(self, url: str, entry: dict[str, Any], job: _Job) -> None:
        loop = asyncio.get_running_loop()
        attempts = job.config.webhook_attempts
        for attempt in range(attempts):
            remaining = job.deadline - loop.time()
            if remaining <= 0:
                break
            entry["attempts"] += 1
            if await self._attempt(url, entry, job, remaining):
                entry["status"] = "delivered"
                return
            backoff = job.config.webhook_backoff_base * 2**attempt
            if attempt + 1 >= attempts or backoff >= job.deadline - loop.time():
                break
            await asyncio.sleep(backoff)
        entry["status"] = "failed"
        logger.info(
            "webhook %s to %s gave up after %d attempt(s)", entry["event"], url, entry["attempts"]
        )

    async def _attempt(self, url: str, entry: dict[str, Any], job: _Job, remaining: float) -> bool:
        if self._session is None:  # closed while this delivery waited
            return False
        timeout = aiohttp.ClientTimeout(total=min(job.config.webhook_timeout, remaining))
        try:
            async with self._session.post(
                url,
                data=job.body,
                headers=job.headers,
                timeout=timeout,
                ssl=not job.target.insecure_skip_verify,
            ) as response:
                await response.read()
                entry["last_status"] = response.status
                entry["last_error"] = None
                return 200 <= response.status < 300
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            # ValueError: a malformed URL; GOWA logs it and retries like any other failure.
            entry["last_status"] = None
            entry["last_error"] = type(exc).__name__
            return False


@dataclass(frozen=True)
class _Job:
    """One event's delivery: the signed bytes and the budget shared by all its URLs."""

    target: Target
    body: bytes
    headers: dict[str, str]
    config: SandboxConfig
    deadline: float
