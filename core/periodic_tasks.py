"""Upsert beat entries by name, keeping what staff changed in the admin.

`settings.PERIODIC_TASKS` maps a name to `{"task", "every_seconds"}` or `{"task", "crontab"}`
(5 fields, see https://crontab.guru). A new entry is created as declared; an existing one keeps
its schedule, enabled flag and arguments as staff left them, and only gets its task path
corrected, so a deploy never undoes an edit made in the admin.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask


@dataclass(frozen=True)
class UpsertResult:
    created: list[str]
    kept: list[str]


def _schedule_fields(spec: dict) -> dict:
    if "every_seconds" in spec:
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=int(spec["every_seconds"]), period=IntervalSchedule.SECONDS
        )
        return {"interval": interval}
    minute, hour, day_of_month, month_of_year, day_of_week = spec["crontab"].split()
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=minute,
        hour=hour,
        day_of_month=day_of_month,
        month_of_year=month_of_year,
        day_of_week=day_of_week,
        timezone="UTC",
    )
    return {"crontab": crontab}


@transaction.atomic
def periodic_tasks_upsert(*, declared: dict[str, dict]) -> UpsertResult:
    created: list[str] = []
    kept: list[str] = []
    for name, spec in declared.items():
        existing = PeriodicTask.objects.select_for_update().filter(name=name).first()
        if existing is None:
            PeriodicTask.objects.create(name=name, task=spec["task"], **_schedule_fields(spec))
            created.append(name)
            continue
        if existing.task != spec["task"]:
            existing.task = spec["task"]
            existing.save(update_fields=["task"])
        kept.append(name)
    return UpsertResult(created=created, kept=kept)
