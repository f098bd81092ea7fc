"""The upstream's WebSocket ``/ws`` as an endless iterator of parsed events (CONTRACT.md §5).

``WhatsAppEventStream.events()`` connects, yields each frame as a
:class:`~devices.whatsapp.types.LifecycleEvent` (GOWA's ``{code, message, result}``) or
:class:`~devices.whatsapp.types.EnvelopeEvent` (the webhook envelope some servers push on the
socket), and reconnects forever with full-jitter exponential backoff until :meth:`stop` is
called. Junk frames are logged by length and skipped. GOWA broadcasts every event to every
socket: filter by ``device_id`` downstream. A caller that holds frames back (the listener
batches message frames) passes ``idle_after`` and also gets a
:class:`~devices.whatsapp.types.StreamIdle` when its wait is up with no frame, and when the
socket closes.

Threading: ``events()`` runs in one thread (the listener's main thread); ``stop()`` may be
called from any other thread or from a signal handler (it takes no lock, so a handler cannot
deadlock the thread it interrupted) and makes ``events()`` return within about a second, within
``connect_timeout`` while a TCP connect is in flight (websocket-client only hands out the socket
once it is connected, so that wait cannot be cut short; hence a default of 3 s, well inside a
5 s shutdown budget), or once a ``device_id`` callable returns. No background threads are
started. A stopped stream stays stopped: build a new one to listen again.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import random
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import websocket

from devices.whatsapp.types import EnvelopeEvent, LifecycleEvent, StreamIdle, parse_ws_frame

__all__ = ["WhatsAppEventStream", "ws_url_for"]

logger = logging.getLogger(__name__)

# recv() wakes at least this often to send pings and notice stop() even if a shutdown is missed.
_POLL_SECONDS = 0.5
# The shortest read timeout a caller's `idle_after` can ask for (0 would mean non-blocking).
_MIN_WAIT = 0.001
_DELAY_HISTORY = 100
# Upgrade refusals that only mean "no device to attach to yet" (CONTRACT §2.2, §5).
_WAITING_CODES = ("DEVICE_ID_REQUIRED", "DEVICE_NOT_FOUND")

Event = LifecycleEvent | EnvelopeEvent


def ws_url_for(api_url: str) -> str:
    """``http://gowa:3000/base`` -> ``ws://gowa:3000/base/ws`` (https -> wss)."""
    parts = urlsplit(api_url.rstrip("/"))
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme)
    if scheme is None:
        raise ValueError("WHATSAPP_API_URL must be an http(s) URL")
    path = parts.path if parts.path.endswith("/ws") else parts.path + "/ws"
    return urlunsplit((scheme, parts.netloc, path, parts.query, ""))


