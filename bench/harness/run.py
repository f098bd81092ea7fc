"""One benchmark run: its scratch folder, its children, and the undoing of all it started.

    def body(run: BenchRun) -> int:
        db = run.database("bench_x")            # created now, dropped at the end
        procs = run.start_processes(production_env(database=db.name))
        ...
        return report.exit_status()

    sys.exit(run_main("x", body))

`run_main` turns Ctrl-C and SIGTERM into the same clean-up as a normal end or a failure: what
was registered with `on_close` is undone in reverse order, each step reported, every step tried
even when one fails.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .database import ThrowawayDatabase
from .processes import Processes


def say(text: str) -> None:
    """A line of progress output, at once."""
    print(f"  {text}", flush=True)


class BenchRun:
    def __init__(self, name: str) -> None:
        self.name = name
        self.tmp = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))  # logs of the children
        self.procs: Processes | None = None
        self._undo: list[tuple[str, Callable[[], Any]]] = []

    def on_close(self, what: str, action: Callable[[], Any]) -> None:
        """Undo with `action()` at the end, saying `what` unless it returns False."""
        self._undo.append((what, action))

    def database(self, name: str) -> ThrowawayDatabase:
        """A new database `name` (see `ThrowawayDatabase`), dropped at the end."""
        db = ThrowawayDatabase(name)
        self.on_close(f"database {name} dropped", db.drop)
        db.create()
        return db

    def start_processes(self, env: dict[str, str]) -> Processes:
        """The run's children, with `env`; any left running at the end are killed (after the
        graceful stops registered later, which run first)."""
        self.procs = Processes(env=env, logs=self.tmp)
        self.on_close("leftover children killed", self.procs.close)
        return self.procs

    def close(self) -> list[str]:
        done = []
        while self._undo:
            what, action = self._undo.pop()
            try:
                if action() is not False:
                    done.append(what)
            except Exception as exc:  # say so, and go on cleaning up
                done.append(f"NOT {what}: {exc!r}")
        shutil.rmtree(self.tmp, ignore_errors=True)
        return done


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def run_main(name: str, body: Callable[[BenchRun], int]) -> int:
    """Run `body` and clean up after it on any exit; the exit status: `body`'s, 1 on a failure
    (a RuntimeError prints its message only), 130 when interrupted."""
    # Ctrl-C and SIGTERM both end in the clean-up (even when started with SIGINT ignored).
    signal.signal(signal.SIGINT, _raise_interrupt)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    run = BenchRun(name)
    try:
        return body(run)
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
        done = run.close()
        if done:
            print(f"cleaned up: {', '.join(done)}", file=sys.stderr)


def machine_line() -> str:
    """CPUs and load average, for a benchmark's first line."""
    return f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
