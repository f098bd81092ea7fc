"""Webhook ingest: signed upstream events recorded per second, end to end over real HTTP.

Starts the web process as production runs it (gunicorn, `config.settings.production`) against a
throwaway PostgreSQL database, and measures in one run:

  A1/A2  the storage ceiling: raw psycopg 3 batched inserts (executemany, then COPY) of rows
         equivalent to `devices.UpstreamEvent` into a scratch table with the same indexes;
  B      the HTTP ceiling of the same server: `GET /healthz` (no database);
  C      the measured path: `POST /api/v1/webhooks/whatsapp` with distinct GOWA `message`
         envelopes signed with the device's webhook secret; afterwards the recorded
         `UpstreamEvent` rows must equal the accepted requests (no loss, no duplicates);
  D      a sample of C's bodies sent again: every one must answer `duplicate` and add no row;
  E      the other baseline: one Celery task per event (`devices.tasks.upstream_event_ingest_task`,
         the envelope `listen_whatsapp` builds from a frame) published over RabbitMQ to a real
         worker on a queue of the run's own; events recorded per second from the first publish
         to the last row, then a sample published again;
  F      the listener's own path: the same events, but one task per batch of `--batch` (200,
         the listener's `--batch-size`) envelopes (`devices.tasks.upstream_events_ingest_task`,
         one multi-row insert each), `--batched-events` of them; measured and checked as E.

The HTTP load comes from a separate process (asyncio, raw HTTP/1.1, keep-alive where the server
allows it), closed loop with `--connections` requests in flight; warm-up is excluded from the
rates. Run from the repository root:

    .venv/bin/python bench/webhook_ingest.py [--seconds 15] [--connections 32] [--workers 3]
        [--tasks 10000] [--batch 200] [--batched-events 50000] [--celery-pool prefork]
        [--celery-concurrency 2] [--skip A,B,...]

Needs PostgreSQL at 127.0.0.1:5432 (user `postgres`, no password), and creates and drops the
database `bench_ingest` itself; RabbitMQ at 127.0.0.1:5672 (guest) for E and F, whose queue it
deletes.
Exit status: 0 when every check passed, 1 when one failed.
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
BROKER_URL = "amqp://guest:guest@127.0.0.1:5672//"
E_WARMUP = 200  # phases E/F: events recorded, unmeasured, before the measured ones (F: more)
STALL_SECONDS = 30.0  # phases E/F: waiting ends when nothing moves for this long
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


def proc_cpu_seconds(pid: int, *, reaped: bool = False) -> float:
    """utime + stime of one process (all its threads), 0 when it is gone; with `reaped`, the
    same of its children that ended and were waited for (cutime + cstime)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    first = 13 if reaped else 11
    return (int(fields[first]) + int(fields[first + 1])) / CLK_TCK


