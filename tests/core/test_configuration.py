"""Bad configuration stops start-up with one line naming the variable."""

import re
import secrets
import subprocess
import sys

import pytest

from tests.conftest import ROOT, project_env, run_manage


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


PRODUCTION_SERVICES = {
    "DATABASE_URL": "postgres://app@db.internal:5432/platform",
    "RABBITMQ_URL": "amqp://app:pw@mq.internal:5672//",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "WHATSAPP_API_URL": "http://gowa.internal:3000",
}


def _production_env(**overrides):
    return project_env(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="platform.example",
        WHATSAPP_WEBHOOK_SECRET=secrets.token_urlsafe(24),
        **{**PRODUCTION_SERVICES, **overrides},
    )


def test_production_settings_pass_check_deploy():
    # `check` connects to nothing: the service URLs only have to be well-formed.
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("variable", sorted(PRODUCTION_SERVICES))
def test_production_refuses_to_fall_back_to_the_embedded_defaults(variable):
    result = run_manage("check", env=_production_env(**{variable: None}))
    assert result.returncode == 2
    assert result.stderr.startswith(f"configuration error: {variable} is missing: production")
    assert len(result.stderr.strip().splitlines()) == 1


def test_production_refuses_sqlite():
    result = run_manage("check", env=_production_env(DATABASE_URL="sqlite:////tmp/app.sqlite3"))
    assert result.returncode == 2
    assert result.stderr.startswith("configuration error: DATABASE_URL is not PostgreSQL")


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("NUM_PROXIES", "x", "'x' is not a whole number"),
        ("WHATSAPP_READ_TIMEOUT", "fast", "'fast' is not a number"),
        ("DEBUG", "maybe", "'maybe' is not one of true, false, 1, 0"),
        ("API_DOCS", "sometimes", "'sometimes' is not one of true, false, 1, 0"),
    ],
)
def test_malformed_values_stop_with_one_line_naming_them(variable, value, expected):
    result = run_manage("check", env=project_env(**{variable: value}))
    assert result.returncode == 2
    assert result.stderr.strip() == f"configuration error: {variable} is malformed: {expected}"


def test_check_services_names_an_unreachable_database():
    env = project_env(DATABASE_URL="postgres://app:hunter2@127.0.0.1:1/platform")
    result = run_manage("check_services", env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("CommandError: DATABASE_URL: OperationalError")
    assert "hunter2" not in result.stderr


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


def test_a_worker_stops_with_one_line_when_the_broker_does_not_answer():
    env = project_env(RABBITMQ_URL="amqp://guest:guest@127.0.0.1:1//", BROKER_START_WAIT="1")
    result = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    failure = [line for line in result.stderr.splitlines() if "start-up error" in line]
    assert failure == [
        "start-up error: RABBITMQ_URL: broker at amqp://guest:***@127.0.0.1:1// unreachable "
        "(OperationalError)"
    ]
    assert "Traceback" not in result.stderr
