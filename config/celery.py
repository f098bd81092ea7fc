"""The Celery application: settings from Django (CELERY_*), tasks discovered per app."""

import os

from celery import Celery
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