def parent_of(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


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


def pids_named(command: str) -> list[int]:
    """Processes whose command name (`/proc/PID/comm`) is `command`."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError), open(f"/proc/{entry}/comm") as f:
                if f.read().strip() == command:
                    found.append(int(entry))
    return found


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy (all CPUs; not idle, iowait or steal)."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq = values[:7]
    return (user + nice + system + irq + softirq) / CLK_TCK


class CpuSampler:
    """CPU time spent by the application processes (gunicorn workers, or the Celery worker),
    the bench database's PostgreSQL processes and the whole machine between `start()` and
    `stop()`."""

    def __init__(
        self, *, app_pids: Any, pg_pids: Any, broker_pids: Any = list, postmaster: int | None = None
    ) -> None:
        self.app_pids = app_pids  # callables returning the pids to count
        self.pg_pids = pg_pids
        self.broker_pids = broker_pids
        # With the postmaster's pid, backends that ended within the window count too (CPU of
        # its reaped children: of any database, so other work on the server inflates it).
        self.postmaster = postmaster
        self.result: dict[str, float] = {}

    def _snapshot(self) -> dict[str, Any]:
        app = self.app_pids()
        pg = self.pg_pids()
        return {
            "app": {pid: proc_cpu_seconds(pid) for pid in app},
            "pg": {pid: proc_cpu_seconds(pid) for pid in pg},
            "broker": {pid: proc_cpu_seconds(pid) for pid in self.broker_pids()},
            "pg_ended": proc_cpu_seconds(self.postmaster, reaped=True) if self.postmaster else 0.0,
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
            "app": delta("app"),
            "pg": delta("pg") + end["pg_ended"] - self._start["pg_ended"],
            "broker": delta("broker"),
            "busy": end["machine"] - self._start["machine"],
            "self": end["self"] - self._start["self"],  # this process (client of phase A)
            "seconds": end["t"] - self._start["t"],
        }
        return self.result


class LogCounter:
    """Occurrences of some byte strings in a growing log file, read incrementally."""

    def __init__(self, path: Path, needles: list[bytes]) -> None:
        self.path = path
        self.offset = 0
        self.rest = b""  # an unfinished last line
        self.counts = dict.fromkeys(needles, 0)

    def update(self) -> dict[bytes, int]:
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        self.offset += len(data)
        data = self.rest + data
        cut = data.rfind(b"\n") + 1
        self.rest = data[cut:]
        for needle in self.counts:
            self.counts[needle] += data[:cut].count(needle)
        return self.counts


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


def publish_main() -> None:
    """Publish ingest tasks to the run's own queue: with the set-up's `batch` 0, one
    `devices.tasks.upstream_event_ingest_task` per event (E), the envelope as the task's
    keyword argument; else `devices.tasks.upstream_events_ingest_task` with `batch` envelopes
    at a time, as the listener hands them on (F). The first stdin line is the set-up; then each
    line asks for a run of events, and one JSON line answers when they are published (so the
    producer connection stays warm between runs)."""
    import django

    django.setup()
    from devices.tasks import upstream_event_ingest_task, upstream_events_ingest_task

    setup = json.loads(sys.stdin.readline())
    while line := sys.stdin.readline():
        batch = json.loads(line)
        if "indices" in batch:
            indices = batch["indices"]
        else:
            indices = range(batch["start"], batch["start"] + batch["count"])
        # The envelope `listen_whatsapp` builds from a frame: event, device_id, session_id,
        # payload (built beforehand: only publishing is timed).
        envelopes = [
            json.loads(
                webhook_body(i, tag=setup["tag"], jid=setup["jid"], session_id=setup["session_id"])
            )
            for i in indices
        ]
        size = setup["batch"]
        first_publish = time.time()  # wall clock: compared with the rows' received_at
        started, started_cpu = time.perf_counter(), time.process_time()
        tasks = 0
        if size:
            for i in range(0, len(envelopes), size):
                upstream_events_ingest_task.apply_async(
                    kwargs={"source": "websocket", "envelopes": envelopes[i : i + size]},
                    queue=setup["queue"],
                )
                tasks += 1
        else:
            for envelope in envelopes:
                upstream_event_ingest_task.apply_async(
                    kwargs={"source": "websocket", "envelope": envelope}, queue=setup["queue"]
                )
                tasks += 1
        print(
            json.dumps(
                {
                    "count": len(envelopes),
                    "tasks": tasks,
                    "first_publish": first_publish,
                    "seconds": time.perf_counter() - started,
                    "cpu_seconds": time.process_time() - started_cpu,
                }
            ),
            flush=True,
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
        self.worker: subprocess.Popen | None = None
        # The run's own queue: no other worker on the broker consumes it.
        self.queue = f"bench-ingest-{secrets.token_hex(6)}"
        self.queue_used = False

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
                "RABBITMQ_URL": BROKER_URL,
                # Production insists on one; neither the webhook nor the ingest task calls it.
                "WHATSAPP_API_URL": "http://127.0.0.1:3000",
                "PYTHONPATH": str(ROOT),
            }
        )
        return env

    def start_mode(self, mode: str, *, stderr: Any = subprocess.PIPE) -> subprocess.Popen:
        """This script in one of its helper modes, spoken to over stdin/stdout."""
        proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), mode],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            start_new_session=True,  # Ctrl-C reaches this process only; close() ends them
        )
        self.children.append(proc)
        return proc

    def helper(self, mode: str, spec: dict | None = None) -> dict:
        proc = self.start_mode(mode)
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

    def pg_sessions(self, conn: Any) -> int:
        """Sessions established to the bench database so far (PostgreSQL 14+)."""
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute(
            "SELECT sessions FROM pg_stat_database WHERE datname = %s", [DB_NAME]
        ).fetchone()
        return int(row[0] or 0)

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
        self.server = self.spawn(cmd, "gunicorn.log")
        self.wait_ready(
            self.server,
            "gunicorn.log",
            "gunicorn (GET /healthz, all workers up)",
            lambda: (
                http_get_status(self.port, "/healthz") == 200
                and len(children_of(self.server.pid)) >= a.workers
            ),
        )

    def spawn(self, cmd: list[str], log_name: str) -> subprocess.Popen:
        """A long-running child in its own session (Ctrl-C reaches this process only; close()
        ends it), its output to a log file in the run's folder."""
        with open(self.tmp / log_name, "w") as log:  # the child keeps its own descriptor
            return subprocess.Popen(
                cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def wait_ready(self, proc: subprocess.Popen, log_name: str, what: str, ready: Any) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited ({proc.returncode}):\n{self.log_tail(log_name)}")
            with contextlib.suppress(OSError):
                if ready():
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{what}: not ready within 60 s:\n{self.log_tail(log_name)}")

    def log_tail(self, name: str) -> str:
        with contextlib.suppress(OSError):
            return (self.tmp / name).read_text()[-3000:]
        return ""

    @staticmethod
    def stop_process(proc: subprocess.Popen, sig: int, timeout: float) -> int:
        """Send `sig` and wait; after `timeout`, SIGKILL the child's whole process group."""
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        return proc.returncode

    def stop_server(self) -> None:
        if self.server is not None:
            # Graceful: gunicorn stops its workers.
            self.stop_process(self.server, signal.SIGTERM, 15)
            self.server = None

    # -- Celery worker, broker

    def start_worker(self) -> None:
        """A Celery worker as the image runs one (`celery -A config worker --loglevel INFO`,
        production settings), consuming only the run's queue."""
        a = self.args
        cmd = [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            "--pool", a.celery_pool, "--concurrency", str(a.celery_concurrency),
            "--queues", self.queue, "--hostname", f"{self.queue}@%h", "--loglevel", "INFO",
            # No event traffic with the other workers on this broker (the test suite's...).
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        self.queue_used = True
        self.worker = self.spawn(cmd, "celery.log")

        def consuming() -> bool:
            info = self.queue_info()
            return info is not None and info[1] >= 1

        self.wait_ready(self.worker, "celery.log", f"celery worker (consuming {self.queue})",
                        consuming)  # fmt: skip

    def stop_worker(self, *, cold: bool = False) -> int | None:
        """Warm shutdown (SIGTERM: running tasks finish, late-acked messages not started go
        back to the queue), or cold (SIGQUIT: at once). Its exit status."""
        if self.worker is None:
            return None
        worker, self.worker = self.worker, None
        if cold:
            status = self.stop_process(worker, signal.SIGQUIT, 5)
        else:
            status = self.stop_process(worker, signal.SIGTERM, 60)
        # Pool processes that outlived a master killed outright are still in its group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
        return status

    def broker(self, call: Any) -> Any:
        """Run `call(channel)` on a fresh AMQP connection to the broker."""
        from kombu import Connection

        with Connection(BROKER_URL, connect_timeout=5) as conn:
            channel = conn.channel()
            try:
                return call(channel)
            finally:
                with contextlib.suppress(Exception):
                    channel.close()

    def queue_info(self) -> tuple[int, int] | None:
        """(messages ready, consumers) of the run's queue; None when it does not exist."""
        from amqp.exceptions import NotFound

        try:
            ok = self.broker(lambda ch: ch.queue_declare(queue=self.queue, passive=True))
        except NotFound:
            return None
        return ok.message_count, ok.consumer_count

    def delete_queue(self) -> None:
        """The queue, and the direct exchange of the same name Celery declared for it."""

        def delete(channel: Any) -> None:
            channel.queue_delete(queue=self.queue)
            channel.exchange_delete(exchange=self.queue)

        self.broker(delete)
        self.queue_used = False

    def close(self) -> list[str]:
        """Undo whatever the run started; say what was undone."""
        done = []
        for proc in list(self.children):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                proc.wait(timeout=5)

        def step(what: str, action: Any) -> None:
            try:
                action()
                done.append(what)
            except Exception as exc:  # say so, and go on cleaning up
                done.append(f"NOT {what}: {exc!r}")

        try:
            if self.server is not None:
                step("gunicorn stopped", self.stop_server)
            if self.worker is not None:
                step("celery worker stopped", lambda: self.stop_worker(cold=True))
            if self.queue_used:
                step(f"queue {self.queue} deleted", self.delete_queue)
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
        proc = self.start_mode("--_loadgen")
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

    def celery_tasks(self, device: dict, *, tag: str, batch: int, events: int) -> dict:
        """Phase E (`batch` 0): one `upstream_event_ingest_task` per event through RabbitMQ to
        a real worker; phase F: one `upstream_events_ingest_task` per `batch` events, as
        `listen_whatsapp` hands them on. `events` measured, then a sample published again (F: in
        batches too)."""
        a = self.args
        # Warm every pool process (F: two batches each), unmeasured.
        warmup = max(E_WARMUP, 2 * batch * a.celery_concurrency)
        db = self.db()
        try:
            # From an empty table, as C started: C's rows would only slow the count below.
            db.execute("TRUNCATE devices_upstreamevent CASCADE")
            self.start_worker()
            worker_pid = self.worker.pid
            log = LogCounter(self.tmp / "celery.log", [b"] succeeded in ", b" raised unexpected"])
            with open(self.tmp / "publisher.log", "w") as errors:
                publisher = self.start_mode("--_publish", stderr=errors)
            setup = {"queue": self.queue, "tag": tag, "batch": batch, **device}

            def send(batch: dict) -> None:
                publisher.stdin.write(json.dumps(batch) + "\n")
                publisher.stdin.flush()

            def published() -> dict:
                line = publisher.stdout.readline()
                if not line:
                    publisher.wait()
                    raise RuntimeError(
                        f"publisher failed ({publisher.returncode}):\n"
                        f"{self.log_tail('publisher.log')}"
                    )
                return json.loads(line)

            def recorded() -> int:
                return db.execute(
                    "SELECT count(*) FROM devices_upstreamevent WHERE source = 'websocket'"
                ).fetchone()[0]

            def wait_until(done: Any, progress: Any) -> None:
                """Until done(), the worker exits, or progress() stays put STALL_SECONDS."""
                last, moved = progress(), time.monotonic()
                while not done() and self.worker.poll() is None:
                    time.sleep(0.1)
                    now = progress()
                    if now != last:
                        last, moved = now, time.monotonic()
                    elif time.monotonic() - moved > STALL_SECONDS:
                        return

            send(setup)
            send({"start": 0, "count": warmup})  # connections, imports, caches
            warm_tasks = published()["tasks"]
            wait_until(lambda: recorded() >= warmup, recorded)
            if recorded() != warmup:
                raise RuntimeError(
                    f"the worker recorded {recorded()} of {warmup} warm-up events:\n"
                    f"{self.log_tail('celery.log')}"
                )
            expected = warmup + events
            sampler = CpuSampler(
                app_pids=lambda: [worker_pid, *children_of(worker_pid)],
                pg_pids=self.pg_pids(db),
                # RabbitMQ's Erlang VM (the whole broker: other users of it count too).
                broker_pids=lambda: pids_named("beam.smp"),
                # Celery's Django fix-up closes the database connection around every task.
                postmaster=parent_of(db.info.backend_pid),
            )
            sessions_before = self.pg_sessions(db)
            sampler.start()
            send({"start": warmup, "count": events})
            wait_until(lambda: recorded() >= expected, recorded)
            sampler.stop()
            sessions = self.pg_sessions(db) - sessions_before
            pub = published()
            rows = recorded()
            last = db.execute(
                "SELECT extract(epoch FROM max(received_at))::float8 FROM devices_upstreamevent"
            ).fetchone()[0]
            # Time to the last event recorded: its received_at is taken just before the insert.
            seconds = last - pub["first_publish"]

            def ran() -> int:  # tasks finished, by the worker's log (a row comes first)
                return sum(log.update().values())

            messages = warm_tasks + pub["tasks"]
            wait_until(lambda: ran() >= messages, ran)
            ran_before = ran()
            sample = random.sample(range(warmup, expected), min(a.dup_sample, events))
            send({"indices": sample})
            resent_tasks = published()["tasks"]
            publisher.stdin.close()
            publisher.wait(timeout=30)
            self.children.remove(publisher)
            wait_until(lambda: ran() >= ran_before + resent_tasks, ran)
            counts = log.update().copy()
            worker_rc = self.stop_worker()  # warm: running tasks finish and are acknowledged
            left = self.queue_info()
            rows_after_dup = recorded()
            self.delete_queue()
        finally:
            db.close()
        return {
            "batch": batch,
            "warmup": warmup,
            "count": events,
            "rows": rows - warmup,
            "seconds": seconds,
            "rate": (rows - warmup) / seconds if seconds > 0 else 0.0,  # recorded ones
            "cpu": sampler.result,
            "sessions": sessions,
            "publish": pub,
            "messages": messages,
            "resent": len(sample),
            "resent_tasks": resent_tasks,
            "ran_before_resend": ran_before,
            "ran": counts[b"] succeeded in "] + counts[b" raised unexpected"],
            "task_errors": counts[b" raised unexpected"],
            "rows_after_resend": rows_after_dup - warmup,
            "left_in_queue": None if left is None else left[0],
            "worker_rc": worker_rc,
        }

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
            sampler = CpuSampler(app_pids=list, pg_pids=lambda: [conn.info.backend_pid])
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
        skip = a.skip
        tag = f"{random.randrange(16**4):04X}"  # distinct ids per run
        http = {"B", "C", "D"} - skip
        print(
            f"webhook ingest bench: {os.cpu_count()} CPUs, load average "
            f"{os.getloadavg()[0]:.2f}; gunicorn {a.workers} x {a.worker_class}"
            + (f" ({a.threads} threads)" if a.worker_class == "gthread" else "")
            + f" on 127.0.0.1:{self.port}; {a.connections} connections; "
            f"{a.warmup:g} s warm-up + {a.seconds:g} s per phase; Celery worker "
            f"{a.celery_pool} x {a.celery_concurrency}, {a.tasks} events in E, "
            f"{a.batched_events} in F ({a.batch} a task)"
            + (f"; skipping {', '.join(sorted(skip))}" if skip else ""),
            flush=True,
        )
        self.create_database()
        device = self.helper("--_setup")
        print("  database migrated, device created", flush=True)
        res: dict[str, dict] = {}
        if "A" not in skip:
            print("  A1 PostgreSQL executemany...", flush=True)
            res["A1"] = self.baseline_inserts(device, method="executemany", tag=tag + "A")
            print("  A2 PostgreSQL COPY...", flush=True)
            res["A2"] = self.baseline_inserts(device, method="copy", tag=tag + "C")
        hook = {
            "path": WEBHOOK_PATH,
            "tag": tag,
            "jid": device["jid"],
            "session_id": device["session_id"],
            "secret": device["secret"],
        }
        if http:
            self.start_server()
            db = self.db()
            try:
                pg, master = self.pg_pids(db), self.server.pid
                base = {"connections": a.connections, "warmup": a.warmup, "seconds": a.seconds}

                def phase(key: str, spec: dict) -> None:
                    sampler = CpuSampler(app_pids=lambda: children_of(master), pg_pids=pg)
                    res[key] = self.loadgen({**base, **spec}, sampler)
                    res[key]["cpu"] = sampler.result
                    res[key]["rows"] = db.execute(
                        "SELECT count(*) FROM devices_upstreamevent"
                    ).fetchone()[0]

                if "B" in http:
                    print("  B GET /healthz...", flush=True)
                    phase("B", {"mode": "get", "path": "/healthz"})
                if "C" in http:
                    print("  C POST webhooks...", flush=True)
                    phase("C", {**hook, "mode": "webhook", "start_index": 0})
                if "D" in http:
                    failed = set(res["C"]["failed"])
                    pool = [i for i in range(res["C"]["next_index"]) if i not in failed]
                    sample = random.sample(pool, min(a.dup_sample, len(pool)))
                    print(f"  D re-sending {len(sample)} bodies...", flush=True)
                    phase("D", {**hook, "mode": "replay", "replay": sample, "warmup": 0,
                                "seconds": 0})  # fmt: skip
                    res["D"]["resent"] = len(sample)
            finally:
                db.close()
            self.stop_server()
        if "E" not in skip:
            print(
                f"  E {a.tasks} Celery tasks ({a.celery_pool} x {a.celery_concurrency})...",
                flush=True,
            )
            res["E"] = self.celery_tasks(device, tag=tag + "E", batch=0, events=a.tasks)
        if "F" not in skip:
            print(
                f"  F {a.batched_events} events in Celery tasks of {a.batch} "
                f"({a.celery_pool} x {a.celery_concurrency})...",
                flush=True,
            )
            res["F"] = self.celery_tasks(
                device, tag=tag + "F", batch=a.batch, events=a.batched_events
            )
        sql = None
        if "SQL" not in skip:
            print("  SQL trace of single requests (in-process WSGI)...", flush=True)
            sql = self.helper(
                "--_sql",
                {**hook, "start_index": 10_000_000, "rounds": 300},
            )
        return report(a, res, sql)


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


def report(a: argparse.Namespace, res: dict[str, dict], sql: dict | None) -> int:
    def rate(r: dict) -> float:
        return r["window_requests"] / r["window_seconds"] if r["window_seconds"] else 0.0

    def http_row(name: str, r: dict) -> tuple:
        cpu = r["cpu"]
        return (name, r["window_requests"], r["window_seconds"], rate(r), r["p50_ms"],
                r["p99_ms"], cpu, cpu["app"], r["cpu_seconds"], r["cpu_seconds"])  # fmt: skip

    def db_row(name: str, r: dict) -> tuple:
        cpu = r["cpu"]
        return (name, r["count"], r["seconds"], r["rate"], r["p50_ms"], r["p99_ms"], cpu,
                None, r["client_cpu"], cpu["self"])  # fmt: skip

    a1, a2, b, c, d, e, f = (res.get(key) for key in ("A1", "A2", "B", "C", "D", "E", "F"))
    # The Celery phases, each with its row name.
    celery = [(key, r, name) for key, r, name in (
        ("E", e, "E  Celery task per event"),
        ("F", f, f"F  Celery task per {a.batch} events"),
    ) if r]  # fmt: skip
    rows = []
    if a1 and a2:
        rows += [db_row("A1 PG executemany, 1000 rows/tx", a1),
                 db_row("A2 PG COPY, 1000 rows/tx", a2)]  # fmt: skip
    for r, name in ((b, "B  GET /healthz (no DB)"), (c, "C  POST webhook, new events"),
                    (d, "D  POST webhook, duplicates")):  # fmt: skip
        if r:
            rows.append(http_row(name, r))
    for _, r, name in celery:
        publisher_cpu = r["publish"]["cpu_seconds"]
        rows.append((name, r["rows"], r["seconds"], r["rate"], None, None,
                     r["cpu"], r["cpu"]["app"], publisher_cpu, publisher_cpu))  # fmt: skip
    ncpu = os.cpu_count() or 1
    print()
    header = (
        f"{'phase':<33}{'count':>8}{'seconds':>8}{'rate/s':>9}{'p50 ms':>8}{'p99 ms':>8}"
        f"{'busy':>6}{'others':>7}{'app':>7}{'pg':>7}{'client':>7}"
    )
    print(f"{'':<82}{'CPU %':^13}{'CPU ms per op':^21}")
    print(header)
    print("-" * len(header))
    noisy = []
    for name, n, seconds, r, p50, p99, cpu, app, client_op, client_all in rows:
        capacity = cpu["seconds"] * ncpu
        ours = cpu["pg"] + (app or 0.0) + client_all + cpu.get("broker", 0.0)
        if (cpu["busy"] - ours) / capacity > NOISY_SHARE:
            noisy.append(name.split()[0])
        per_op = 1000 / n if n else float("nan")  # ms per operation
        app_op = "-" if app is None else f"{app * per_op:.2f}"
        print(
            f"{name:<33}{n:>8}{seconds:>8.2f}{r:>9.0f}{_fmt(p50):>8}{_fmt(p99):>8}"
            f"{100 * cpu['busy'] / capacity:>6.0f}{100 * (cpu['busy'] - ours) / capacity:>7.0f}"
            f"{app_op:>7}{cpu['pg'] * per_op:>7.3f}{client_op * per_op:>7.3f}"
        )
    print(
        "count, seconds, rate: the measured window only (A: rows, time inside the database "
        "calls;\n  p50/p99 of A: per 1000-row batch; B-D: requests completed in the window, "
        f"closed loop, {a.connections} in flight;\n  E/F: events published at once, from the "
        "first publish to the last event recorded;\n  ms per op in E/F: per event).\n"
        f"CPU busy: the whole machine ({ncpu} CPUs = 100%); others: busy time not charged to "
        "the processes below\n  nor, in E/F, to RabbitMQ (other work on the machine, interrupt "
        "handling): when it is high,\n  the rates are low.\n"
        "CPU ms per op: app = gunicorn workers (B-D) or the Celery worker, pool included (E/F); "
        "pg = the bench\n  database's PostgreSQL processes (backends, WAL writer, bgwriter, "
        "checkpointer); client = A: psycopg\n  inside the calls, B-D: the load generator, "
        "E/F: the publisher while publishing."
    )
    if noisy:
        print(
            f"NOTE: other work took more than {NOISY_SHARE:.0%} of the CPU during "
            f"{', '.join(noisy)}: those rates are understated; rerun on a quiet machine."
        )
    for key, r, _ in celery:
        pub = r["publish"]
        print(
            f"{key} publish: {pub['tasks']} apply_async calls for {pub['count']} events in "
            f"{pub['seconds']:.2f} s = {pub['count'] / pub['seconds']:.0f} events/s from one "
            f"process; the last event was\n  recorded {r['seconds'] - pub['seconds']:.2f} s "
            f"after the last publish. RabbitMQ (beam.smp, in no column above): "
            f"{r['cpu']['broker'] * 1000 / max(r['rows'], 1):.3f} CPU ms per event.\n"
            f"  {r['sessions']} PostgreSQL sessions opened for {pub['tasks']} tasks (Celery's "
            "Django fix-up closes the\n  database connection around each task unless "
            "CELERY_DB_REUSE_MAX is set)."
        )

    print()
    baselines = []
    if a1 and a2:
        baselines += [("A1 executemany", a1["rate"]), ("A2 COPY", a2["rate"])]
    if b:
        baselines.append(("B /healthz", rate(b)))
    if e:
        baselines.append(("E Celery task", e["rate"]))
        print(f"one Celery task per event (E) = {e['rate']:.0f} events/s")
    if f:
        baselines.append((f"F tasks of {a.batch}", f["rate"]))
        print(
            f"one Celery task per {a.batch} events (F, the listener's path) = "
            f"{f['rate']:.0f} events/s"
        )
    if c:
        rc = rate(c)
        print(f"measured path C = {rc:.0f} events/s")
        for name, base in baselines:
            if base and rc:
                print(f"  C / {name:<15} = {rc / base:6.3f}   ({name} is {base / rc:.1f}x C)")

    print()
    checks = []
    if c:
        accepted = c["answers"].get("recorded", 0)
        checks.append((
            "C no loss, no duplicates",
            c["rows"] == accepted and c["unknown"] == 0 and accepted == c["sent"],
            f"{c['sent']} sent, {accepted} answered recorded, {c['rows']} UpstreamEvent rows, "
            f"other statuses {({k: v for k, v in c['status'].items() if k != '200'}) or 'none'}, "
            f"{c['unknown']} unanswered",
        ))  # fmt: skip
    if d:
        checks.append((
            "D duplicates answered duplicate",
            d["answers"].get("duplicate", 0) == d["resent"] and d["rows"] == c["rows"],
            f"{d['resent']} re-sent, {d['answers'].get('duplicate', 0)} answered duplicate, "
            f"rows {c['rows']} -> {d['rows']}",
        ))  # fmt: skip
    if a1 and a2:
        checks.append((
            "A rows stored",
            a1["stored"] == a1["inserted"] and a2["stored"] == a2["inserted"],
            f"executemany {a1['stored']}/{a1['inserted']}, COPY {a2['stored']}/{a2['inserted']}",
        ))  # fmt: skip
    for key, r, _ in celery:
        reran = r["ran"] - r["ran_before_resend"]
        checks += [
            (
                f"{key} no loss, no duplicates",
                r["publish"]["count"] == r["count"] == r["rows"] and r["task_errors"] == 0,
                f"{r['publish']['count']} published, {r['rows']} UpstreamEvent rows "
                f"(+{r['warmup']} warm-up), {r['ran_before_resend']} task runs for "
                f"{r['messages']} messages, {r['task_errors']} task errors",
            ),
            (
                f"{key} re-published events add no row",
                reran == r["resent_tasks"]
                and r["rows_after_resend"] == r["rows"]
                and r["left_in_queue"] == 0,
                f"{r['resent']} re-published in {r['resent_tasks']} tasks, {reran} ran, rows "
                f"{r['rows']} -> {r['rows_after_resend']}, {r['left_in_queue']} messages left "
                f"in the queue after the worker's warm shutdown (exit status {r['worker_rc']})",
            ),
        ]
    for name, ok, detail in checks:
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")
    opened = [f"{key} {r['connections']}" for key, r in (("B", b), ("C", c), ("D", d)) if r]
    if opened:
        print(
            f"     connections opened: {', '.join(opened)}"
            + (" (sync workers close after every response)" if a.worker_class == "sync" else "")
        )

    if sql:
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
    parser.add_argument(
        "--tasks",
        type=int,
        default=10_000,
        help="events published as Celery tasks, one each, in phase E (default 10000)",
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=200,
        help="events per task in phase F (default 200, the listener's --batch-size)",
    )
    parser.add_argument(
        "--batched-events",
        type=int,
        default=50_000,
        help="events published in phase F (default 50000: at F's rate, E's 10000 would be "
        "recorded in about a second, too short a window to measure)",
    )
    parser.add_argument(
        "--celery-pool",
        choices=["prefork", "threads", "solo"],
        default="prefork",
        help="Celery worker pool in phases E and F (default prefork, as the image runs it)",
    )
    parser.add_argument(
        "--celery-concurrency",
        type=int,
        default=2,
        help="Celery pool size in phases E and F (default 2: Celery's default, one per CPU)",
    )
    parser.add_argument(
        "--skip",
        type=_phases,
        default=set(),
        metavar="PHASES",
        help=f"phases not to run, comma-separated, of {','.join(PHASES)} "
        "(skipping C skips D, which re-sends C's bodies); e.g. --skip A,B,SQL",
    )
    # Internal modes: the child processes this script starts.
    for hidden in ("--_loadgen", "--_setup", "--_sql", "--_publish"):
        parser.add_argument(hidden, action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if min(args.tasks, args.batch, args.batched_events, args.celery_concurrency) < 1:
        parser.error(
            "--tasks, --batch, --batched-events and --celery-concurrency must be at least 1"
        )
    return args


PHASES = ("A", "B", "C", "D", "E", "F", "SQL")


def _phases(value: str) -> set[str]:
    chosen = {p.strip().upper() for p in value.split(",") if p.strip()}
    unknown = chosen - set(PHASES)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown phase(s) {', '.join(sorted(unknown))}")
    return chosen | ({"D"} if "C" in chosen else set())


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
    if args._publish:
        publish_main()
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
