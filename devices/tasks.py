"""Celery interfaces of the devices app: thin, idempotent, IDs and plain data only."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from devices.errors import UpstreamOutcomeUnknownError, UpstreamUnavailableError

logger = logging.getLogger(__name__)


# Recording is idempotent, so a database that is briefly away (a failover, SQLite's lock) is
# simply tried again, a bounded number of times, rather than costing the events.
@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=1,
    retry_backoff_max=30,
    max_retries=8,
)
def upstream_events_ingest_task(*, source: str, envelopes: list[dict]) -> None:
    """Record a batch of upstream events (the listener's), each once: a redelivered batch
    finds its events recorded and adds nothing; an event recorded before is skipped alone."""
    from devices.services.events import upstream_events_record_many

    upstream_events_record_many(source=source, envelopes=envelopes)


@shared_task(
    acks_late=True,
    autoretry_for=(UpstreamUnavailableError, UpstreamOutcomeUnknownError),
    retry_backoff=2,
    retry_backoff_max=30,
    max_retries=3,
)
def device_state_refresh_task(*, slot_id: str | None = None) -> None:
    """Refresh one device (by upstream slot id) or, with no id, reconcile every device.

    Triggered by the listener's lifecycle frames; LOGIN_SUCCESS names no slot, so it refreshes
    all of them from one `GET /devices`.
    """
    from devices.models import Device
    from devices.services.lifecycle import device_status_refresh, devices_reconcile

    if slot_id is None:
        devices_reconcile()
        return
    device = Device.objects.filter(upstream_id=slot_id).first()
    if device is not None:
        device_status_refresh(device=device)


@shared_task(acks_late=True, expires=25)
def devices_reconcile_task() -> None:
    """Beat, every 30 s: align stored device states with the upstream's `GET /devices`.

    `expires` drops a tick that waited longer than its interval: the next one is as good.
    """
    from devices.services.lifecycle import devices_reconcile

    try:
        changed = devices_reconcile()
    except (UpstreamUnavailableError, UpstreamOutcomeUnknownError):
        logger.warning("device reconcile skipped: the upstream is unavailable")
        return
    if changed:
        logger.info("device reconcile: %d device(s) changed state", changed)
