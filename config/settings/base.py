"""Settings shared by every environment.

Values come from the environment (see `.env.example`); when the service variables are unset the
platform runs on embedded defaults: SQLite and Kombu's filesystem broker under `var/`, and a
local-memory cache. Only this package reads `env`; application code reads `django.conf.settings`.
"""

from __future__ import annotations

from config.env import (
    BASE_DIR,
    database_from_url,
    env,
    optional_database_url,
    optional_url,
    var_dir,
)

VAR_DIR = var_dir()

# GENERAL
# https://docs.djangoproject.com/en/5.2/ref/settings/#debug
DEBUG = env.bool("DEBUG", default=False)
# https://docs.djangoproject.com/en/5.2/ref/settings/#secret-key (production.py insists on one)
SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-local-development-only")
# https://docs.djangoproject.com/en/5.2/ref/settings/#allowed-hosts
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# DATABASES
# https://docs.djangoproject.com/en/5.2/ref/settings/#databases
# Unset: the embedded SQLite file under VAR_DIR. `sqlite:////abs/path.sqlite3` picks another file.
DATABASES = {"default": database_from_url(optional_database_url(), var_dir=VAR_DIR)}

# APPS
DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
THIRD_PARTY_APPS = [
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
]
# Order matters for readers: an app may import only the apps listed before it.
LOCAL_APPS = [
    "core",
    "accounts",
    "devices",
    "contacts",
    "messaging",
    "scheduling",
    "agents",
]
# The GOWA stand-in (PRODUCT.md §8): a server of its own, installed for its
# `run_whatsapp_sandbox` command; no app imports it.
SANDBOX_APPS = ["sandbox.apps.SandboxAppConfig"]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS + SANDBOX_APPS

# AUTHENTICATION
# https://docs.djangoproject.com/en/5.2/topics/auth/customizing/#substituting-a-custom-user-model
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# MIDDLEWARE
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# STATIC
# https://docs.djangoproject.com/en/5.2/howto/static-files/
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# TEMPLATES
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# CACHES
# https://docs.djangoproject.com/en/5.2/topics/cache/#redis
_redis_url = optional_url("REDIS_URL", schemes=("redis", "rediss", "unix"), need_host=False)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": _redis_url,
        # Short socket timeouts: a slow cache must not hang a request or /readyz.
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        "KEY_PREFIX": "wa",
    }
    if _redis_url
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "platform"}
}

# CELERY
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
RABBITMQ_URL = optional_url("RABBITMQ_URL", schemes=("amqp", "amqps", "pyamqp"))
if RABBITMQ_URL:
    CELERY_BROKER_URL = RABBITMQ_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
else:
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    # Producer and consumer share one folder: the embedded broker is for one machine.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TIMEZONE = "UTC"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
# Tasks report through the database, not a result backend.
CELERY_TASK_IGNORE_RESULT = True
# Late acks only where a task says it is idempotent (acks_late=True on the task); a lost worker
# then hands the message to another one instead of dropping it.
CELERY_TASK_ACKS_LATE = False
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Celery's default prefetch (4 per process): tasks are short, and a few in hand keep a process
# busy between round trips; messages of late-ack tasks a dead worker held go back to the queue.
CELERY_WORKER_PREFETCH_MULTIPLIER = 4
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_BROKER_CONNECTION_TIMEOUT = 4
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = 10
CELERY_WORKER_SEND_TASK_EVENTS = False
# Celery's Django fix-up closes the database connection around every task unless this is set,
# which costs a new PostgreSQL session per task (bench phase E: 186 → 392 events/s). Tasks
# follow Django's per-request policy instead (CONN_MAX_AGE, health checks): config/celery.py.
CELERY_DB_REUSE_MAX = 1_000_000
# Seconds a starting worker or beat waits for the broker before it stops (config/celery.py).
BROKER_START_WAIT = env.float("BROKER_START_WAIT", default=30)
# https://django-celery-beat.readthedocs.io/en/latest/#database-scheduler
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Beat entries: upserted by name by `manage.py setup_periodic_tasks`; staff edits survive.
PERIODIC_TASKS: dict[str, dict] = {
    "core: worker heartbeat": {"task": "core.tasks.heartbeat_record", "every_seconds": 60},
    # GOWA sends no connection-state events: poll GET /devices (CONTRACT §5, §9.5).
    "devices: reconcile states": {
        "task": "devices.tasks.devices_reconcile_task",
        "every_seconds": 30,
    },
    # Recording kicks a drain at once; the sweep catches events whose kick was lost.
    "devices: drain recorded events": {
        "task": "devices.tasks.upstream_events_drain_task",
        "every_seconds": 5,
    },
    # Receipts that overtook their message, applied once it is stored (messaging.services).
    # Sends a crash left queued or claimed: re-enqueued, or `unknown` past their lease.
    "messaging: sweep the outbox": {
        "task": "messaging.tasks.outbox_sweep_task",
        "every_seconds": 30,
    },
    "messaging: settle early receipts": {
        "task": "messaging.tasks.early_receipts_settle_task",
        "every_seconds": 60,
    },
}

