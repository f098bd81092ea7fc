import io

import pytest
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_setup_periodic_tasks_creates_missing_entries_and_keeps_staff_edits(settings):
    settings.PERIODIC_TASKS = {
        "test: heartbeat": {"task": "core.tasks.heartbeat_record", "every_seconds": 60},
        "test: nightly": {"task": "core.tasks.heartbeat_record", "crontab": "0 3 * * *"},
    }
    call_command("setup_periodic_tasks", stdout=io.StringIO())
    entry = PeriodicTask.objects.get(name="test: heartbeat")
    assert entry.interval.every == 60
    assert PeriodicTask.objects.get(name="test: nightly").crontab.hour == "3"

    # Staff slow it down and disable it in the admin; a deploy runs the command again.
    entry.enabled = False
    entry.interval, _ = IntervalSchedule.objects.get_or_create(every=300, period="seconds")
    entry.save()
    out = io.StringIO()
    call_command("setup_periodic_tasks", stdout=out)

    entry.refresh_from_db()
    assert entry.enabled is False
    assert entry.interval.every == 300
    assert PeriodicTask.objects.filter(name__startswith="test: ").count() == 2
    assert "kept:    test: heartbeat" in out.getvalue()


def test_ensure_local_admin_creates_one_admin_once(monkeypatch):
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    out = io.StringIO()
    call_command("ensure_local_admin", stdout=out)
    admin = User.objects.get(is_superuser=True)
    password = out.getvalue().split("password: ")[1].split()[0]
    assert admin.check_password(password)

    again = io.StringIO()
    call_command("ensure_local_admin", stdout=again)
    assert User.objects.filter(is_superuser=True).count() == 1
    assert "password" not in again.getvalue()


def test_admin_accepts_the_local_admin(client, monkeypatch):
    monkeypatch.setenv("ADMIN_USERNAME", "boss")
    monkeypatch.setenv("ADMIN_PASSWORD", "a-long-local-password")
    call_command("ensure_local_admin", stdout=io.StringIO())
    assert client.login(username="boss", password="a-long-local-password")
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "WhatsApp Platform" in response.content.decode()


@pytest.mark.parametrize(
    "url", ["/admin/accounts/user/", "/admin/accounts/user/add/", "/admin/core/workerheartbeat/"]
)
def test_admin_pages_load(admin_client, url):
    response = admin_client.get(url, {"q": "x"} if url.endswith("user/") else None)
    assert response.status_code == 200
