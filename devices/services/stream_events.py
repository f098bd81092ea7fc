"""Every frame of the upstream's `/ws`, handled in one place (the listener is only a shell).

Lifecycle frames that change what the upstream would say about a device (`LOGIN_SUCCESS`,
`DEVICE_LOGGED_OUT`) refresh device state; message frames in the webhook envelope go to the
same idempotent ingest as webhooks. Work is handed to Celery tasks so the socket is never held
up by the database or the upstream's REST API.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import close_old_connections

from devices.services.events import upstream_event_record
from devices.whatsapp.types import EnvelopeEvent, LifecycleEvent

logger = logging.getLogger("devices.listener")


def whatsapp_event_handle(*, event: LifecycleEvent | EnvelopeEvent) -> None:
    if isinstance(event, EnvelopeEvent):
        _envelope_ingest(event)
        return
    handler = _LIFECYCLE_HANDLERS.get(event.code)
    if handler is None:
        logger.debug("lifecycle frame %s ignored", event.code)
        return
    handler(event)


def _envelope_ingest(event: EnvelopeEvent) -> None:
    from devices.tasks import upstream_event_ingest_task

    envelope = {
        "event": event.event,
        "device_id": event.device_id,
        "session_id": event.session_id,
        "payload": dict(event.payload),
    }
    if event.timestamp is not None:
        envelope["timestamp"] = event.timestamp.isoformat()
    try:
        upstream_event_ingest_task.delay(source="websocket", envelope=envelope)
    except Exception:
        # The broker is away, and GOWA never resends a socket frame: record the event here
        # rather than lose it.
        logger.warning("broker unavailable: recording a %s frame directly", event.event)
        close_old_connections()
        upstream_event_record(source="websocket", envelope=envelope)


def _device_state_refresh(event: LifecycleEvent) -> None:
    from devices.tasks import device_state_refresh_task

    # LOGIN_SUCCESS names no slot: the task then refreshes every device from one GET /devices.
    device_state_refresh_task.delay(slot_id=event.device_id or None)


_LIFECYCLE_HANDLERS: dict[str, Callable[[LifecycleEvent], None]] = {
    "LOGIN_SUCCESS": _device_state_refresh,
    "DEVICE_LOGGED_OUT": _device_state_refresh,
}
