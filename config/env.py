"""Reading the environment: one place, clear errors.

Only `config/settings/*` imports this module. Every problem with a variable is raised as
`ConfigError`, whose message starts with the variable's name, so a process can stop with one
readable line (see `exit_on_config_error`) instead of a traceback.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

# Every variable the platform reads; `.env.example` lists the same set.
VARIABLES = (
    "DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS",
    "API_DOCS", "LOG_LEVEL", "VAR_DIR", "NUM_PROXIES",
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "DATABASE_URL", "DATABASE_CONN_MAX_AGE", "DATABASE_CONNECT_TIMEOUT",
    "REDIS_URL", "RABBITMQ_URL", "BROKER_START_WAIT", "POSTGRES_PASSWORD", "RABBITMQ_PASSWORD",
    "WHATSAPP_API_URL", "WHATSAPP_API_USER", "WHATSAPP_API_PASSWORD",
    "WHATSAPP_WEBHOOK_SECRET", "WHATSAPP_WEBHOOK_URL",
    "WHATSAPP_CONNECT_TIMEOUT", "WHATSAPP_READ_TIMEOUT", "WHATSAPP_SEND_TIMEOUT",
    "DEVICES_PER_USER_MAX",
    "SEND_RATE_PER_MINUTE", "SEND_BURST", "SEND_JITTER_SECONDS", "SEND_MAX_ATTEMPTS",
    "MEDIA_URL_ALLOW_PRIVATE",
    "LOGTO_ENDPOINT", "LOGTO_APP_ID", "LOGTO_APP_SECRET", "LOGTO_API_RESOURCE",
    "LOGTO_JWKS_CACHE_TTL",
    "OPENAI_API_KEY", "OPENAI_BASE_URL",
    "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME",
    "ADMIN_USERNAME", "ADMIN_PASSWORD", "ADMIN_EMAIL",
)  # fmt: skip

class ConfigError(ImproperlyConfigured):
    """A configuration variable is missing or malformed; the message names it."""


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


class StrictEnv(environ.Env):
    """django-environ, with every bad value named: `NUM_PROXIES=x` stops start-up with
    "NUM_PROXIES is malformed", not a ValueError traceback, and `DEBUG=maybe` is refused
    rather than read as false."""

    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        raw = os.environ.get(var)
        if cast is bool and raw is not None and raw.strip().lower() not in _TRUE | _FALSE:
            raise ConfigError(f"{var} is malformed: {raw!r} is not one of true, false, 1, 0")
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except ConfigError:
            raise
        except ImproperlyConfigured:
            raise ConfigError(f"{var} is missing") from None
        except (ValueError, TypeError):
            kind = {int: "a whole number", float: "a number"}.get(cast, "a valid value")
            raise ConfigError(f"{var} is malformed: {raw!r} is not {kind}") from None


env = StrictEnv()
# A .env file is read when present; variables already set in the process environment win.
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"), overwrite=False)
# A blank value means "unset": `.env.example` copied as it is gives the embedded defaults.
for _name in VARIABLES:
    if os.environ.get(_name, None) == "":
        del os.environ[_name]


def var_dir() -> Path:
    """Where embedded defaults keep their files (SQLite, the file broker)."""
    path = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
    path.mkdir(parents=True, exist_ok=True)
    return path


def optional_url(name: str, *, schemes: tuple[str, ...], need_host: bool = True) -> str | None:
    """Return the URL in `name`, or None when unset or empty; reject malformed values."""
    value = env.str(name, default="").strip()
    if not value:
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a non-numeric port
    except ValueError as exc:
        raise ConfigError(f"{name} is malformed: {exc}") from None
    if parts.scheme not in schemes:
        raise ConfigError(
            f"{name} is malformed: scheme {parts.scheme!r} is not one of {', '.join(schemes)}"
        )
    if need_host and not parts.hostname:
        raise ConfigError(f"{name} is malformed: it names no host")
    return value


def optional_database_url() -> str | None:
    url = optional_url(
        "DATABASE_URL", schemes=("postgres", "postgresql", "pgsql", "sqlite"), need_host=False
    )
    if url and not url.startswith("sqlite") and not urlsplit(url).hostname:
        raise ConfigError("DATABASE_URL is malformed: it names no host")
    return url


def database_from_url(url: str | None, *, var_dir: Path) -> dict:
    """Database settings: PostgreSQL (psycopg 3, persistent, health-checked) or SQLite."""
    if url is None:
        return sqlite_database(var_dir / "db.sqlite3")
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        if not parts.path or parts.path == "/":
            raise ConfigError("DATABASE_URL is malformed: it names no SQLite file")
        return sqlite_database(Path(parts.path))
    name = parts.path.lstrip("/")
    if not name:
        raise ConfigError("DATABASE_URL is malformed: it names no database")
    try:
        config = env.db_url_config(url)
    except Exception as exc:  # django-environ raises assorted errors for odd URLs
        raise ConfigError(f"DATABASE_URL is malformed: {exc}") from None
    config.update(
        {
            "ENGINE": "django.db.backends.postgresql",
            "CONN_MAX_AGE": env.int("DATABASE_CONN_MAX_AGE", default=60),
            "CONN_HEALTH_CHECKS": True,
        }
    )
    options = config.setdefault("OPTIONS", {})
    # A short connect timeout keeps /readyz and start-up honest when the server is away.
    options.setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5))
    return config


def sqlite_database(path: Path) -> dict:
    """The embedded default: one SQLite file, WAL so readers do not block the writer."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            # Several processes (web, worker, beat) share the file: wait for locks, write in
            # IMMEDIATE transactions so a reader never has to upgrade to a writer mid-way.
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
        # One test database per run: two runs at once must not share (and delete) one file.
        "TEST": {"NAME": str(path.with_name(f"test-{os.getpid()}-{path.name}"))},
    }


@contextlib.contextmanager
def exit_on_config_error() -> Iterator[None]:
    """Turn a `ConfigError` into one line on stderr and exit status 2."""
    try:
        yield
    except ConfigError as exc:
        sys.stderr.write(f"configuration error: {exc}\n")
        raise SystemExit(2) from None
