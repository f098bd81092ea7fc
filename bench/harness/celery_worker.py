"""A Celery worker as production runs one, on a queue of the run's own.

docker-compose.yml runs `celery -A config worker --loglevel INFO` with production settings; the
bench adds only what keeps it to itself on a shared broker: `--queues` (a queue of the run's own,
`bench-<name>-<random>`; production settings do not read `CELERY_TASK_DEFAULT_QUEUE`, so a
publisher passes `queue=`), its own `--hostname`, no gossip, mingle or heartbeat (no event
traffic with other workers), and `--include` for task modules of the bench's own (baselines
that are not the product's tasks). The pool and its size are the bench's choice.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .cpu import children_of
from .environment import BROKER_URL
from .processes import Processes

# Lines the worker logs at INFO when a task ends.
TASK_SUCCEEDED = b"] succeeded in "
TASK_FAILED = b" raised unexpected"


def broker_call(call: Callable[[Any], Any]) -> Any:
    """`call(channel)` on a fresh AMQP connection to the broker."""
    from kombu import Connection

    with Connection(BROKER_URL, connect_timeout=5) as conn:
        channel = conn.channel()
        try:
            return call(channel)
        finally:
            with contextlib.suppress(Exception):
                channel.close()


class CeleryWorker:
    def __init__(
        self,
        procs: Processes,
        *,
        name: str,
        pool: str = "prefork",
        concurrency: int = 2,
        include: Iterable[str] = (),
        log_name: str = "celery.log",
    ) -> None:
        self.procs = procs
        self.queue = f"bench-{name}-{secrets.token_hex(6)}"
        self.log_name = log_name
        self.cmd = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--loglevel",
            "INFO",
            "--pool",
            pool,
            "--concurrency",
            str(concurrency),
            "--queues",
            self.queue,
            "--hostname",
            f"{self.queue}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        for module in include:
            self.cmd += ["--include", module]
        self.proc = None
        self.queue_declared = False

    @property
    def log_path(self) -> Path:
        return self.procs.logs / self.log_name

    def start(self) -> None:
        """Start it and wait until it consumes the run's queue."""
        self.queue_declared = True  # by the worker, as it starts
        self.proc = self.procs.spawn(self.cmd, self.log_name)

        def consuming() -> bool:
            info = self.queue_info()
            return info is not None and info[1] >= 1

        self.procs.wait_ready(
            self.proc, self.log_name, f"celery worker (consuming {self.queue})", consuming
        )

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def pids(self) -> list[int]:
        """The main process and its pool."""
        return [] if self.proc is None else [self.proc.pid, *children_of(self.proc.pid)]

    def stop(self, *, cold: bool = False) -> int | None:
        """Warm shutdown (SIGTERM: running tasks finish; late-acked messages not started go
        back to the queue), or cold (SIGQUIT: at once). Its exit status; None if not running."""
        if self.proc is None:
            return None
        proc, self.proc = self.proc, None
        status = self.procs.stop(
            proc, signal.SIGQUIT if cold else signal.SIGTERM, 5 if cold else 60
        )
        # Pool processes that outlived a master killed outright are still in its group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        return status

    def queue_info(self) -> tuple[int, int] | None:
        """(messages ready, consumers) of the run's queue; None when it does not exist."""
        from amqp.exceptions import NotFound

        try:
            ok = broker_call(lambda ch: ch.queue_declare(queue=self.queue, passive=True))
        except NotFound:
            return None
        return ok.message_count, ok.consumer_count

    def delete_queue(self) -> bool:
        """The queue, and the direct exchange of the same name Celery declared for it."""
        if not self.queue_declared:
            return False

        def delete(channel: Any) -> None:
            channel.queue_delete(queue=self.queue)
            channel.exchange_delete(exchange=self.queue)

        broker_call(delete)
        self.queue_declared = False
        return True

    def close(self) -> bool:
        """For the run's clean-up: a cold stop if running, then the queue deleted."""
        stopped = self.stop(cold=True) is not None
        return self.delete_queue() or stopped

    def task_log(self) -> LogCounter:
        """Counts of tasks ended (succeeded, failed) in the worker's log, read as it grows."""
        return LogCounter(self.log_path, [TASK_SUCCEEDED, TASK_FAILED])


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

    def total(self) -> int:
        return sum(self.update().values())
