"""Webhook ingest: signed upstream events recorded per second, end to end over real HTTP.

Starts the web process as production runs it (gunicorn, `config.settings.production`) against a
throwaway PostgreSQL database, and measures in one run:

  A1/A2  the storage ceiling: raw psycopg 3 batched inserts (executemany, then COPY) of rows
         equivalent to `devices.UpstreamEvent` into a scratch table with the same indexes;
  B      the HTTP ceiling of the same server: `GET /healthz` (no database);
  C      the measured path: `POST /api/v1/webhooks/whatsapp` with distinct GOWA `message`
         envelopes signed with the device's webhook secret; afterwards the recorded
         `UpstreamEvent` rows must equal the accepted requests (no loss, no duplicates);
  D      a sample of C's bodies sent again: every one must answer `duplicate` and add no row.

The load comes from a separate process (asyncio, raw HTTP/1.1, keep-alive where the server
allows it), closed loop with `--connections` requests in flight; warm-up is excluded from the
rates. Run from the repository root:

    .venv/bin/python bench/webhook_ingest.py [--seconds 15] [--connections 32] [--workers 3]

Needs PostgreSQL at 127.0.0.1:5432 (user `postgres`, no password), and creates and drops the
database `bench_ingest` itself. Exit status: 0 when every check passed, 1 when one failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DB_NAME = "bench_ingest"
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
WEBHOOK_PATH = "/api/v1/webhooks/whatsapp"
SCRATCH_TABLE = "bench_scratch_upstreamevent"
DEVICE_JID = "6281100000001@s.whatsapp.net"
DEVICE_SLOT = "bench-ingest-slot"
BATCH_ROWS = 1000
NOISY_SHARE = 0.10  # CPU share taken by other work above which a phase is flagged
RUN_LOCK_KEY = 7_100_420_001  # pg advisory lock: one run of this bench at a time
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ----------------------------------------------------------------------------- the events


def webhook_body(index: int, *, tag: str, jid: str, session_id: str) -> bytes:
    """GOWA's incoming 1:1 text `message` envelope (CONTRACT §6.3/6.4), distinct per index.

    Compact JSON with sorted keys, as GOWA (Go `encoding/json` of a map) sends it; the same index
    always gives the same bytes, so a body can be re-sent exactly.
    """
    sender = f"628220{index % 1000:07d}@s.whatsapp.net"
    sent_at = dt.datetime(2026, 1, 22, tzinfo=dt.UTC) + dt.timedelta(milliseconds=index)
    payload = {
        "body": f"bench message {index}: hello from the ingest benchmark",
        "chat_id": sender,
        "from": sender,
        "from_lid": f"25155{index % 1000:010d}@lid",
        "from_name": "Bench",
        "id": f"3EB0{tag}{index:012X}",
        "is_from_me": False,
        "sender_display_name": "Bench sender",
        "timestamp": sent_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    envelope = {"device_id": jid, "event": "message", "payload": payload, "session_id": session_id}
    return json.dumps(envelope, sort_keys=True, separators=(",", ":")).encode()


def dedupe_key(body: bytes) -> str:
    """The key `devices.services.events.event_dedupe_key` derives for a `message` event."""
    envelope = json.loads(body)
    raw = f"{envelope['device_id']}|message|{envelope['payload']['id']}"
    return hashlib.sha256(raw.encode()).hexdigest()


# ----------------------------------------------------------------------------- measurements


def percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    rank = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[rank]


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of one process (all its threads), 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            found.append(int(entry))
    return found


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy (all CPUs; not idle, iowait or steal)."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq = values[:7]
    return (user + nice + system + irq + softirq) / CLK_TCK


class CpuSampler:
    """CPU time spent by the web workers, the bench database's PostgreSQL processes and the
    whole machine between `start()` and `stop()`."""

    def __init__(self, *, web_master: int | None, pg_pids: Any) -> None:
        self.web_master = web_master
        self.pg_pids = pg_pids  # callable returning the PostgreSQL pids to count
        self.result: dict[str, float] = {}

    def _snapshot(self) -> dict[str, Any]:
        web = children_of(self.web_master) if self.web_master else []
        pg = self.pg_pids()
        return {
            "web": {pid: proc_cpu_seconds(pid) for pid in web},
            "pg": {pid: proc_cpu_seconds(pid) for pid in pg},
            "machine": machine_busy_seconds(),
            "self": time.process_time(),
            "t": time.perf_counter(),
        }

    def start(self) -> None:
        self._start = self._snapshot()

    def stop(self) -> dict[str, float]:
        end = self._snapshot()

        def delta(group: str) -> float:
            before = self._start[group]
            # A process that appeared during the window counts from zero.
            return sum(cpu - before.get(pid, 0.0) for pid, cpu in end[group].items())

        self.result = {
            "web": delta("web"),
            "pg": delta("pg"),
            "busy": end["machine"] - self._start["machine"],
            "self": end["self"] - self._start["self"],  # this process (client of phase A)
            "seconds": end["t"] - self._start["t"],
        }
        return self.result


# ----------------------------------------------------------------------------- load generator
# Runs in its own process (`--_loadgen`, spec as JSON on stdin). It prints "WARM" when the
# warm-up ends, "END" when the measured window closes, then one JSON line once the requests in
# flight have drained.


class _HttpConnection(asyncio.Protocol):
    """One HTTP/1.1 client connection: one request at a time, Content-Length or chunked."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("connection closed mid-response"))

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.waiter is None or self.waiter.done():
            return
        parsed = _parse_response(self.buffer)
        if parsed is not None:
            status, body, close, used = parsed
            del self.buffer[:used]
            self.waiter.set_result((status, body, close))

    def request(self, data: bytes) -> asyncio.Future:
        self.waiter = self.loop.create_future()
        self.transport.write(data)  # type: ignore[union-attr]
        return self.waiter

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


