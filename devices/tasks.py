"""Celery interfaces of the devices app: thin, idempotent, IDs and plain data only."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from devices.errors import UpstreamOutcomeUnknownError, UpstreamUnavailableError

logger = logging.getLogger(__name__)


# Recording and processing are idempotent, so a database that is briefly away (a failover,
# SQLite's lock) is simply tried again, a bounded number of times, rather than costing events.
INGEST_RETRY = {
    "acks_late": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 1,
    "retry_backoff_max": 30,
    "max_retries": 8,
}


@shared_task(**INGEST_RETRY)
def upstream_events_ingest_task(*, source: str, envelopes: list[dict]) -> None:
    """Record a batch of upstream events (the listener's), each once, and process the new ones
    here and now, with no second trip through the broker. A redelivered batch finds its events
    recorded and adds nothing; any left unprocessed by a crash are swept by the drain."""
    from devices.services.events import upstream_events_record_batch
    from devices.services.processing import upstream_events_drain

    new = upstream_events_record_batch(source=source, envelopes=envelopes)
    upstream_events_drain(ids=[event.pk for event in new])


@shared_task(**INGEST_RETRY, expires=30)
def upstream_events_drain_task() -> None:
    """Process recorded events until none is left: kicked after recording (coalesced), and
    swept by beat every few seconds. Batches of 500 are claimed with SKIP LOCKED, so several
    drains at once share the work and never process an event twice; `expires` drops a sweep
    that waited in the queue longer than the next one would."""
    from devices.services.processing import upstream_events_drain_all

    settled = upstream_events_drain_all()
    if settled:
        logger.info("drain: %d event(s) settled", settled)


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
