"""Every frame of the upstream's `/ws`, handled in one place (the listener is only a shell).

Lifecycle frames that change what the upstream would say about a device (`LOGIN_SUCCESS`,
`DEVICE_LOGGED_OUT`) refresh device state; message frames in the webhook envelope go to the
same idempotent ingest as webhooks, in batches (`EnvelopeBatcher`): one task per batch instead
of one per frame is what lets the listener keep up with a busy account (PRODUCT §11). Work is
handed to Celery tasks so the socket is never held up by the database or the upstream's REST
API.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.db import close_old_connections

from devices.services.events import upstream_events_record_many
from devices.whatsapp.types import EnvelopeEvent, LifecycleEvent, StreamIdle

logger = logging.getLogger("devices.listener")

DEFAULT_BATCH_SIZE = 200
DEFAULT_BATCH_WAIT = 0.05  # seconds
RETRY_SECONDS = 1.0  # after a batch could not be handed on
MAX_HELD = 10_000  # frames kept while nothing can take them


class EnvelopeBatcher:
    """Holds message frames back and hands them on as one ingest task per batch.

    A batch goes when it holds `size` frames, or `max_wait` seconds after its first frame:
    on the next `add`, or when the stream comes back idle (`whatsapp_event_handle` with a
    `StreamIdle`; `time_left` tells the stream how long it may block). `flush` hands on what is
    held at once: before a lifecycle frame, when the socket closes, and when the listener stops.
    Single-threaded, like the stream it serves.
    """

    def __init__(
        self, *, size: int = DEFAULT_BATCH_SIZE, max_wait: float = DEFAULT_BATCH_WAIT
    ) -> None:
        if size < 1 or max_wait < 0:
            raise ValueError("a batch needs size >= 1 and max_wait >= 0")
        self.size = size
        self.max_wait = max_wait
        self.batches = 0  # handed on so far (for the listener's exit line and tests)
        self._envelopes: list[dict[str, Any]] = []
        self._first_at = 0.0
        self._retry_at = 0.0  # after a failed hand-on, nothing is tried before this

    def _due_at(self) -> float:
        return max(self._first_at + self.max_wait, self._retry_at)

    def __len__(self) -> int:
        return len(self._envelopes)

    def add(self, event: EnvelopeEvent) -> None:
        if not self._envelopes:
            self._first_at = time.monotonic()
        self._envelopes.append(_envelope_of(event))
        full = len(self._envelopes) >= self.size and time.monotonic() >= self._retry_at
        if full or self.due():
            self.flush()

    def time_left(self) -> float | None:
        """Seconds until the held batch is due (0 when it is), None when nothing is held."""
        if not self._envelopes:
            return None
        return max(0.0, self._due_at() - time.monotonic())

    def due(self) -> bool:
        return bool(self._envelopes) and time.monotonic() >= self._due_at()

    def flush(self) -> int:
        """Hand on what is held, if anything; return how many frames went.

        If they cannot go (no broker, and no database to record them in either), they are kept
        and tried again RETRY_SECONDS later: GOWA never resends a socket frame. At most
        MAX_HELD are kept; beyond that the oldest are dropped, and counted in the log.
        """
        envelopes, self._envelopes = self._envelopes, []
        if not envelopes:
            return 0
        try:
            _envelopes_ingest(envelopes)
        except Exception:
            self._envelopes = envelopes + self._envelopes
            dropped = len(self._envelopes) - MAX_HELD
            if dropped > 0:
                del self._envelopes[:dropped]
                logger.error("%d held message frames dropped: nowhere to hand them on", dropped)
            # Tried again RETRY_SECONDS from now, not at once: no tight loop while all is down.
            self._retry_at = time.monotonic() + RETRY_SECONDS
            raise
        self.batches += 1
        return len(envelopes)


def whatsapp_event_handle(
    *, event: LifecycleEvent | EnvelopeEvent | StreamIdle, batcher: EnvelopeBatcher | None = None
) -> None:
    """Handle one item of the stream. With a `batcher`, message frames are collected in it
    (the listener); without, each is handed on alone."""
    if isinstance(event, StreamIdle):
        if batcher is not None and (event.closed or batcher.due()):
            batcher.flush()
        return
    if isinstance(event, EnvelopeEvent):
        if batcher is None:
            _envelopes_ingest([_envelope_of(event)])
        else:
            batcher.add(event)
        return
    handler = _LIFECYCLE_HANDLERS.get(event.code)
    if handler is None:
        logger.debug("lifecycle frame %s ignored", event.code)
        return
    if batcher is not None:
        try:
            batcher.flush()  # message frames that came first are handed on first
        except Exception:
            # They are kept for another try; the lifecycle frame must not be lost with them.
            logger.exception("could not hand on %d held message frames", len(batcher))
    handler(event)


def _envelope_of(event: EnvelopeEvent) -> dict[str, Any]:
    """The webhook envelope again, as the ingest records it."""
    envelope = {
        "event": event.event,
        "device_id": event.device_id,
        "session_id": event.session_id,
        "payload": dict(event.payload),
    }
    if event.timestamp is not None:
        envelope["timestamp"] = event.timestamp.isoformat()
    return envelope


def _envelopes_ingest(envelopes: list[dict[str, Any]]) -> None:
    from devices.tasks import upstream_events_ingest_task

    try:
        upstream_events_ingest_task.delay(source="websocket", envelopes=envelopes)
    except Exception:
        # The broker is away, and GOWA never resends a socket frame: record the events here
        # rather than lose them.
        logger.warning("broker unavailable: recording %d message frame(s) directly", len(envelopes))
        close_old_connections()
        upstream_events_record_many(source="websocket", envelopes=envelopes)


def _device_state_refresh(event: LifecycleEvent) -> None:
    from devices.tasks import device_state_refresh_task

    # LOGIN_SUCCESS names no slot: the task then refreshes every device from one GET /devices.
    device_state_refresh_task.delay(slot_id=event.device_id or None)


_LIFECYCLE_HANDLERS: dict[str, Callable[[LifecycleEvent], None]] = {
    "LOGIN_SUCCESS": _device_state_refresh,
    "DEVICE_LOGGED_OUT": _device_state_refresh,
}