# REST FRAMEWORK
# https://www.django-rest-framework.org/api-guide/settings/
REST_FRAMEWORK = {
    # Every API route accepts a dashboard user's Logto access token or a device's API key;
    # staff use the admin (session), never the API.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.LogtoJWTAuthentication",
        "devices.access.ApiKeyAuthentication",
    ],
    # Each view declares the role each method needs (`required_role`; devices/access.py).
    "DEFAULT_PERMISSION_CLASSES": ["devices.access.DeviceAccessPermission"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "core.api.CursorPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "UNAUTHENTICATED_USER": None,
    # Client addresses for throttling: 0 trusts no X-Forwarded-For (a client could forge it);
    # behind N trusted proxies set NUM_PROXIES=N.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    # Bodies are parsed by core's strict JSON parser (no NaN, no lone surrogates, bounded depth).
    "DEFAULT_PARSER_CLASSES": ["core.parsers.StrictJSONParser"],
    # OPTIONS answers 405: no metadata about a route before its access check.
    "DEFAULT_METADATA_CLASS": None,
    # THROTTLING (accounts/throttling.py), counted in the cache (Redis when REDIS_URL is set).
    # https://www.django-rest-framework.org/api-guide/throttling/
    "DEFAULT_THROTTLE_CLASSES": [
        "accounts.throttling.CallerRateThrottle",
        "accounts.throttling.ScopedCallerThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": "1200/min",
        "api_key": "1200/min",
        # Failed authentication per client address; over it, every credential is refused.
        "auth_failure": "30/min",
        # Linking a device by API key (POST /users/me/devices), per user.
        "device_link": "20/hour",
        # Creating devices (each opens a slot on the shared upstream), per user.
        "device_create": "30/hour",
        # Adding members and changing or removing them, per owner: an owner must not be able
        # to probe at speed which emails use the platform.
        "member_write": "60/hour",
    },
}
# https://drf-spectacular.readthedocs.io/en/latest/settings.html
SPECTACULAR_SETTINGS = {
    "TITLE": "WhatsApp management platform API",
    "DESCRIPTION": (
        "Devices, contacts, messages, schedules and agents. Authenticate with "
        "`Authorization: Bearer <JWT>` or `X-API-Key: <key>`. Errors share one shape: "
        '`{"code", "message", "errors"}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # The docs pages are served from this process (no CDN): they work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Reading the docs needs no credentials; they are switched off entirely in production
    # unless API_DOCS=true.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
}
API_DOCS = env.bool("API_DOCS", default=False)

# UPSTREAM WHATSAPP SERVER (GOWA contract: docs/upstream/CONTRACT.md)
# Include GOWA's base path, if any (APP_BASE_PATH); no trailing slash.
WHATSAPP_API_URL = (
    optional_url("WHATSAPP_API_URL", schemes=("http", "https")) or "http://127.0.0.1:3000"
).rstrip("/")
WHATSAPP_API_USER = env.str("WHATSAPP_API_USER", default="admin")
WHATSAPP_API_PASSWORD = env.str("WHATSAPP_API_PASSWORD", default="admin")
WHATSAPP_WEBHOOK_SECRET = env.str("WHATSAPP_WEBHOOK_SECRET", default="secret")
WHATSAPP_WEBHOOK_URL = env.str(
    "WHATSAPP_WEBHOOK_URL", default="http://127.0.0.1:8000/api/v1/webhooks/whatsapp"
)
# Seconds. Sends wait longer than GOWA's own 45 s request budget (CONTRACT §2.1, §10).
WHATSAPP_CONNECT_TIMEOUT = env.float("WHATSAPP_CONNECT_TIMEOUT", default=3.05)
WHATSAPP_READ_TIMEOUT = env.float("WHATSAPP_READ_TIMEOUT", default=15.0)
WHATSAPP_SEND_TIMEOUT = env.float("WHATSAPP_SEND_TIMEOUT", default=50.0)
# Devices one user may own (staff are exempt): each is a slot on the shared upstream.
DEVICES_PER_USER_MAX = env.int("DEVICES_PER_USER_MAX", default=10)

# SENDING (messaging/services/sending.py, pacing.py)
# GOWA does not pace sends and bursts get numbers banned (CONTRACT §8): by default a device
# sends 6 a minute after a burst of 3, each waiting send put off by up to 3 s more; a
# device's SendPolicy (admin) overrides these. 0 turns pacing off.
SEND_RATE_PER_MINUTE = env.float("SEND_RATE_PER_MINUTE", default=6.0)
SEND_BURST = env.int("SEND_BURST", default=3)
SEND_JITTER_SECONDS = env.float("SEND_JITTER_SECONDS", default=3.0)
# Attempts for connection errors, 5xx and 429 (backoff 5 s, 10 s, 20 s… capped at 5 min).
SEND_MAX_ATTEMPTS = env.int("SEND_MAX_ATTEMPTS", default=5)
SEND_RETRY_BASE_SECONDS = 5.0
SEND_RETRY_MAX_SECONDS = 300.0
# A message a worker claimed and never finished (it died) is swept after this long: longer
# than any send may take.
SEND_LEASE_SECONDS = WHATSAPP_SEND_TIMEOUT + WHATSAPP_CONNECT_TIMEOUT + 30
# `media_url` pointing at a private or loopback address (SSRF through the upstream): refused
# unless this is on; on by default only in DEBUG.
MEDIA_URL_ALLOW_PRIVATE = env.bool("MEDIA_URL_ALLOW_PRIVATE", default=DEBUG)

# IDENTITY PROVIDER (Logto, OIDC)
# https://docs.logto.io/authorization/validate-access-tokens
LOGTO_ENDPOINT = env.str("LOGTO_ENDPOINT", default="").rstrip("/")
LOGTO_APP_ID = env.str("LOGTO_APP_ID", default="")
LOGTO_APP_SECRET = env.str("LOGTO_APP_SECRET", default="")
LOGTO_API_RESOURCE = env.str("LOGTO_API_RESOURCE", default="")
LOGTO_JWKS_CACHE_TTL = env.int("LOGTO_JWKS_CACHE_TTL", default=3600)
# Access tokens (accounts/tokens.py): `iss` must be LOGTO_ENDPOINT + "/oidc", `aud` the API
# resource (else the app id). Only asymmetric algorithms are ever accepted; Logto signs with
# ES384 by default and can use RS256.
LOGTO_JWT_ALGORITHMS = ["ES384", "RS256"]
LOGTO_JWT_LEEWAY = 60  # seconds on exp/nbf; capped at 60
# A token naming an unknown key id refetches the JWKS at most once per this many seconds.
LOGTO_JWKS_REFRESH_COOLDOWN = 60
LOGTO_HTTP_TIMEOUT = 5

# ADMIN LOGIN THROUGH LOGTO (mozilla-django-oidc), when LOGTO_ENDPOINT, LOGTO_APP_ID and
# LOGTO_APP_SECRET are set; staff can always log in with a password.
# https://mozilla-django-oidc.readthedocs.io/en/stable/settings.html
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGTO_ADMIN_LOGIN = bool(LOGTO_ENDPOINT and LOGTO_APP_ID and LOGTO_APP_SECRET)
if LOGTO_ADMIN_LOGIN:
    AUTHENTICATION_BACKENDS.append("accounts.oidc.LogtoAdminOIDCBackend")
OIDC_RP_CLIENT_ID = LOGTO_APP_ID
OIDC_RP_CLIENT_SECRET = LOGTO_APP_SECRET
OIDC_RP_SIGN_ALGO = "ES384"  # picks the JWKS key path; accounts/oidc.py accepts ES* and RS*
OIDC_RP_SCOPES = "openid email profile"
OIDC_OP_AUTHORIZATION_ENDPOINT = LOGTO_ENDPOINT + "/oidc/auth"
OIDC_OP_TOKEN_ENDPOINT = LOGTO_ENDPOINT + "/oidc/token"
OIDC_OP_USER_ENDPOINT = LOGTO_ENDPOINT + "/oidc/me"
OIDC_OP_JWKS_ENDPOINT = LOGTO_ENDPOINT + "/oidc/jwks"
OIDC_TIMEOUT = LOGTO_HTTP_TIMEOUT
OIDC_USE_PKCE = True
LOGIN_REDIRECT_URL = "/admin/"
LOGIN_REDIRECT_URL_FAILURE = "/admin/login/"
LOGOUT_REDIRECT_URL = "/admin/login/"

# LLM (OpenAI-compatible)
OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")
OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="")

# OBSERVABILITY
OTEL_EXPORTER_OTLP_ENDPOINT = env.str("OTEL_EXPORTER_OTLP_ENDPOINT", default="")
OTEL_SERVICE_NAME = env.str("OTEL_SERVICE_NAME", default="whatsapp-platform")

# LOGGING
# https://docs.djangoproject.com/en/5.2/topics/logging/
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}
