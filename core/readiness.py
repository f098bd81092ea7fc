"""Is each backing service answering? Used by /readyz and `manage.py check_services`.

Every check has a short timeout and returns None when healthy, else a one-line reason that names
the variable configuring the service (secrets in URLs are masked).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.cache import cache
from django.db import connection

CHECK_TIMEOUT_SECONDS = 2.0


def mask_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready"
        connection.close_if_unusable_or_obsolete()
        where = "DATABASE_URL" if connection.vendor == "postgresql" else "SQLite database"
        return f"{where}: {type(exc).__name__}: {exc}".strip()
    return None


def check_broker() -> str | None:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        if not folder.is_dir():
            return f"file broker: folder {folder} is missing"
        return None
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=CHECK_TIMEOUT_SECONDS) as conn:
            conn.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_SECONDS)
    except Exception as exc:
        return f"RABBITMQ_URL: broker at {mask_url(url)} unreachable ({type(exc).__name__})"
    return None


def check_cache() -> str | None:
    key = f"readyz:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", timeout=5)
        ok = cache.get(key) == "1"
        cache.delete(key)
    except Exception as exc:
        return f"REDIS_URL: cache unreachable ({type(exc).__name__})"
    return None if ok else "REDIS_URL: cache did not return what was written"


CHECKS: dict[str, Callable[[], str | None]] = {
    "database": check_database,
    "broker": check_broker,
    "cache": check_cache,
}


def run_checks() -> dict[str, str | None]:
    """Run every check; map its name to None (healthy) or the reason it failed.

    The broker is checked in a thread of its own while the database and the cache are checked
    here (Django's connections belong to the thread that opened them): when everything hangs,
    the answer comes after the slowest check, not after the sum of all three.
    """
    results: dict[str, str | None] = {}
    broker = threading.Thread(
        target=lambda: results.__setitem__("broker", check_broker()), daemon=True
    )
    broker.start()
    for name, check in CHECKS.items():
        if check is not check_broker:
            results[name] = check()
    broker.join()
    return {name: results[name] for name in CHECKS}
