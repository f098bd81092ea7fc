"""Phases E and F: the same events published over RabbitMQ to a real Celery worker.

E (`batch` 0): one task per event (`bench.ingest.baseline_tasks`, loaded by the worker with
`--include`); F: the listener's own task, `batch` envelopes a task. Each phase starts from an
empty `devices_upstreamevent` and a new worker on a queue of the run's own; warms every pool
process up, unmeasured; publishes `events` at once from one helper process; measures from the
first publish to the last row's `received_at`; then publishes a sample again (every task must
run, no row may be added), stops the worker warm (late acks: a message not finished would go
back to the queue) and checks the queue is empty, and deletes it.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from typing import Any

from bench.harness.celery_worker import TASK_FAILED, TASK_SUCCEEDED, CeleryWorker
from bench.harness.cpu import CpuSampler, broker_pids
from bench.harness.database import ThrowawayDatabase
from bench.harness.run import BenchRun

MIN_WARMUP = 200  # events recorded, unmeasured, before the measured ones (F: two batches each)
STALL_SECONDS = 30.0  # waiting ends when nothing moves for this long
TABLE = "devices_upstreamevent"
BASELINE_TASKS = "bench.ingest.baseline_tasks"


class Publisher:
    """The helper process publishing the tasks (`django_helpers.publish`)."""

    def __init__(self, run: BenchRun, setup: dict) -> None:
        self.procs = run.procs
        with open(run.tmp / "publisher.log", "w") as errors:
            self.proc = self.procs.start_helper(
                "bench.ingest.django_helpers:publish", django=True, stderr=errors
            )
        self.send(setup)

    def send(self, ask: dict) -> None:
        self.proc.stdin.write(json.dumps(ask) + "\n")
        self.proc.stdin.flush()

    def published(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            raise RuntimeError(
                f"publisher failed ({self.proc.returncode}):\n"
                f"{self.procs.log_tail('publisher.log')}"
            )
        return json.loads(line)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.procs.forget(self.proc)


def wait_until(
    done: Callable[[], bool], progress: Callable[[], Any], alive: Callable[[], bool]
) -> None:
    """Until `done()`, `alive()` turns false, or `progress()` stays put STALL_SECONDS."""
    last, moved = progress(), time.monotonic()
    while not done() and alive():
        time.sleep(0.1)
        now = progress()
        if now != last:
            last, moved = now, time.monotonic()
        elif time.monotonic() - moved > STALL_SECONDS:
            return


def celery_phase(
    run: BenchRun,
    db: ThrowawayDatabase,
    device: dict,
    *,
    args: argparse.Namespace,
    tag: str,
    batch: int,
    events: int,
) -> dict[str, Any]:
    warmup = max(MIN_WARMUP, 2 * batch * args.celery_concurrency)
    conn = db.connect()
    worker = CeleryWorker(
        run.procs,
        name="ingest",
        pool=args.celery_pool,
        concurrency=args.celery_concurrency,
        include=[BASELINE_TASKS],
    )
    run.on_close(f"celery worker stopped, queue {worker.queue} deleted", worker.close)
    try:
        # From an empty table, as C started: C's rows would only slow the count below.
        conn.execute(f"TRUNCATE {TABLE} CASCADE")
        worker.start()
        log = worker.task_log()
        publisher = Publisher(run, {"queue": worker.queue, "tag": tag, "batch": batch, **device})

        def recorded() -> int:
            return db.count(conn, TABLE, "source = 'websocket'")

        publisher.send({"start": 0, "count": warmup})  # connections, imports, caches
        warm_tasks = publisher.published()["tasks"]
        wait_until(lambda: recorded() >= warmup, recorded, worker.running)
        if recorded() != warmup:
            raise RuntimeError(
                f"the worker recorded {recorded()} of {warmup} warm-up events:\n"
                f"{run.procs.log_tail(worker.log_name)}"
            )
        expected = warmup + events
        sampler = CpuSampler(
            app_pids=worker.pids,
            pg_pids=db.worker_pids(conn),
            broker_pids=broker_pids,
            # Backends that ended in the window count too (a session per task, if it came to that).
            postmaster=db.postmaster_pid(conn),
        )
        sessions_before = db.sessions(conn)
        sampler.start()
        publisher.send({"start": warmup, "count": events})
        wait_until(lambda: recorded() >= expected, recorded, worker.running)
        sampler.stop()
        sessions = db.sessions(conn) - sessions_before
        pub = publisher.published()
        rows = recorded()
        last = conn.execute(
            f"SELECT extract(epoch FROM max(received_at))::float8 FROM {TABLE}"  # noqa: S608
        ).fetchone()[0]
        # To the last event recorded: its received_at is taken just before the insert.
        seconds = last - pub["first_publish"]
        messages = warm_tasks + pub["tasks"]
        wait_until(lambda: log.total() >= messages, log.total, worker.running)
        ran_before = log.total()  # tasks finished, by the worker's log (a row comes first)
        sample = random.sample(range(warmup, expected), min(args.dup_sample, events))
        publisher.send({"indices": sample})
        resent_tasks = publisher.published()["tasks"]
        publisher.close()
        wait_until(lambda: log.total() >= ran_before + resent_tasks, log.total, worker.running)
        counts = log.update().copy()
        worker_rc = worker.stop()  # warm: running tasks finish and are acknowledged
        left = worker.queue_info()
        rows_after_resend = recorded()
        worker.delete_queue()
    finally:
        conn.close()
    return {
        "batch": batch,
        "warmup": warmup,
        "count": events,
        "rows": rows - warmup,
        "seconds": seconds,
        "rate": (rows - warmup) / seconds if seconds > 0 else 0.0,
        "cpu": sampler.result,
        "sessions": sessions,
        "publish": pub,
        "messages": messages,
        "resent": len(sample),
        "resent_tasks": resent_tasks,
        "ran_before_resend": ran_before,
        "ran": counts[TASK_SUCCEEDED] + counts[TASK_FAILED],
        "task_errors": counts[TASK_FAILED],
        "rows_after_resend": rows_after_resend - warmup,
        "left_in_queue": None if left is None else left[0],
        "worker_rc": worker_rc,
    }
