"""Fixtures shared by every test: API clients and helpers for subprocesses of the project."""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import Future
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection, transaction

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




class RowLock:
    """`SELECT ... FOR UPDATE` on one row, held by a transaction on a connection of its own.

    For interleavings: `blocked(call)` runs a call in another thread and returns once that
    call waits for this lock; `commit(change)` makes a change inside the holding transaction
    and commits it, letting the waiting call go on.

    PostgreSQL says when a call waits for the row. SQLite has no row locks: the holding
    transaction is IMMEDIATE (config/env.py), so it holds the database's write lock, which any
    write of the call waits for, and a call counts as waiting once one of its statements has
    run for `SQLITE_WAIT` seconds. The interleaving and its outcome are the same; only
    PostgreSQL can show that a service takes the row lock itself (CI runs there).
    """

    SQLITE_WAIT = 0.3

    def __init__(self, model, pk) -> None:
        self._jobs: queue.Queue = queue.Queue()
        self._held = threading.Event()
        self._error: BaseException | None = None
        self._statement_since: float | None = None  # SQLite: the call's statement in flight
        self._holder = threading.Thread(target=self._hold, args=(model, pk), daemon=True)
        self._holder.start()
        assert self._held.wait(10), "the row lock was not taken"
        if self._error is not None:
            raise self._error

    def _hold(self, model, pk) -> None:
        try:
            with transaction.atomic():
                model._default_manager.select_for_update().get(pk=pk)
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_backend_pid()")
                        self.pid = cursor.fetchone()[0]
                self._held.set()
                self._jobs.get(timeout=60)()
        except BaseException as exc:
            self._error = exc
        finally:
            self._held.set()
            connection.close()

    def blocked(self, call, *args, **kwargs) -> Future:
        """Start `call` in another thread; return once it waits for this lock."""
        future: Future = Future()

        def timed(execute, sql, params, many, context):
            self._statement_since = time.monotonic()
            try:
                return execute(sql, params, many, context)
            finally:
                self._statement_since = None

        def run() -> None:
            try:
                with connection.execute_wrapper(timed):
                    future.set_result(call(*args, **kwargs))
            except BaseException as exc:
                future.set_exception(exc)
            finally:
                connection.close()

        threading.Thread(target=run, daemon=True).start()
        wait_for(lambda: self._waited_for() or future.done(), 10, "a wait for the row lock")
        if future.done():
            future.result()  # a raise shows here
            raise AssertionError("the call finished without waiting for the row lock")
        return future

    def _waited_for(self) -> bool:
        if connection.vendor == "sqlite":
            since = self._statement_since
            return since is not None and time.monotonic() - since >= self.SQLITE_WAIT
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                [self.pid],
            )
            return cursor.fetchone()[0] > 0

    def commit(self, change=None, /, **kwargs) -> None:
        """Run `change(**kwargs)` in the holding transaction, then commit it."""
        self._jobs.put(lambda: change(**kwargs) if change else None)
        self._holder.join(30)
        if self._error is not None:
            raise self._error


@pytest.fixture
def row_lock():
    """Hold a row lock from another connection: `row_lock(Device, pk)` (see `RowLock` for
    SQLite; the test must commit its data: `django_db(transaction=True)`)."""
    if connection.vendor not in ("postgresql", "sqlite"):
        pytest.fail("row_lock knows PostgreSQL and SQLite, not " + connection.vendor)
    held: list[RowLock] = []

    def take(model, pk) -> RowLock:
        held.append(RowLock(model, pk))
        return held[-1]

    yield take
    for lock in held:
        if lock._holder.is_alive():
            lock.commit()
