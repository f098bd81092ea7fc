"""Bad configuration stops start-up with one line naming the variable."""

import re
import secrets

import pytest

from tests.conftest import project_env, run_manage


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://db.example/app"),
        ("DATABASE_URL", "postgres://user:pw@:notaport/app"),
        ("DATABASE_URL", "postgres://db.example"),
        ("RABBITMQ_URL", "http://rabbit.example"),
        ("REDIS_URL", "redis://cache.example:port/0"),
        ("WHATSAPP_API_URL", "ftp://gowa.example"),
    ],
)
def test_malformed_url_stops_with_one_line_naming_it(variable, value):
    result = run_manage("check", env=project_env(**{variable: value}))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"configuration error: {variable} is malformed")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("secret", [None, "", "short", "django-insecure-" + "x" * 60, "a" * 60])
def test_production_refuses_a_missing_or_weak_secret_key(secret):
    env = project_env(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secret,
        ALLOWED_HOSTS="platform.example",
    )
    result = run_manage("check", env=env)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("configuration error: SECRET_KEY")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("secret", [None, "secret", "short"])
def test_production_refuses_the_default_or_a_weak_webhook_secret(secret):
    env = project_env(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="platform.example",
        WHATSAPP_WEBHOOK_SECRET=secret,
    )
    result = run_manage("check", env=env)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("configuration error: WHATSAPP_WEBHOOK_SECRET")


def test_production_settings_pass_check_deploy():
    env = project_env(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="platform.example",
        WHATSAPP_WEBHOOK_SECRET=secrets.token_urlsafe(24),
    )
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_services_names_an_unreachable_broker():
    env = project_env(RABBITMQ_URL="amqp://guest:guest@127.0.0.1:1//")
    result = run_manage("check_services", env=env)
    assert result.returncode == 1
    assert "RABBITMQ_URL" in result.stderr
    assert "guest:guest" not in result.stderr  # the password is masked


def test_env_example_lists_exactly_the_variables_the_platform_reads():
    from config.env import BASE_DIR, VARIABLES

    listed = {
        line.split("=", 1)[0]
        for line in (BASE_DIR / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert listed == set(VARIABLES)
    # Every variable the settings read is declared (test.py's own knobs aside).
    read = set()
    for name in ("env.py", "settings/base.py", "settings/local.py", "settings/production.py"):
        source = (BASE_DIR / "config" / name).read_text()
        read |= set(re.findall(r'(?:env\.\w+|optional_url)\(\s*"([A-Z_0-9]+)"', source))
    assert read, "the pattern found no variables"
    assert read <= set(VARIABLES), read - set(VARIABLES)


def test_blank_values_mean_unset(tmp_path):
    env = project_env(
        DEBUG="", LOGTO_JWKS_CACHE_TTL="", DATABASE_URL="", RABBITMQ_URL="", REDIS_URL="",
        VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="config.settings.local",
    )
    result = run_manage(
        "shell", "-c",
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.LOGTO_JWKS_CACHE_TTL, s.DATABASES['default']['ENGINE'])",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-3:] == ["True", "3600", "django.db.backends.sqlite3"]
