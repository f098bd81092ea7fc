"""The Celery application: settings from Django (CELERY_*), tasks discovered per app."""

import os
import sys
import time

from celery import Celery, signals
from django.conf import settings

from config.env import exit_on_config_error

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

# Load the settings now so that a worker or beat with a bad variable stops with one line
# naming it, instead of a traceback from deep inside Celery's start-up.
with exit_on_config_error():
    settings.INSTALLED_APPS  # noqa: B018

app = Celery("platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
@signals.task_postrun.connect
def _close_old_connections(sender=None, **kwargs) -> None:
    """Around each task, what Django does around each request: drop a connection that broke or
    outlived DATABASE_CONN_MAX_AGE, and health-check the rest on next use. (Not for eager runs,
    which share their caller's connection and transaction.)"""
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


# A starting worker or beat waits BROKER_START_WAIT seconds for the broker (one still booting
# next to it), then stops with one line naming RABBITMQ_URL, instead of Celery's own minutes of
# retries ending in a traceback.
@signals.worker_init.connect
@signals.beat_init.connect
def _stop_unless_the_broker_answers(**kwargs) -> None:
    from core.readiness import check_broker

    deadline = time.monotonic() + settings.BROKER_START_WAIT
    while (failure := check_broker()) is not None:
        if time.monotonic() >= deadline:
            sys.stderr.write(f"start-up error: {failure}\n")
            sys.stderr.flush()
            raise SystemExit(2)
        time.sleep(1)