def _parse_response(buf: bytearray) -> tuple[int, bytes, bool, int] | None:
    head_end = buf.find(b"\r\n\r\n")
    if head_end < 0:
        return None
    lines = bytes(buf[:head_end]).decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    close = lines[0].startswith("HTTP/1.0")
    length, chunked = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding":
            chunked = "chunked" in value.lower()
        elif name == "connection":
            close = value.strip().lower() == "close"
    start = head_end + 4
    if not chunked:
        if len(buf) < start + length:
            return None
        return status, bytes(buf[start : start + length]), close, start + length
    body, pos = bytearray(), start
    while True:
        line_end = buf.find(b"\r\n", pos)
        if line_end < 0:
            return None
        size = int(bytes(buf[pos:line_end]).split(b";")[0], 16)
        if len(buf) < line_end + 2 + size + 2:
            return None
        body += buf[line_end + 2 : line_end + 2 + size]
        pos = line_end + 2 + size + 2
        if size == 0:
            return status, bytes(body), close, pos


class _LoadState:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        now = time.perf_counter()
        self.warm_end = now + spec["warmup"]
        self.end = self.warm_end + spec["seconds"] if spec["seconds"] else float("inf")
        self.latencies: list[float] = []
        self.window_count = 0
        self.status: dict[str, int] = {}
        self.answers: dict[str, int] = {}
        self.failed: list[int] = []  # indices without a 200 (or with no answer at all)
        self.unknown = 0  # requests whose connection broke before an answer
        self.connections = 0
        self.connect_errors = 0
        self.sent = 0
        self.next_index = spec.get("start_index", 0)
        self.replay = list(spec.get("replay") or [])
        self.host_header = f"{spec['host']}:{spec['port']}"
        if spec["mode"] != "get":
            from devices.whatsapp.signing import sign  # pure hashlib: no Django settings

            self.sign = sign

    def next_request(self) -> tuple[int, bytes] | None:
        spec = self.spec
        if spec["mode"] == "get":
            self.sent += 1
            return -1, (
                f"GET {spec['path']} HTTP/1.1\r\nHost: {self.host_header}\r\n"
                "User-Agent: bench\r\nAccept: */*\r\n\r\n"
            ).encode()
        if spec["mode"] == "replay":
            if not self.replay:
                return None
            index = self.replay.pop()
        else:
            index = self.next_index
            self.next_index += 1
        body = webhook_body(index, tag=spec["tag"], jid=spec["jid"], session_id=spec["session_id"])
        head = (
            f"POST {spec['path']} HTTP/1.1\r\nHost: {self.host_header}\r\n"
            "User-Agent: Go-http-client/1.1\r\nContent-Type: application/json\r\n"
            f"X-Hub-Signature-256: {self.sign(spec['secret'], body)}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        self.sent += 1
        return index, head.encode() + body

    def record(self, index: int, started: float, finished: float, status: int, body: bytes) -> None:
        self.status[str(status)] = self.status.get(str(status), 0) + 1
        if self.spec["mode"] != "get":
            answer = "-"
            if status == 200:
                with contextlib.suppress(ValueError, AttributeError):
                    answer = json.loads(body).get("status", "-")
            self.answers[answer] = self.answers.get(answer, 0) + 1
            if status != 200:
                self.failed.append(index)
        if self.warm_end <= finished <= self.end:
            self.window_count += 1
            self.latencies.append(finished - started)


async def _client_slot(state: _LoadState, loop: asyncio.AbstractEventLoop) -> None:
    spec = state.spec
    conn: _HttpConnection | None = None
    while time.perf_counter() < state.end:
        if conn is None or conn.closed:
            try:
                _, conn = await loop.create_connection(
                    lambda: _HttpConnection(loop), spec["host"], spec["port"]
                )
            except OSError:
                state.connect_errors += 1
                conn = None
                await asyncio.sleep(0.01)
                continue
            state.connections += 1
        item = state.next_request()
        if item is None:
            break
        index, data = item
        started = time.perf_counter()
        try:
            status, body, close = await conn.request(data)
        except ConnectionError:
            # Sent, but no answer: the outcome is unknown (a webhook may or may not be stored).
            state.unknown += 1
            if index >= 0:
                state.failed.append(index)
            conn = None
            continue
        state.record(index, started, time.perf_counter(), status, body)
        if close:
            conn.close()
            conn = None
    if conn is not None:
        conn.close()


async def _loadgen(spec: dict[str, Any]) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    state = _LoadState(spec)
    cpu: dict[str, float] = {}

    async def marks() -> None:
        await asyncio.sleep(max(0.0, state.warm_end - time.perf_counter()))
        cpu["start"] = time.process_time()
        print("WARM", flush=True)
        if state.end != float("inf"):
            await asyncio.sleep(max(0.0, state.end - time.perf_counter()))
            cpu["end"] = time.process_time()
            print("END", flush=True)

    marker = asyncio.create_task(marks())
    await asyncio.gather(*(_client_slot(state, loop) for _ in range(spec["connections"])))
    if state.end == float("inf"):  # replay: done when the list is
        await marker
        state.end = time.perf_counter()
        cpu["end"] = time.process_time()
        print("END", flush=True)
    latencies = sorted(state.latencies)
    window = state.end - state.warm_end
    return {
        "window_requests": state.window_count,
        "window_seconds": window,
        "p50_ms": _ms(percentile(latencies, 0.50)),
        "p99_ms": _ms(percentile(latencies, 0.99)),
        "sent": state.sent,
        "status": state.status,
        "answers": state.answers,
        "unknown": state.unknown,
        "failed": state.failed[:100000],
        "connections": state.connections,
        "connect_errors": state.connect_errors,
        "next_index": state.next_index,
        "cpu_seconds": cpu.get("end", 0.0) - cpu.get("start", 0.0),
    }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000.0


def loadgen_main() -> None:
    spec = json.loads(sys.stdin.read())
    with contextlib.suppress(KeyboardInterrupt):
        result = asyncio.run(_loadgen(spec))
        print(json.dumps(result), flush=True)


# ----------------------------------------------------------------------------- Django helpers
# Run in child processes with the server's environment (`--_setup`, `--_sql`), so this process
# never imports Django.


def setup_main() -> None:
    """Create the bench device; print its slot, JID and webhook secret as JSON."""
    import django

    django.setup()
    from devices.models import Device

    device = Device.objects.create(
        name="bench ingest",
        upstream_id=DEVICE_SLOT,
        jid=DEVICE_JID,
        state=Device.State.CONNECTED,
    )
    print(
        json.dumps(
            {
                "id": str(device.id),
                "session_id": device.slot_id,
                "jid": device.jid,
                "secret": device.webhook_secret,
            }
        )
    )


def sql_main() -> None:
    """One webhook request through Django's WSGI handler (as gunicorn calls it) under a libpq
    trace: print every statement sent to PostgreSQL for a new event, a duplicate and /healthz,
    and the in-process (no HTTP, one thread) time per request."""
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from psycopg import pq

    from devices.whatsapp.signing import sign

    spec = json.loads(sys.stdin.read())
    app = WSGIHandler()

    def call(method: str, path: str, body: bytes = b"", headers: dict | None = None) -> bytes:
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            **(headers or {}),
        }
        result = app(environ, lambda status, headers, exc_info=None: None)
        try:
            return b"".join(result)
        finally:
            result.close()  # request_finished, as gunicorn does

    def webhook(index: int) -> bytes:
        body = webhook_body(index, tag=spec["tag"], jid=spec["jid"], session_id=spec["session_id"])
        signature = {"HTTP_X_HUB_SIGNATURE_256": sign(spec["secret"], body)}
        return call("POST", WEBHOOK_PATH, body, signature)

    def traced(fn: Any) -> list[str]:
        with tempfile.TemporaryFile() as trace:
            connection.ensure_connection()
            pgconn = connection.connection.pgconn
            pgconn.trace(trace.fileno())
            pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
            fn()
            pgconn.untrace()
            trace.seek(0)
            lines = trace.read().decode("utf-8", "replace").splitlines()
        sent = []
        for line in lines:
            parts = line.split("\t", 3)
            if len(parts) == 4 and parts[0] == "F" and parts[2] in ("Query", "Parse"):
                sent.append(parts[3].strip().split('"', 1)[-1].rsplit('"', 1)[0])
        return sent

    first = spec["start_index"]
    webhook(first)  # warm: connection, caches, first-request imports
    out = {
        "recorded": traced(lambda: webhook(first + 1)),
        "duplicate": traced(lambda: webhook(first + 1)),
        "healthz": traced(lambda: call("GET", "/healthz")),
    }
    rounds = spec["rounds"]
    started = time.perf_counter()
    for i in range(rounds):
        webhook(first + 2 + i)
    out["inproc_webhook_ms"] = (time.perf_counter() - started) * 1000 / rounds
    started = time.perf_counter()
    for _ in range(rounds):
        webhook(first + 2)
    out["inproc_duplicate_ms"] = (time.perf_counter() - started) * 1000 / rounds
    started = time.perf_counter()
    for _ in range(rounds):
        call("GET", "/healthz")
    out["inproc_healthz_ms"] = (time.perf_counter() - started) * 1000 / rounds
    print(json.dumps(out))


