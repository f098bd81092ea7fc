"""The processes a benchmark starts: long-running ones with a log file each, and helpers.

Every child gets a session of its own, so Ctrl-C reaches the bench only and the bench decides
how each child stops; `close()` kills the process group of any still running. Helpers are
`bench.harness.child` running one function of the bench (see there), spoken to over stdin and
stdout, with or without Django set up.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .environment import ROOT


class Processes:
    """Children of one run, all with the environment `env` and logs in the folder `logs`."""

    def __init__(self, *, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.running: list[subprocess.Popen] = []

    def spawn(self, cmd: list[str], log_name: str) -> subprocess.Popen:
        """A long-running child, stdout and stderr to `log_name` in the logs folder."""
        with open(self.logs / log_name, "w") as log:  # the child keeps its own descriptor
            proc = subprocess.Popen(
                cmd,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.running.append(proc)
        return proc

    def start_helper(
        self, target: str, *, django: bool = False, stderr: Any = subprocess.PIPE
    ) -> subprocess.Popen:
        """`target` ("module:function") in a helper process; stdin and stdout are pipes."""
        cmd = [sys.executable, "-m", "bench.harness.child", target]
        proc = subprocess.Popen(
            [*cmd, "--django"] if django else cmd,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            start_new_session=True,
        )
        self.running.append(proc)
        return proc

    def call_helper(self, target: str, spec: dict | None = None, *, django: bool = False) -> Any:
        """Run `target(spec)` in a helper process and return what it returned."""
        proc = self.start_helper(target, django=django)
        out, err = proc.communicate(json.dumps(spec or {}) + "\n")
        self.forget(proc)
        if proc.returncode != 0 or not out.strip():
            raise RuntimeError(f"{target} failed ({proc.returncode}):\n{err[-3000:]}")
        return json.loads(out.strip().splitlines()[-1])

    def run_command(self, *cmd: str) -> None:
        """A command run to completion (e.g. `manage.py migrate`); its output only on failure."""
        done = subprocess.run(
            cmd, cwd=ROOT, env=self.env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(cmd)} failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
            )

    def stop(self, proc: subprocess.Popen | None, sig: int, timeout: float) -> int | None:
        """`stop_process`, and `proc` is no longer `close()`'s to kill; None for no process."""
        if proc is None:
            return None
        try:
            return stop_process(proc, sig, timeout)
        finally:
            self.forget(proc)

    def forget(self, proc: subprocess.Popen) -> None:
        """`proc` has ended (or its owner stops it): not for `close()` to kill."""
        with contextlib.suppress(ValueError):
            self.running.remove(proc)

    def wait_ready(
        self,
        proc: subprocess.Popen,
        log_name: str,
        what: str,
        ready: Callable[[], bool],
        timeout: float = 60.0,
    ) -> None:
        """Poll `ready()` until it is true; fail with the log's tail if `proc` exits first or
        `timeout` passes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited ({proc.returncode}):\n{self.log_tail(log_name)}")
            with contextlib.suppress(OSError):
                if ready():
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{what}: not ready within {timeout:g} s:\n{self.log_tail(log_name)}")

    def log_tail(self, name: str, size: int = 3000) -> str:
        with contextlib.suppress(OSError):
            return (self.logs / name).read_text()[-size:]
        return ""

    def close(self) -> bool:
        """Kill the process group of every child still running; whether there was one."""
        left = [proc for proc in self.running if proc.poll() is None]
        for proc in left:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        self.running.clear()
        return bool(left)


def stop_process(proc: subprocess.Popen, sig: int, timeout: float) -> int | None:
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get_status(port: int, path: str, *, host: str = "127.0.0.1") -> int:
    conn = http.client.HTTPConnection(host, port, timeout=2)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()
