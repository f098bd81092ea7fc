"""Fixtures shared by every test: API clients and helpers for subprocesses of the project."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
SERVICE_VARIABLES = ("DATABASE_URL", "RABBITMQ_URL", "REDIS_URL")


@pytest.fixture(autouse=True)
def isolated_cache(settings):
    """Each test counts throttles and caches key sets under a key prefix of its own.

    The cache is Redis in CI and outlives a run, while user ids restart with every fresh test
    database: without this, a budget spent by user 5 of an earlier run (or of an earlier test,
    from the same client address) would refuse user 5 of this one."""
    caches = {alias: dict(config) for alias, config in settings.CACHES.items()}
    for config in caches.values():
        config["KEY_PREFIX"] = f"test:{uuid.uuid4().hex}"
    settings.CACHES = caches  # Django drops its cache connections on this change


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


def current_database_url() -> str:
    """A DATABASE_URL naming the database this test process uses (the test database)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def project_env(**overrides: str | None) -> dict[str, str]:
    """The environment for a child process of the project; a None value unsets a variable."""
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_manage(*args: str, env: dict[str, str], timeout: float = 120):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def private_queue_name() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def queue_delete(name: str) -> None:
    """Delete a test's private queue and the exchange of the same name that publishing with
    `queue=` declared, so runs leave nothing behind on RabbitMQ (the file broker keeps
    nothing between runs that matters)."""
    from django.conf import settings
    from kombu import Connection

    if not settings.CELERY_BROKER_URL.startswith(("amqp", "pyamqp")):
        return
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=5) as connection:
        # A failed delete closes its channel: each delete gets a channel of its own.
        for delete in ("queue_delete", "exchange_delete"):
            channel = connection.channel()
            with contextlib.suppress(Exception):  # already gone is fine
                getattr(channel, delete)(name)
            with contextlib.suppress(Exception):
                channel.close()


@pytest.fixture
def private_queue():
    """A queue of this test's own, deleted from the broker afterwards."""
    name = private_queue_name()
    yield name
    queue_delete(name)


def start_worker(*, env: dict[str, str], queue: str) -> subprocess.Popen:
    """A real Celery worker process consuming only `queue`."""
    return subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            "--pool", "solo", "--queues", queue, "--loglevel", "WARNING",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            "--hostname", f"test-{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop_process(process: subprocess.Popen, timeout: float = 10) -> str:
    """Stop a child process (SIGTERM, then SIGKILL) and return what it printed."""
    process.terminate()
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output or ""


class SandboxHandle:
    """A running sandbox upstream plus its control API (the phone side)."""

    def __init__(self, server) -> None:
        import requests

        self.server = server
        self.url = server.base_url
        self.http = requests.Session()

    def control(self, method: str, path: str, **kwargs):
        response = self.http.request(method, f"{self.url}/_sandbox{path}", timeout=10, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def scan(self, slot_id: str, phone: str = "6281234567890", push_name: str = "Ana") -> dict:
        return self.control("POST", f"/devices/{slot_id}/scan",
                            json={"phone": phone, "push_name": push_name})

    def upstream(self, method: str, path: str, **kwargs):
        """A call to the sandbox's GOWA API itself, as the platform would make it."""
        user, password = self.server.config.user, self.server.config.password
        return self.http.request(method, f"{self.url}{path}", auth=(user, password), timeout=10,
                                 **kwargs)

    def device_webhook(self, slot_id: str) -> dict:
        return self.upstream("GET", f"/devices/{slot_id}/webhook").json()["results"]

    def slot_ids(self) -> set[str]:
        return {d["id"] for d in self.upstream("GET", "/devices").json().get("results") or []}

    def fault(self, **spec) -> None:
        self.control("POST", "/faults", json=spec)


@pytest.fixture(scope="session")
def _sandbox_server():
    from sandbox import SandboxServer

    with SandboxServer(qr_duration=30, webhook_backoff_base=0.05, webhook_timeout=2.0) as server:
        yield server


@pytest.fixture
def sandbox(_sandbox_server, settings):
    """The sandbox upstream, reset, with the platform's settings pointing at it."""
    handle = SandboxHandle(_sandbox_server)
    handle.control("POST", "/reset")
    settings.WHATSAPP_API_URL = handle.url
    settings.WHATSAPP_API_USER = _sandbox_server.config.user
    settings.WHATSAPP_API_PASSWORD = _sandbox_server.config.password
    yield handle
    handle.control("DELETE", "/faults")
    handle.http.close()


def wait_for(predicate, timeout: float, what: str):
    """Poll `predicate` until it returns something truthy; fail naming `what` on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def processes(sandbox):
    """Starts listener and worker processes on the test database, a private queue and the
    sandbox; stops them after the test."""
    queue = private_queue_name()
    env = project_env(
        DATABASE_URL=current_database_url(),
        DJANGO_SETTINGS_MODULE="config.settings.test",
        CELERY_TASK_DEFAULT_QUEUE=queue,
        WHATSAPP_API_URL=sandbox.url,
        LOG_LEVEL="INFO",
    )
    started: list[subprocess.Popen] = []

    def listener(**env_overrides: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "listen_whatsapp", "--backoff-base", "0.01",
             "--backoff-cap", "0.2", "--ping-interval", "1"],
            cwd=ROOT, env={**env, **env_overrides}, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
        )
        started.append(process)
        return process

    def worker() -> subprocess.Popen:
        process = start_worker(env=env, queue=queue)
        started.append(process)
        return process

    yield SimpleNamespace(listener=listener, worker=worker, queue=queue)
    for process in started:
        if process.poll() is None:
            stop_process(process)
    queue_delete(queue)


