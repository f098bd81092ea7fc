"""The sandbox upstream (`from sandbox import SandboxServer`) in a process of its own.

For benchmarks whose path calls the upstream (sending, auto-replies): its CPU is then its own
(`pid`), apart from the bench's and the product's. The product reaches it through
`WHATSAPP_API_URL` (pass `base_url` to `production_env(upstream_url=...)`), with the sandbox's
Basic-auth user and password as `WHATSAPP_API_USER` / `WHATSAPP_API_PASSWORD`; it posts its
webhooks to `webhook_url`, signed with `webhook_secret`. Any other `SandboxConfig` field can be
set by keyword (`webhook_backoff_base=0.05`, `ws_message_events=True`).

    upstream = SandboxUpstream(procs, webhook_url=..., webhook_secret=...)
    upstream.start()     # returns once it listens
    ... upstream.base_url, upstream.pid
    upstream.stop()
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from typing import Any

from .processes import Processes, free_port, http_get_status

READY_PATH = "/_sandbox/config"  # the control API: no auth


class SandboxUpstream:
    def __init__(
        self, procs: Processes, *, port: int = 0, log_name: str = "sandbox.log", **config: Any
    ) -> None:
        self.procs = procs
        self.port = port or free_port()
        self.log_name = log_name
        self.config = {"user": "bench", "password": "bench-upstream", **config}
        self.proc = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return None if self.proc is None else self.proc.pid

    def api_env(self) -> dict[str, str]:
        """What the product's processes need to call it."""
        return {
            "WHATSAPP_API_URL": self.base_url,
            "WHATSAPP_API_USER": self.config["user"],
            "WHATSAPP_API_PASSWORD": self.config["password"],
        }

    def start(self) -> None:
        spec = json.dumps({"host": "127.0.0.1", "port": self.port, **self.config})
        cmd = [sys.executable, "-m", "bench.harness.sandbox_upstream", spec]
        self.proc = self.procs.spawn(cmd, self.log_name)
        self.procs.wait_ready(
            self.proc,
            self.log_name,
            f"sandbox upstream ({self.base_url})",
            lambda: http_get_status(self.port, READY_PATH) == 200,
        )

    def stop(self) -> bool:
        proc, self.proc = self.proc, None
        return self.procs.stop(proc, signal.SIGTERM, 10) is not None


def main() -> None:
    """In the child: serve until SIGTERM or SIGINT."""
    from sandbox import SandboxServer

    settings = json.loads(sys.argv[1])
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with SandboxServer(**settings) as server:
        print(f"sandbox upstream listening on {server.base_url}", flush=True)
        stop.wait()


if __name__ == "__main__":
    main()
