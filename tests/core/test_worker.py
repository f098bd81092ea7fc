"""A real Celery worker process runs tasks that travelled through the real broker."""

import time
import uuid

import pytest

from core.models import WorkerHeartbeat
from core.tasks import heartbeat_record
from tests.conftest import (
    current_database_url,
    project_env,
    run_manage,
    start_worker,
    stop_process,
)


def _wait_for(source: str, timeout: float) -> WorkerHeartbeat | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        beat = WorkerHeartbeat.objects.filter(source=source).first()
        if beat:
            return beat
        time.sleep(0.1)
    return None


@pytest.mark.django_db(transaction=True)
def test_worker_runs_a_task_sent_over_the_configured_broker(settings, private_queue):
    """With RABBITMQ_URL set (CI) the message goes through RabbitMQ; else the file broker."""
    queue = private_queue
    worker = start_worker(
        env=project_env(
            DATABASE_URL=current_database_url(), DJANGO_SETTINGS_MODULE="config.settings.test"
        ),
        queue=queue,
    )
    try:
        source = f"test:{uuid.uuid4().hex}"
        heartbeat_record.apply_async(kwargs={"source": source}, queue=queue)
        beat = _wait_for(source, timeout=60)
    finally:
        output = stop_process(worker)
    assert beat is not None, f"worker never ran the task; its output:\n{output}"
    assert beat.worker.startswith(f"test-{queue}@")
    assert beat.count == 1


def test_worker_runs_a_task_on_the_embedded_defaults(tmp_path):
    """SQLite and the filesystem broker, as `make run` uses on a fresh machine."""
    env = project_env(
        VAR_DIR=str(tmp_path),
        DATABASE_URL=None,
        RABBITMQ_URL=None,
        REDIS_URL=None,
        DJANGO_SETTINGS_MODULE="config.settings.local",
    )
    migrated = run_manage("migrate", "--noinput", env=env)
    assert migrated.returncode == 0, migrated.stderr
    assert (tmp_path / "db.sqlite3").exists()
    queue = f"test-{uuid.uuid4().hex[:12]}"
    worker = start_worker(env=env, queue=queue)
    try:
        pinged = run_manage("ping_worker", "--timeout", "60", "--queue", queue, env=env)
    finally:
        output = stop_process(worker)
    assert pinged.returncode == 0, f"{pinged.stdout}{pinged.stderr}\nworker:\n{output}"
    assert "ran it in" in pinged.stdout
    # The message went through files under VAR_DIR, not anywhere else.
    assert (tmp_path / "broker" / "queue").is_dir()
