"""ASGI entry point.

The settings module comes from DJANGO_SETTINGS_MODULE; the Dockerfile sets
config.settings.production. Unset, the `config` package (Celery app) defaults to local settings.
"""

from django.core.asgi import get_asgi_application

from config.env import exit_on_config_error

with exit_on_config_error():
    application = get_asgi_application()