# ----------------------------------------------------------------------------- orchestration


class Bench:
    """Owns everything the run starts, so `close()` can undo it on any exit path."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
        self.server: subprocess.Popen | None = None
        self.children: list[subprocess.Popen] = []
        self.db_created = False
        self.lock_conn: Any = None
        self.port = args.port or free_port()
        self.env = self._server_env()

    # -- environment, processes

    def _server_env(self) -> dict[str, str]:
        env = dict(os.environ)
        # Blank = unset (config/env.py): a developer's .env cannot switch on tracing, Logto...
        for name in ("DEBUG", "API_DOCS", "OTEL_EXPORTER_OTLP_ENDPOINT", "LOGTO_ENDPOINT"):
            env[name] = ""
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "config.settings.production",
                "SECRET_KEY": secrets.token_urlsafe(50),
                # Production refuses a weak global secret; the device's own one signs the events.
                "WHATSAPP_WEBHOOK_SECRET": secrets.token_urlsafe(24),
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "SECURE_SSL_REDIRECT": "false",
                "DATABASE_URL": DB_URL,
                "REDIS_URL": "redis://127.0.0.1:6379/0",
                "RABBITMQ_URL": "amqp://guest:guest@127.0.0.1:5672//",
                "PYTHONPATH": str(ROOT),
            }
        )
        return env

    def helper(self, mode: str, spec: dict | None = None, *, env: dict | None = None) -> dict:
        proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), mode],
            cwd=ROOT,
            env=env or self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # Ctrl-C reaches this process only; close() ends them
        )
        self.children.append(proc)
        out, err = proc.communicate(json.dumps(spec or {}))
        self.children.remove(proc)
        if proc.returncode != 0:
            raise RuntimeError(f"{mode} failed ({proc.returncode}):\n{err[-3000:]}")
        return json.loads(out.strip().splitlines()[-1])

    def run_cmd(self, *cmd: str) -> None:
        done = subprocess.run(
            cmd, cwd=ROOT, env=self.env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(cmd)} failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
            )

    # -- database

    def create_database(self) -> None:
        import psycopg

        # One run at a time: the lock lives as long as this connection (released on any exit,
        # even a crash), so a second run cannot drop the database of one in progress.
        self.lock_conn = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
        conn = self.lock_conn
        if not conn.execute("SELECT pg_try_advisory_lock(%s)", [RUN_LOCK_KEY]).fetchone()[0]:
            conn.close()
            self.lock_conn = None
            raise RuntimeError(f"another {Path(__file__).name} run holds {DB_NAME}; try later")
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone():
            print(f"note: dropping {DB_NAME} left over from an interrupted run")
            conn.execute(f"DROP DATABASE {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
        self.db_created = True
        self.run_cmd(sys.executable, "manage.py", "migrate", "--noinput")

    def drop_database(self) -> None:
        if self.lock_conn is None:
            return
        try:
            if self.db_created:
                self.lock_conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
                self.db_created = False
        finally:
            self.lock_conn.close()  # releases the run lock
            self.lock_conn = None

    def db(self) -> Any:
        import psycopg

        return psycopg.connect(DB_URL.replace("postgres://", "postgresql://"), autocommit=True)

    def pg_pids(self, conn: Any) -> Any:
        """PostgreSQL processes doing the bench's work: its database's backends (not `conn`'s
        own) plus the WAL writer, background writer and checkpointer."""

        def pids() -> list[int]:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE (datname = %s AND pid <> pg_backend_pid())"
                " OR backend_type IN ('walwriter', 'background writer', 'checkpointer')",
                [DB_NAME],
            ).fetchall()
            return [r[0] for r in rows]

        return pids

    # -- server

    def start_server(self) -> None:
        a = self.args
        cmd = [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(a.workers),
            "--worker-class",
            a.worker_class,
            "--access-logfile",
            "-",  # as the Dockerfile runs it
            "--backlog",
            "2048",
        ]
        if a.worker_class == "gthread":
            cmd += ["--threads", str(a.threads)]
        self.server_log = open(self.tmp / "gunicorn.log", "w")  # noqa: SIM115 - closed in close()
        self.server = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=self.env,
            stdout=self.server_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited ({self.server.returncode}):\n{self.log_tail()}"
                )
            with contextlib.suppress(OSError):
                if (
                    http_get_status(self.port, "/healthz") == 200
                    and len(children_of(self.server.pid)) >= a.workers
                ):
                    return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz within 60 s:\n{self.log_tail()}")

    def log_tail(self) -> str:
        with contextlib.suppress(OSError):
            return (self.tmp / "gunicorn.log").read_text()[-3000:]
        return ""

    def stop_server(self) -> None:
        if self.server is None:
            return
        if self.server.poll() is None:
            self.server.terminate()  # graceful: gunicorn stops its workers
            try:
                self.server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.server.pid, signal.SIGKILL)
                self.server.wait(timeout=5)
        self.server = None
        self.server_log.close()

    def close(self) -> list[str]:
        """Undo whatever the run started; say what was undone."""
        done = []
        for proc in list(self.children):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                proc.wait(timeout=5)
        try:
            if self.server is not None:
                self.stop_server()
                done.append("gunicorn stopped")
        finally:
            try:
                if self.db_created:
                    done.append(f"database {DB_NAME} dropped")
                self.drop_database()
            finally:
                for path in self.tmp.iterdir():
                    path.unlink()
                self.tmp.rmdir()
        return done

    # -- phases

    def loadgen(self, spec: dict, sampler: CpuSampler) -> dict:
        """Run the load generator; sample CPU over its measured window."""
        spec = {"host": "127.0.0.1", "port": self.port, **spec}
        proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--_loadgen"],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.children.append(proc)
        proc.stdin.write(json.dumps(spec))
        proc.stdin.close()
        for mark, action in (("WARM", sampler.start), ("END", sampler.stop)):
            line = proc.stdout.readline().strip()
            if line != mark:
                err = proc.stderr.read()
                raise RuntimeError(f"load generator: expected {mark}, got {line!r}\n{err[-3000:]}")
            action()
        out = proc.stdout.read()
        err = proc.stderr.read()
        proc.wait()
        self.children.remove(proc)
        if proc.returncode != 0 or not out.strip():
            raise RuntimeError(f"load generator failed ({proc.returncode}):\n{err[-3000:]}")
        return json.loads(out.strip().splitlines()[-1])

    def baseline_inserts(self, device: dict, *, method: str, tag: str) -> dict:
        """Rows equivalent to the webhook's, inserted BATCH_ROWS per transaction on one
        connection for --seconds; only the database calls are timed."""
        conn = self.db()
        try:
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {SCRATCH_TABLE} "
                "(LIKE devices_upstreamevent INCLUDING ALL)"
            )
            conn.execute(f"TRUNCATE {SCRATCH_TABLE}")
            sampler = CpuSampler(web_master=None, pg_pids=lambda: [conn.info.backend_pid])
            columns = (
                "device_id, source, event, account_jid, session_id, dedupe_key, payload, "
                "status, error, received_at"
            )
            insert = (
                f"INSERT INTO {SCRATCH_TABLE} ({columns}) "  # noqa: S608 - constant names
                "VALUES (%s, 'webhook', 'message', %s, %s, %s, %s::jsonb, 'received', '', %s)"
            )
            copy = f"COPY {SCRATCH_TABLE} ({columns}) FROM STDIN"
            rows = index = 0
            db_seconds = client_cpu = 0.0
            batch_times: list[float] = []
            warm_until = time.perf_counter() + 1.0  # one second of unmeasured batches first
            measuring = False
            deadline = warm_until + self.args.seconds
            while time.perf_counter() < deadline:
                batch = []
                for _ in range(BATCH_ROWS):
                    body = webhook_body(
                        index, tag=tag, jid=device["jid"], session_id=device["session_id"]
                    )
                    batch.append(
                        (
                            device["id"],
                            device["jid"],
                            device["session_id"],
                            dedupe_key(body),
                            body.decode(),
                            dt.datetime.now(dt.UTC),
                        )
                    )
                    index += 1
                if not measuring and time.perf_counter() >= warm_until:
                    measuring = True
                    sampler.start()
                started, started_cpu = time.perf_counter(), time.process_time()
                with conn.transaction(), conn.cursor() as cur:
                    if method == "executemany":
                        cur.executemany(insert, batch)
                    else:
                        with cur.copy(copy) as pg_copy:
                            for row in batch:
                                device_id, jid, session_id, key, payload, received_at = row
                                pg_copy.write_row(
                                    (device_id, "webhook", "message", jid, session_id, key,
                                     payload, "received", "", received_at)
                                )  # fmt: skip
                elapsed = time.perf_counter() - started
                if measuring:
                    rows += len(batch)
                    db_seconds += elapsed
                    client_cpu += time.process_time() - started_cpu
                    batch_times.append(elapsed)
            cpu = sampler.stop()
            count_rows = f"SELECT count(*) FROM {SCRATCH_TABLE}"  # noqa: S608 - a constant
            stored = conn.execute(count_rows).fetchone()[0]
            conn.execute(f"DROP TABLE {SCRATCH_TABLE}")
        finally:
            conn.close()
        batch_times.sort()
        return {
            "count": rows,
            "seconds": db_seconds,
            "rate": rows / db_seconds if db_seconds else 0.0,
            "p50_ms": _ms(percentile(batch_times, 0.5)),
            "p99_ms": _ms(percentile(batch_times, 0.99)),
            "cpu": cpu,
            "client_cpu": client_cpu,  # this process, inside the database calls only
            "stored": stored,
            "inserted": index,
        }

    def run(self) -> int:
        a = self.args
        tag = f"{random.randrange(16**4):04X}"  # distinct ids per run
        print(
            f"webhook ingest bench: {os.cpu_count()} CPUs, load average "
            f"{os.getloadavg()[0]:.2f}; gunicorn {a.workers} x {a.worker_class}"
            + (f" ({a.threads} threads)" if a.worker_class == "gthread" else "")
            + f" on 127.0.0.1:{self.port}; {a.connections} connections; "
            f"{a.warmup:g} s warm-up + {a.seconds:g} s per phase",
            flush=True,
        )
        self.create_database()
        device = self.helper("--_setup")
        print("  database migrated, device created; A1 PostgreSQL executemany...", flush=True)
        a1 = self.baseline_inserts(device, method="executemany", tag=tag + "A")
        print("  A2 PostgreSQL COPY...", flush=True)
        a2 = self.baseline_inserts(device, method="copy", tag=tag + "C")
        self.start_server()
        db = self.db()
        try:
            pg = self.pg_pids(db)
            base = {"connections": a.connections, "warmup": a.warmup, "seconds": a.seconds}
            print("  B GET /healthz...", flush=True)
            sampler_b = CpuSampler(web_master=self.server.pid, pg_pids=pg)
            b = self.loadgen({**base, "mode": "get", "path": "/healthz"}, sampler_b)
            print("  C POST webhooks...", flush=True)
            hook = {
                "path": WEBHOOK_PATH,
                "tag": tag,
                "jid": device["jid"],
                "session_id": device["session_id"],
                "secret": device["secret"],
            }
            sampler_c = CpuSampler(web_master=self.server.pid, pg_pids=pg)
            c = self.loadgen({**base, **hook, "mode": "webhook", "start_index": 0}, sampler_c)
            rows_after_c = db.execute("SELECT count(*) FROM devices_upstreamevent").fetchone()[0]
            failed = set(c["failed"])
            pool = [i for i in range(c["next_index"]) if i not in failed]
            sample = random.sample(pool, min(a.dup_sample, len(pool)))
            print(f"  D re-sending {len(sample)} bodies...", flush=True)
            sampler_d = CpuSampler(web_master=self.server.pid, pg_pids=pg)
            d = self.loadgen(
                {**base, **hook, "mode": "replay", "replay": sample, "warmup": 0, "seconds": 0},
                sampler_d,
            )
            rows_after_d = db.execute("SELECT count(*) FROM devices_upstreamevent").fetchone()[0]
        finally:
            db.close()
        self.stop_server()
        print("  SQL trace of single requests (in-process WSGI)...", flush=True)
        sql = self.helper(
            "--_sql",
            {**hook, "start_index": 10_000_000, "rounds": 300},
        )
        return report(a, a1, a2, b, c, d, sampler_b, sampler_c, sampler_d,
                      rows_after_c, rows_after_d, len(sample), sql)  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get_status(port: int, path: str) -> int:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


# ----------------------------------------------------------------------------- report


def _fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def report(a, a1, a2, b, c, d, sb, sc, sd, rows_c, rows_d, resent, sql) -> int:
    def rate(r: dict) -> float:
        return r["window_requests"] / r["window_seconds"] if r["window_seconds"] else 0.0

    def http_row(name: str, r: dict, cpu: dict) -> tuple:
        n = r["window_requests"]
        return (name, n, r["window_seconds"], rate(r), r["p50_ms"], r["p99_ms"], cpu,
                cpu["web"], r["cpu_seconds"], r["cpu_seconds"])  # fmt: skip

    def db_row(name: str, r: dict) -> tuple:
        cpu = r["cpu"]
        return (name, r["count"], r["seconds"], r["rate"], r["p50_ms"], r["p99_ms"], cpu,
                None, r["client_cpu"], cpu["self"])  # fmt: skip

    rows = [
        db_row("A1 PG executemany, 1000 rows/tx", a1),
        db_row("A2 PG COPY, 1000 rows/tx", a2),
        http_row("B  GET /healthz (no DB)", b, sb.result),
        http_row("C  POST webhook, new events", c, sc.result),
        http_row("D  POST webhook, duplicates", d, sd.result),
    ]
    ncpu = os.cpu_count() or 1
    print()
    header = (
        f"{'phase':<33}{'count':>8}{'seconds':>8}{'rate/s':>9}{'p50 ms':>8}{'p99 ms':>8}"
        f"{'busy':>6}{'others':>7}{'web':>7}{'pg':>7}{'client':>7}"
    )
    print(f"{'':<82}{'CPU %':^13}{'CPU ms per op':^21}")
    print(header)
    print("-" * len(header))
    noisy = []
    for name, n, seconds, r, p50, p99, cpu, web, client_op, client_all in rows:
        capacity = cpu["seconds"] * ncpu
        ours = cpu["pg"] + (web or 0.0) + client_all
        if (cpu["busy"] - ours) / capacity > NOISY_SHARE:
            noisy.append(name.split()[0])
        web_op = "-" if web is None else f"{web * 1000 / n:.2f}"
        print(
            f"{name:<33}{n:>8}{seconds:>8.2f}{r:>9.0f}{_fmt(p50):>8}{_fmt(p99):>8}"
            f"{100 * cpu['busy'] / capacity:>6.0f}{100 * (cpu['busy'] - ours) / capacity:>7.0f}"
            f"{web_op:>7}{cpu['pg'] * 1000 / n:>7.3f}{client_op * 1000 / n:>7.3f}"
        )
    print(
        "count, seconds, rate: the measured window only (A: rows, time inside the database "
        "calls;\n  p50/p99 of A: per 1000-row batch; B-D: requests completed in the window, "
        f"closed loop, {a.connections} in flight).\n"
        f"CPU busy: the whole machine ({ncpu} CPUs = 100%); others: busy time not charged to "
        "the processes below\n  (other work on the machine, interrupt handling): when it is "
        "high, the rates are low.\n"
        "CPU ms per op: gunicorn workers, the bench database's PostgreSQL processes (backends, "
        "WAL writer, bgwriter,\n  checkpointer), the client (A: psycopg inside the calls; "
        "B-D: the load generator)."
    )
    if noisy:
        print(
            f"NOTE: other work took more than {NOISY_SHARE:.0%} of the CPU during "
            f"{', '.join(noisy)}: those rates are understated; rerun on a quiet machine."
        )
    rc = rate(c)
    print()
    print(f"measured path C = {rc:.0f} events/s")
    for name, base in (("A1 executemany", a1["rate"]), ("A2 COPY", a2["rate"]),
                       ("B /healthz", rate(b))):  # fmt: skip
        print(f"  C / {name:<15} = {rc / base:6.3f}   ({name} is {base / rc:.1f}x C)")

    print()
    accepted = c["answers"].get("recorded", 0)
    checks = [
        (
            "C no loss, no duplicates",
            rows_c == accepted and c["unknown"] == 0 and accepted == c["sent"],
            f"{c['sent']} sent, {accepted} answered recorded, {rows_c} UpstreamEvent rows, "
            f"other statuses {({k: v for k, v in c['status'].items() if k != '200'}) or 'none'}, "
            f"{c['unknown']} unanswered",
        ),
        (
            "D duplicates answered duplicate",
            d["answers"].get("duplicate", 0) == resent and rows_d == rows_c,
            f"{resent} re-sent, {d['answers'].get('duplicate', 0)} answered duplicate, "
            f"rows {rows_c} -> {rows_d}",
        ),
        (
            "A rows stored",
            a1["stored"] == a1["inserted"] and a2["stored"] == a2["inserted"],
            f"executemany {a1['stored']}/{a1['inserted']}, COPY {a2['stored']}/{a2['inserted']}",
        ),
    ]
    for name, ok, detail in checks:
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")
    print(
        f"     connections opened: B {b['connections']}, C {c['connections']}, "
        f"D {d['connections']} (sync workers close after every response)"
    )

    print()
    print("SQL sent per request (libpq trace, Django's WSGI handler in-process):")
    for kind in ("recorded", "duplicate", "healthz"):
        statements = sql[kind]
        print(f"  {kind:<9} {len(statements)} round trips")
        for s in statements:
            print(f"            {' '.join(s.split())[:110]}")
    print(
        f"in-process, no HTTP, one thread: webhook {sql['inproc_webhook_ms']:.2f} ms/req, "
        f"duplicate {sql['inproc_duplicate_ms']:.2f} ms/req, "
        f"/healthz {sql['inproc_healthz_ms']:.2f} ms/req"
    )
    return 0 if all(ok for _, ok, _ in checks) else 1


# ----------------------------------------------------------------------------- entry point


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Prints one table (rates, latencies, CPU per request, ratios to the baselines), "
        "the no-loss/duplicate checks and the SQL each request sends.",
    )
    parser.add_argument(
        "--seconds", type=float, default=15.0, help="measured seconds per phase (default 15)"
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=3.0,
        help="unmeasured warm-up seconds before each HTTP phase (default 3)",
    )
    parser.add_argument(
        "--connections", type=int, default=32, help="concurrent client connections (default 32)"
    )
    parser.add_argument(
        "--workers", type=int, default=3, help="gunicorn worker processes (default 3)"
    )
    parser.add_argument(
        "--worker-class",
        choices=["sync", "gthread"],
        default="sync",
        help="gunicorn worker class (default sync, as the Dockerfile)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=4,
        help="threads per worker with --worker-class gthread (default 4)",
    )
    parser.add_argument(
        "--dup-sample",
        type=int,
        default=2000,
        help="bodies of phase C re-sent in phase D (default 2000)",
    )
    parser.add_argument(
        "--port", type=int, default=0, help="port for gunicorn on 127.0.0.1 (default: a free one)"
    )
    # Internal modes: the child processes this script starts.
    for hidden in ("--_loadgen", "--_setup", "--_sql"):
        parser.add_argument(hidden, action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main() -> int:
    args = parse_args()
    if args._loadgen:
        loadgen_main()
        return 0
    if args._setup:
        setup_main()
        return 0
    if args._sql:
        sql_main()
        return 0
    # Ctrl-C and SIGTERM both end in the clean-up below (even when started with SIGINT ignored).
    signal.signal(signal.SIGINT, _raise_interrupt)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    bench = Bench(args)
    try:
        return bench.run()
    except KeyboardInterrupt:
        print("\ninterrupted: cleaning up", file=sys.stderr)
        return 130
    except RuntimeError as exc:
        print(f"\nbench failed: {exc}", file=sys.stderr)
        return 1
    except Exception:
        traceback.print_exc()
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # let the clean-up finish
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        done = bench.close()
        if done:
            print(f"cleaned up: {', '.join(done)}", file=sys.stderr)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # `devices.whatsapp.signing` for the load generator
    sys.exit(main())
