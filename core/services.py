"""State changes owned by the core app."""

from __future__ import annotations

from django.db.models import F
from django.utils import timezone

from core.models import WorkerHeartbeat


def heartbeat_record(*, source: str, worker: str = "") -> WorkerHeartbeat:
    """Record that `worker` ran the heartbeat for `source` now (idempotent upsert)."""
    now = timezone.now()
    heartbeat, created = WorkerHeartbeat.objects.get_or_create(
        source=source, defaults={"worker": worker, "beat_at": now, "count": 1}
    )
    if not created:
        WorkerHeartbeat.objects.filter(pk=heartbeat.pk).update(
            worker=worker, beat_at=now, count=F("count") + 1
        )
        heartbeat.refresh_from_db()
    return heartbeat
