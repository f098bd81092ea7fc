"""The web process, started with the Dockerfile's own command.

The `CMD` of the repository's Dockerfile is read (`gunicorn config.wsgi:application --preload
--bind 0.0.0.0:8000 --workers 3 --access-logfile -` today), so the bench follows the image when
it changes; only the address (127.0.0.1 and a free port) and, when asked, the number of workers,
the worker class and its threads are replaced. The settings come from the environment
(`config.settings.production` in `production_env`).
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

from .cpu import children_of
from .environment import ROOT
from .processes import Processes, free_port, http_get_status


def dockerfile_command(path: Path = ROOT / "Dockerfile") -> list[str]:
    """The exec-form `CMD [...]` of the Dockerfile (the last one, as Docker takes it)."""
    commands = [
        line.strip()[len("CMD") :].strip()
        for line in path.read_text().splitlines()
        if line.strip().startswith("CMD ")
    ]
    if not commands or not commands[-1].startswith("["):
        raise RuntimeError(f"{path}: no exec-form CMD [...] to start gunicorn with")
    return json.loads(commands[-1])


def with_option(cmd: list[str], option: str, value: str) -> list[str]:
    """`cmd` with `option`'s value replaced (both `--opt v` and `--opt=v`), or appended."""
    out, i, found = [], 0, False
    while i < len(cmd):
        if cmd[i] == option:
            out += [option, value]
            i, found = i + 2, True
            continue
        if cmd[i].startswith(option + "="):
            out.append(f"{option}={value}")
            found = True
        else:
            out.append(cmd[i])
        i += 1
    return out if found else [*out, option, value]


def option_value(cmd: list[str], option: str) -> str | None:
    for i, arg in enumerate(cmd):
        if arg == option and i + 1 < len(cmd):
            return cmd[i + 1]
        if arg.startswith(option + "="):
            return arg.split("=", 1)[1]
    return None


class Gunicorn:
    def __init__(
        self,
        procs: Processes,
        *,
        workers: int | None = None,
        worker_class: str | None = None,
        threads: int | None = None,
        port: int = 0,
        log_name: str = "gunicorn.log",
    ) -> None:
        self.procs = procs
        self.port = port or free_port()
        self.log_name = log_name
        cmd = dockerfile_command()
        if Path(cmd[0]).name != "gunicorn":
            raise RuntimeError(f"the Dockerfile's CMD does not run gunicorn: {cmd}")
        # The virtualenv's gunicorn, beside this interpreter.
        cmd = [str(Path(sys.executable).with_name("gunicorn")), *cmd[1:]]
        cmd = with_option(cmd, "--bind", f"127.0.0.1:{self.port}")
        for option, value in (
            ("--workers", workers),
            ("--worker-class", worker_class),
            ("--threads", threads),
        ):
            if value is not None:
                cmd = with_option(cmd, option, str(value))
        self.cmd = cmd
        self.workers = int(option_value(cmd, "--workers") or 1)  # gunicorn's default: 1
        self.proc = None

    def describe(self) -> str:
        return " ".join(["gunicorn", *self.cmd[1:]])

    def start(self) -> None:
        """Start it and wait until `/healthz` answers and every worker is up."""
        self.proc = self.procs.spawn(self.cmd, self.log_name)
        self.procs.wait_ready(
            self.proc,
            self.log_name,
            "gunicorn (GET /healthz, all workers up)",
            lambda: (
                http_get_status(self.port, "/healthz") == 200
                and len(self.worker_pids()) >= self.workers
            ),
        )

    def worker_pids(self) -> list[int]:
        """The worker processes (the master only forks and watches them)."""
        return children_of(self.proc.pid) if self.proc is not None else []

    def stop(self) -> bool:
        """Graceful (SIGTERM: workers finish their request); whether it was running."""
        proc, self.proc = self.proc, None
        return self.procs.stop(proc, signal.SIGTERM, 15) is not None
