"""The drain: recorded upstream events handed to their processors, in batches, each once.

A batch is claimed with `SELECT … FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite serialises
writers instead), so two workers never process one event. Each event is parsed with its
family's parser; the batch is grouped by type and each processor is called once per group,
inside the transaction that marks the events processed: a crash before the commit leaves them
recorded and unclaimed, for the next drain. An event that cannot be parsed, or that its
processor refuses, is marked failed with the reason; the rest of the batch still lands. An
event of a type no app processes, or of a device the platform does not know, is marked
ignored with the reason: recorded and visible, and `replay_events` can take it up later.

Recording kicks a drain (`upstream_events_drain_kick`), coalesced: at most one broker publish
per `DRAIN_KICK_WINDOW`, however many events arrive. Beat also sweeps every few seconds, so an
event whose kick was lost (a crash, a broker away) is processed later all the same.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from core.cache import cache_call
from devices.models import UpstreamEvent
from devices.processing import EventProcessor, ProcessingItem, event_processor_for
from devices.whatsapp.events import EventPayloadError, parse_event

logger = logging.getLogger(__name__)

DRAIN_BATCH_SIZE = 500  # events per transaction: large enough to amortise, small enough to lock
DRAIN_KICK_KEY = "devices:drain-kick"
DRAIN_KICK_WINDOW = 2  # seconds during which further recordings publish no new drain task
_ERROR_MAX = 1000

Status = UpstreamEvent.Status


def upstream_events_drain(
    *, ids: Iterable[int] | None = None, batch_size: int = DRAIN_BATCH_SIZE
) -> int:
    """Process recorded events (only `ids`, when given) until none is left unclaimed; return
    how many this call settled (processed, failed or ignored)."""
    wanted = None if ids is None else sorted(set(ids))
    settled = 0
    while True:
        count = _drain_batch(ids=wanted, batch_size=batch_size)
        settled += count
        if count < batch_size:
            return settled


def upstream_events_drain_all() -> int:
    """The drain task's body: drain, give the kick back, and look once more, so that an
    event recorded while the kick was held (and so published nothing) is not left waiting."""
    settled = upstream_events_drain()
    cache_call("the drain kick", cache.delete, DRAIN_KICK_KEY)
    return settled + upstream_events_drain()


def upstream_events_drain_kick() -> None:
    """Ask a worker to drain, once the recording transaction commits; coalesced across every
    process sharing the cache. A failed publish loses nothing: beat's sweep drains too."""
    taken = cache_call("the drain kick", cache.add, DRAIN_KICK_KEY, 1, timeout=DRAIN_KICK_WINDOW)
    if taken is False:
        return
    transaction.on_commit(_publish_drain)


def _publish_drain() -> None:
    from devices.tasks import upstream_events_drain_task

    try:
        upstream_events_drain_task.apply_async(retry=False)
    except Exception:
        logger.warning("could not publish a drain: beat's sweep will process the events")
        cache_call("the drain kick", cache.delete, DRAIN_KICK_KEY)


@transaction.atomic
def _drain_batch(*, ids: Sequence[int] | None, batch_size: int) -> int:
    claimed = UpstreamEvent.objects.select_for_update(skip_locked=True).filter(
        status=Status.RECEIVED
    )
    if ids is not None:
        claimed = claimed.filter(pk__in=ids)
    rows = list(
        claimed.only("id", "device_id", "event", "payload", "received_at").order_by("id")[
            :batch_size
        ]
    )
    if not rows:
        return 0
    outcomes: dict[int, tuple[str, str]] = {}
    groups: dict[str, list[ProcessingItem]] = defaultdict(list)
    for row in rows:
        processor = event_processor_for(row.event)
        if row.device_id is None:
            outcomes[row.pk] = (Status.IGNORED, "the event names no device the platform knows")
            continue
        if processor is None:
            outcomes[row.pk] = (Status.IGNORED, "no processor for " + row.event + " events")
            continue
        try:
            value = parse_event(row.event, row.payload)
        except EventPayloadError as exc:
            outcomes[row.pk] = (Status.FAILED, str(exc)[:_ERROR_MAX])
            continue
        groups[row.event].append(
            ProcessingItem(
                event_id=row.pk, device_id=row.device_id, event=row.event, value=value,
                received_at=row.received_at,
            )
        )  # fmt: skip
    for event, items in groups.items():
        processor = event_processor_for(event)
        assert processor is not None  # noqa: S101  (found above for every item of the group)
        failures = _process(processor, items)
        for item in items:
            reason = failures.get(item.event_id)
            outcomes[item.event_id] = (
                (Status.FAILED, reason[:_ERROR_MAX]) if reason else (Status.PROCESSED, "")
            )
    _settle(outcomes)
    return len(rows)


def _process(processor: EventProcessor, items: Sequence[ProcessingItem]) -> dict[int, str]:
    """The processor's failures for `items`. A processor that raises is retried one event at a
    time, each in a savepoint of its own, so only the events it cannot take fail."""
    try:
        with transaction.atomic():
            return dict(processor(items))
    except Exception as exc:
        if len(items) == 1:
            logger.warning(
                "event %s (%s) failed in its processor: %s",
                items[0].event_id, items[0].event, type(exc).__name__,
            )  # fmt: skip
            return {items[0].event_id: type(exc).__name__ + ": " + str(exc)}
    failures: dict[int, str] = {}
    for item in items:
        failures.update(_process(processor, [item]))
    return failures


def _settle(outcomes: dict[int, tuple[str, str]]) -> None:
    """One UPDATE per distinct outcome (most batches: one, all processed)."""
    by_outcome: dict[tuple[str, str], list[int]] = defaultdict(list)
    for pk, outcome in outcomes.items():
        by_outcome[outcome].append(pk)
    now = timezone.now()
    for (status, error), pks in by_outcome.items():
        UpstreamEvent.objects.filter(pk__in=pks).update(
            status=status, error=error, processed_at=now
        )


def upstream_events_reprocess(*, events: Iterable[UpstreamEvent]) -> int:
    """Put events back to be processed (admin's action, `replay_events`) and drain them now;
    processors are idempotent, so a second replay changes nothing more. Mismatched events stay
    as they are: their envelope does not belong to the device that signed it."""
    pks = [event.pk for event in events]
    UpstreamEvent.objects.filter(pk__in=pks).exclude(status=Status.MISMATCH).update(
        status=Status.RECEIVED, error="", processed_at=None
    )
    return upstream_events_drain(ids=pks)
