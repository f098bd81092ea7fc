"""Where the services are, and the environment the product's processes get in a benchmark.

The product runs with `config.settings.production`, as the image does: real PostgreSQL,
RabbitMQ and Redis URLs, throwaway secrets, and a developer's `.env` unable to switch on
anything a production deployment would not have.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository: manage.py, config/, bench/
PG_SERVER = "postgres@127.0.0.1:5432"  # user postgres, no password (trust)
PG_ADMIN_URL = f"postgresql://{PG_SERVER}/postgres"
BROKER_URL = "amqp://guest:guest@127.0.0.1:5672//"
REDIS_URL = "redis://127.0.0.1:6379/0"
# Production insists on an upstream; benchmarks that call none get this address.
UNUSED_UPSTREAM_URL = "http://127.0.0.1:3000"
# Blank is unset (config/env.py): a developer's .env cannot switch on tracing, Logto, docs...
BLANKED = ("DEBUG", "API_DOCS", "OTEL_EXPORTER_OTLP_ENDPOINT", "LOGTO_ENDPOINT")


def database_url(name: str) -> str:
    """The `DATABASE_URL` of database `name` on the bench's PostgreSQL server."""
    return f"postgres://{PG_SERVER}/{name}"


def production_env(
    *, database: str, upstream_url: str = UNUSED_UPSTREAM_URL, **extra: str
) -> dict[str, str]:
    """This process's environment with the product's production settings on top: the bench
    database `database`, the local broker and cache, fresh secrets; `extra` goes last."""
    env = dict(os.environ)
    env.update(dict.fromkeys(BLANKED, ""))
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            # Production refuses a weak global secret; devices sign with their own ones.
            "WHATSAPP_WEBHOOK_SECRET": secrets.token_urlsafe(24),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback
            "DATABASE_URL": database_url(database),
            "REDIS_URL": REDIS_URL,
            "RABBITMQ_URL": BROKER_URL,
            "WHATSAPP_API_URL": upstream_url,
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra)
    return env
