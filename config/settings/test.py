"""Tests: the same backends as configured (real PostgreSQL/RabbitMQ/Redis in CI), fast hashing."""

from config.settings.base import *  # noqa: F403

DEBUG = False
API_DOCS = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files come from the finders in tests; no collectstatic step.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]
# Child processes started by a test (worker, listener) share a queue of that test's own, so a
# worker elsewhere on the machine cannot take its messages.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
