"""State changes owned by the core app, and the field update every app's services share."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Model
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


def model_update(*, instance: Model, data: dict[str, Any]) -> list[str]:
    """Set the fields of `data` that differ on `instance`, validate, and write only those (with
    `updated_at` where the model has it), so a concurrent write to another field stays.

    Returns the names of the fields written; nothing is written when nothing differs.
    """
    fields = [name for name, value in data.items() if getattr(instance, name) != value]
    if not fields:
        return []
    for name in fields:
        setattr(instance, name, data[name])
    instance.full_clean()
    stamped = any(field.name == "updated_at" for field in instance._meta.concrete_fields)
    instance.save(update_fields=[*fields, "updated_at"] if stamped else fields)
    return fields
