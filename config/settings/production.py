"""Production: a real secret, HTTPS, no debug. Passes `manage.py check --deploy`."""

from config.env import ConfigError, env
from config.settings.base import *  # noqa: F403

DEBUG = False

_secret = env.str("SECRET_KEY", default="")
# Django's generated keys are 50 characters; anything shorter or left at a placeholder is a bug.
if len(_secret) < 50 or _secret.startswith("django-insecure") or len(set(_secret)) < 5:
    raise ConfigError(
        "SECRET_KEY is missing or weak: set at least 50 random characters "
        "(python -c 'import secrets; print(secrets.token_urlsafe(50))')"
    )
SECRET_KEY = _secret
# GOWA's default global webhook secret is "secret": anyone could sign events with it.
_webhook_secret = env.str("WHATSAPP_WEBHOOK_SECRET", default="")
if len(_webhook_secret) < 16 or _webhook_secret == "secret":  # noqa: S105 - the default we refuse
    raise ConfigError(
        "WHATSAPP_WEBHOOK_SECRET is missing or weak: set 16+ random characters, the same as "
        "the upstream's global webhook secret"
    )
if not env.list("ALLOWED_HOSTS", default=[]):
    raise ConfigError("ALLOWED_HOSTS is missing: list the host names the web process serves")
# The embedded defaults (SQLite, the file broker, a per-process cache, the sandbox upstream)
# are for one developer's machine: in production a missing variable is a mistake, not a choice.
for _name, _what in (
    ("DATABASE_URL", "the PostgreSQL database"),
    ("RABBITMQ_URL", "the RabbitMQ broker"),
    ("REDIS_URL", "the Redis cache"),
    ("WHATSAPP_API_URL", "the upstream WhatsApp server"),
):
    if not env.str(_name, default=""):
        raise ConfigError(f"{_name} is missing: production needs {_what}")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ConfigError("DATABASE_URL is not PostgreSQL: production runs on PostgreSQL")

# SECURITY
# https://docs.djangoproject.com/en/5.2/ref/settings/#secure-proxy-ssl-header
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Health probes and the upstream's webhooks arrive over the private network in plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^api/v1/webhooks/"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
