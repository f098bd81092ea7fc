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
