"""CPU time from /proc: of processes, of PostgreSQL's ended backends, of the whole machine.

A `CpuSampler` takes two snapshots, at the start and end of a measured window, of the
application processes, the bench database's PostgreSQL processes, optionally the broker, and
the whole machine; the report turns them into CPU per operation and into the share of the
machine other work took (`others`).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable

CLK_TCK = os.sysconf("SC_CLK_TCK")
PidSource = Callable[[], list[int]]


def _stat_fields(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()  # after "(comm)", which may hold spaces


def proc_cpu_seconds(pid: int, *, reaped: bool = False) -> float:
    """utime + stime of one process (all its threads), 0 when it is gone; with `reaped`, the
    same of its children that ended and were waited for (cutime + cstime)."""
    try:
        fields = _stat_fields(pid)
    except OSError:
        return 0.0
    first = 13 if reaped else 11
    return (int(fields[first]) + int(fields[first + 1])) / CLK_TCK


def parent_of(pid: int) -> int:
    return int(_stat_fields(pid)[1])


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                if int(_stat_fields(int(entry))[1]) == pid:
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


def broker_pids() -> list[int]:
    """RabbitMQ's Erlang VM: the whole broker, so other users of it count too."""
    return pids_named("beam.smp")


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy (all CPUs; not idle, iowait or steal)."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq = values[:7]
    return (user + nice + system + irq + softirq) / CLK_TCK


def _nobody() -> list[int]:
    return []


class CpuSampler:
    """CPU seconds spent between `start()` and `stop()` by the application processes, the
    bench database's PostgreSQL processes, the broker and the whole machine.

    The pid sources are called at both ends: a process that appeared in between counts from
    zero. With the postmaster's pid, backends that ended within the window count too (CPU of
    its reaped children, of any database: other work on the server inflates it).
    """

    def __init__(
        self,
        *,
        app_pids: PidSource = _nobody,
        pg_pids: PidSource = _nobody,
        broker_pids: PidSource = _nobody,
        postmaster: int | None = None,
    ) -> None:
        self.sources = {"app": app_pids, "pg": pg_pids, "broker": broker_pids}
        self.postmaster = postmaster
        self.result: dict[str, float] = {}

    def _snapshot(self) -> dict:
        snap: dict = {
            group: {pid: proc_cpu_seconds(pid) for pid in source()}
            for group, source in self.sources.items()
        }
        ended = proc_cpu_seconds(self.postmaster, reaped=True) if self.postmaster else 0.0
        snap.update(
            pg_ended=ended,
            machine=machine_busy_seconds(),
            own=time.process_time(),
            t=time.perf_counter(),
        )
        return snap

    def start(self) -> None:
        self._start = self._snapshot()

    def stop(self) -> dict[str, float]:
        end, start = self._snapshot(), self._start

        def delta(group: str) -> float:
            return sum(cpu - start[group].get(pid, 0.0) for pid, cpu in end[group].items())

        self.result = {
            "app": delta("app"),
            "pg": delta("pg") + end["pg_ended"] - start["pg_ended"],
            "broker": delta("broker"),
            "busy": end["machine"] - start["machine"],
            "self": end["own"] - start["own"],  # the bench's own process
            "seconds": end["t"] - start["t"],
        }
        return self.result
