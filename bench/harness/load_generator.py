"""A concurrent HTTP load generator with latency percentiles, in a process of its own.

`run_load(procs, spec, sampler)` starts it, samples CPU over its measured window and returns its
result. The spec (JSON) says:

- `host`, `port`; `connections`: requests in flight at most;
- `warmup` seconds unmeasured, then `seconds` measured (None: until the source runs out);
- `rate`: None for a closed loop (every connection sends its next request as soon as the last
  one is answered: latency includes queueing, the rate is the server's capacity), or requests
  per second for an open loop (request i is due at start + i / rate; its latency counts from
  when it was due, so a server falling behind shows in it instead of slowing the schedule);
- `source`: "module:Class" making the requests, built with the whole spec: its `next()` gives
  (key, request bytes) or None when it has no more, and its optional `answer(status, body)`
  names the outcome of a response (default: the status code). `GetRequests` here sends one GET
  (`path`) again and again.

The result: requests answered in the window and its length, p50/p90/p99/max latency, how many
were sent, statuses and answers, requests whose connection broke before an answer (`unknown`),
the keys of those not answered 2xx (`failed`), connections opened, and the generator's own CPU
seconds in the window. Requests in flight at the end are drained and counted there but not in
the rate. The child prints "WARM" and "END" as the window opens and closes, then the result.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import sys
import time
from typing import Any

from .cpu import CpuSampler
from .http_connection import HttpConnection, http_request
from .processes import Processes

CONNECT_GIVE_UP = 10.0  # seconds of refused connections after which a client slot stops


def percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    rank = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[rank]


class GetRequests:
    """The same GET of `spec["path"]` for every request."""

    def __init__(self, spec: dict[str, Any]) -> None:
        host = f"{spec['host']}:{spec['port']}"
        headers = {"User-Agent": "bench", "Accept": "*/*"}
        self.data = http_request("GET", spec["path"], host=host, headers=headers)

    def next(self) -> tuple[int, bytes]:
        return -1, self.data


def _load_source(spec: dict[str, Any]) -> Any:
    module, _, name = spec.get("source", f"{__name__}:GetRequests").partition(":")
    return getattr(importlib.import_module(module), name)(spec)


class _LoadState:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.source = _load_source(spec)
        self.answer = getattr(self.source, "answer", lambda status, body: str(status))
        self.started = time.perf_counter()
        self.warm_end = self.started + spec["warmup"]
        self.end = self.warm_end + spec["seconds"] if spec.get("seconds") else float("inf")
        self.rate = spec.get("rate")
        self.latencies: list[float] = []
        self.status: dict[str, int] = {}
        self.answers: dict[str, int] = {}
        self.failed: list[int] = []
        self.unknown = self.sent = self.tickets = self.connections = self.connect_errors = 0

    def record(self, key: int, started: float, finished: float, status: int, body: bytes) -> None:
        self.status[str(status)] = self.status.get(str(status), 0) + 1
        answer = self.answer(status, body)
        self.answers[answer] = self.answers.get(answer, 0) + 1
        if not 200 <= status < 300:
            self.failed.append(key)
        if self.warm_end <= finished <= self.end:
            self.latencies.append(finished - started)


async def _connect(state: _LoadState, spec: dict[str, Any]) -> HttpConnection | None:
    """A new connection, retried until the window ends or for CONNECT_GIVE_UP s (then None)."""
    loop = asyncio.get_running_loop()
    give_up = time.perf_counter() + CONNECT_GIVE_UP
    while time.perf_counter() < min(state.end, give_up):
        try:
            _, conn = await loop.create_connection(
                lambda: HttpConnection(loop), spec["host"], spec["port"]
            )
        except OSError:
            state.connect_errors += 1
            await asyncio.sleep(0.01)
            continue
        state.connections += 1
        return conn
    return None


async def _client_slot(state: _LoadState, spec: dict[str, Any]) -> None:
    conn: HttpConnection | None = None
    while time.perf_counter() < state.end:
        due = None
        if state.rate:  # open loop: wait until the next request is due, and time it from then
            state.tickets += 1
            due = state.started + (state.tickets - 1) / state.rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
        if conn is None or conn.closed:
            # Connecting only now: a sync gunicorn worker would sit on an idle connection.
            conn = await _connect(state, spec)
            if conn is None:
                break
        item = state.source.next()  # taken only when it goes out: `sent` counts them all
        if item is None:
            break
        key, data = item
        state.sent += 1
        started = time.perf_counter() if due is None else due
        try:
            status, body, close = await conn.request(data)
        except ConnectionError:
            # Sent, but no answer: the outcome is unknown (a write may or may not have happened).
            state.unknown += 1
            state.failed.append(key)
            conn = None
            continue
        state.record(key, started, time.perf_counter(), status, body)
        if close:
            conn.close()
            conn = None
    if conn is not None:
        conn.close()


async def _generate(spec: dict[str, Any]) -> dict[str, Any]:
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
    await asyncio.gather(*(_client_slot(state, spec) for _ in range(spec["connections"])))
    if state.end == float("inf"):  # until the source ran out: the window ends now
        await marker
        state.end = time.perf_counter()
        cpu["end"] = time.process_time()
        print("END", flush=True)
    latencies = sorted(state.latencies)
    window = state.end - state.warm_end
    ms = {q: percentile(latencies, q) for q in (0.5, 0.9, 0.99, 1.0)}
    return {
        "window_requests": len(latencies),
        "window_seconds": window,
        "rate": len(latencies) / window if window > 0 else 0.0,
        **{f"p{round(q * 100)}_ms": None if v is None else v * 1000 for q, v in ms.items()},
        "sent": state.sent,
        "status": state.status,
        "answers": state.answers,
        "unknown": state.unknown,
        "failed": state.failed[:100_000],
        "connections": state.connections,
        "connect_errors": state.connect_errors,
        "cpu_seconds": cpu.get("end", 0.0) - cpu.get("start", 0.0),
    }


def serve(spec: dict[str, Any]) -> dict[str, Any] | None:
    """In the child (`bench.harness.child`): generate the load, return the result."""
    sys.stdin.close()
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(_generate(spec))
    return None


def run_load(procs: Processes, spec: dict[str, Any], sampler: CpuSampler) -> dict[str, Any]:
    """Generate the load of `spec` from a new process; `sampler` runs over its window."""
    spec = {"host": "127.0.0.1", **spec}
    proc = procs.start_helper(f"{__name__}:serve")
    proc.stdin.write(json.dumps(spec) + "\n")
    proc.stdin.close()
    for mark, action in (("WARM", sampler.start), ("END", sampler.stop)):
        line = proc.stdout.readline().strip()
        if line != mark:
            err = proc.stderr.read()
            raise RuntimeError(f"load generator: expected {mark}, got {line!r}\n{err[-3000:]}")
        action()
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.wait()
    procs.forget(proc)
    if proc.returncode != 0 or not out.strip():
        raise RuntimeError(f"load generator failed ({proc.returncode}):\n{err[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result["cpu"] = sampler.result
    return result
