from django.db import models


class TimeStampedModel(models.Model):
    """`created_at` and `updated_at`, set by the database layer on insert and on save."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class WorkerHeartbeat(models.Model):
    """The last time a worker ran the heartbeat task for a source (beat, or an ops probe).

    Staff see in the admin whether the worker and beat are alive; `manage.py ping_worker` uses
    it to prove that a task travels through the broker and runs.
    """

    source = models.CharField(max_length=200, unique=True)
    worker = models.CharField(max_length=200, blank=True)
    beat_at = models.DateTimeField()
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-beat_at"]

    def __str__(self) -> str:
        return f"{self.source} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
