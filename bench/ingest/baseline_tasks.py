"""Phase E's task: one Celery task per event, the baseline of PRODUCT §11 (and the listener's
path before it batched message frames).

The bench's own, not the product's: the worker of phase E loads this module with `--include
bench.ingest.baseline_tasks`. It calls the production service the listener's batch task
(`devices.tasks.upstream_events_ingest_task`) calls, `upstream_events_record_many`, with one
envelope, and takes that task's delivery options (late acks, retries on a database error), so
that E differs from phase F only in how many events a task carries.
"""

from __future__ import annotations

from celery import shared_task

from devices.tasks import upstream_events_ingest_task as _batch_task

_OPTIONS = ("acks_late", "autoretry_for", "retry_backoff", "retry_backoff_max", "max_retries")


@shared_task(**{name: getattr(_batch_task, name) for name in _OPTIONS})
def upstream_event_ingest_one_task(*, source: str, envelope: dict) -> None:
    """Record one upstream event once (a redelivery finds it recorded and adds nothing)."""
    from devices.services.events import upstream_events_record_many

    upstream_events_record_many(source=source, envelopes=[envelope])