class WhatsAppEventStream:
    """Reconnecting reader of the upstream socket.

    ``device_id`` is any slot id the upstream can resolve (its ``/ws`` route sits behind the
    device middleware); it may be a callable, evaluated before every connect, so a listener can
    pick whichever slot exists at that moment. A callable that raises counts as a failed
    connect; one that blocks delays ``stop()`` as long, so it should carry its own timeout.
    Counters ``connects``, ``disconnects``, ``refusals`` and ``last_delays`` (recent backoff
    delays, bounded) are for tests and ops.
    """

    def __init__(
        self,
        ws_url: str,
        user: str,
        password: str,
        *,
        device_id: str | Callable[[], str | None] | None = None,
        ping_interval: float = 20,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        stable_after: float = 30.0,
        connect_timeout: float = 3,
        rng: random.Random | None = None,
    ) -> None:
        self.ws_url = ws_url
        self.device_id = device_id
        self.ping_interval = ping_interval
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.stable_after = stable_after
        self.connect_timeout = connect_timeout
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        self._auth_header = "Authorization: Basic " + token
        self._rng = rng or random.Random()  # noqa: S311 (jitter, not crypto)
        self._stopping = threading.Event()
        self._ws: websocket.WebSocket | None = None
        self.attempt = 0
        self.connects = 0
        self.disconnects = 0
        self.refusals = 0
        self.junk_frames = 0
        self._waiting_for_device = False
        self.last_delays: deque[float] = deque(maxlen=_DELAY_HISTORY)

    @classmethod
    def from_settings(cls, **overrides: Any) -> WhatsAppEventStream:
        """Build from ``django.conf.settings`` (read here, never at import time)."""
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured

        api_url = getattr(settings, "WHATSAPP_API_URL", "")
        if not api_url:
            raise ImproperlyConfigured("WHATSAPP_API_URL is not set")
        return cls(
            ws_url_for(api_url),
            getattr(settings, "WHATSAPP_API_USER", ""),
            getattr(settings, "WHATSAPP_API_PASSWORD", ""),
            **overrides,
        )

    def __repr__(self) -> str:
        return f"WhatsAppEventStream({self.ws_url!r})"

    # --- control ----------------------------------------------------------------------------

    @property
    def stopped(self) -> bool:
        return self._stopping.is_set()

    def stop(self) -> None:
        """Ask ``events()`` to return; safe from any thread and from signal handlers."""
        self._stopping.set()
        ws = self._ws  # one attribute read: no lock, safe inside a signal handler
        if ws is not None:
            _abort(ws)

    def next_delay(self) -> float:
        """Full jitter: uniform(0, min(cap, base * 2**attempt)); advances the attempt counter."""
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** min(self.attempt, 62)))
        self.attempt += 1
        delay = self._rng.uniform(0, ceiling)
        self.last_delays.append(delay)
        return delay

    # --- the loop ---------------------------------------------------------------------------

    def events(
        self, *, idle_after: Callable[[], float | None] | None = None
    ) -> Iterator[Event | StreamIdle]:
        """Yield events forever, reconnecting as needed, until :meth:`stop` is called.

        With ``idle_after``, the caller gets control back even when no frame comes: it is asked
        before every read how long it may wait (seconds, or None for as long as the stream
        likes), and a :class:`StreamIdle` is yielded when that passed with no frame, and once
        (``closed=True``) each time the socket closes, before the reconnect wait.
        """
        while not self._stopping.is_set():
            ws = self._connect()
            if ws is not None:
                connected_at = time.monotonic()
                self.connects += 1
                logger.info("whatsapp socket connected (connect #%d)", self.connects)
                try:
                    yield from self._read(ws, idle_after)
                finally:
                    self._forget(ws)
                self.disconnects += 1
                if time.monotonic() - connected_at >= self.stable_after:
                    self.attempt = 0
                if self._stopping.is_set():
                    break
                logger.info("whatsapp socket closed; reconnecting")
                if idle_after is not None:
                    yield StreamIdle(closed=True)
            delay = self.next_delay()
            # While the upstream only says "no device yet", keep the log quiet.
            log = logger.debug if self._waiting_for_device else logger.info
            log("whatsapp socket: reconnecting in %.3fs (attempt %d)", delay, self.attempt)
            if self._stopping.wait(delay):
                break
        logger.info("whatsapp socket stream stopped")

    def _resolve_device_id(self) -> str | None:
        value = self.device_id() if callable(self.device_id) else self.device_id
        return value or None

    def _url(self) -> str:
        device_id = self._resolve_device_id()
        if device_id is None:
            return self.ws_url
        parts = urlsplit(self.ws_url)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "device_id"]
        query.append(("device_id", device_id))
        return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))

    def _connect(self) -> websocket.WebSocket | None:
        self._waiting_for_device = False
        try:
            # Before the stop check below: a stop() that comes while a callable picks the
            # device is seen there, and no connect starts after it.
            url = self._url()
        except Exception as exc:
            logger.warning("whatsapp socket: could not pick a device id: %s", type(exc).__name__)
            return None
        ws = websocket.WebSocket(enable_multithread=True)
        # Publish the socket before checking the flag: a stop() that comes earlier is seen
        # here, one that comes later finds the socket and aborts it.
        self._ws = ws
        if self._stopping.is_set():
            self._ws = None
            return None
        try:
            ws.connect(
                url,
                header=[self._auth_header],
                timeout=self.connect_timeout,
                suppress_origin=True,
            )
        except websocket.WebSocketBadStatusException as exc:
            self._forget(ws)
            self._log_refusal(exc)
            return None
        except Exception as exc:  # refused, DNS, timeout, TLS, closed by stop()...
            self._forget(ws)
            if not self._stopping.is_set():
                logger.warning("whatsapp socket connect failed: %s", type(exc).__name__)
            return None
        ws.settimeout(min(_POLL_SECONDS, self.ping_interval))
        return ws

    def _log_refusal(self, exc: websocket.WebSocketBadStatusException) -> None:
        self.refusals += 1
        body = exc.resp_body or b""
        if isinstance(body, str):
            body = body.encode("utf-8", "replace")
        if exc.status_code in (400, 404) and any(c.encode() in body for c in _WAITING_CODES):
            # The upstream has no device we can attach to yet: normal on a fresh install.
            logger.debug("whatsapp socket refused (HTTP %s): no device yet", exc.status_code)
            self._waiting_for_device = True
        elif exc.status_code == 401:
            logger.error("whatsapp socket refused: HTTP 401, check WHATSAPP_API_USER/PASSWORD")
        else:
            logger.warning("whatsapp socket upgrade refused: HTTP %s", exc.status_code)

    def _read(
        self, ws: websocket.WebSocket, idle_after: Callable[[], float | None] | None
    ) -> Iterator[Event | StreamIdle]:
        last_ping = last_heard = time.monotonic()
        poll = timeout = min(_POLL_SECONDS, self.ping_interval)
        while not self._stopping.is_set():
            now = time.monotonic()
            if now - last_heard > 2 * self.ping_interval + self.connect_timeout:
                logger.warning("whatsapp socket silent for %.0fs; reconnecting", now - last_heard)
                return
            wanted = idle_after() if idle_after is not None else None
            wait = poll if wanted is None else min(poll, max(wanted, _MIN_WAIT))
            if wait != timeout:
                ws.settimeout(wait)  # a frame cut short by a timeout is resumed by the next read
                timeout = wait
            try:
                if now - last_ping >= self.ping_interval:
                    ws.ping()
                    last_ping = now
                opcode, frame = ws.recv_data_frame(control_frame=True)
            except websocket.WebSocketTimeoutException:
                if wanted is not None:
                    yield StreamIdle()
                continue
            except (websocket.WebSocketException, OSError) as exc:
                if not self._stopping.is_set():
                    logger.info("whatsapp socket dropped: %s", type(exc).__name__)
                return
            last_heard = time.monotonic()
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                return
            if opcode not in (websocket.ABNF.OPCODE_TEXT, websocket.ABNF.OPCODE_BINARY):
                continue  # ping/pong: only proves the connection is alive
            data = frame.data
            try:
                event = parse_ws_frame(data)
            except ValueError:
                self.junk_frames += 1
                logger.warning("whatsapp socket: skipped unparseable frame (%d bytes)", len(data))
                continue
            yield event

    def _forget(self, ws: websocket.WebSocket) -> None:
        if self._ws is ws:
            self._ws = None
        _abort(ws)
        ws.shutdown()


def _abort(ws: websocket.WebSocket) -> None:
    """Wake a thread blocked in connect/recv on ``ws``: shut the socket down both ways."""
    sock = ws.sock
    if sock is None:
        return
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
