"""Build the sandbox app, and run it on its own event loop in a background thread.

```python
with SandboxServer(webhook_url="http://127.0.0.1:8000/api/v1/webhooks/whatsapp") as sandbox:
    requests.post(sandbox.base_url + "/devices", auth=("admin", "admin"), json={...})
```
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import logging
import threading
from types import TracebackType
from typing import Any

from aiohttp import web

from . import control, control_events, phone_page, rest_app, rest_devices, rest_messages, rest_send
from .config import MAX_VIDEO_SIZE, SandboxConfig
from .context import SANDBOX, Sandbox
from .middleware import MIDDLEWARES
from .ws import websocket_handler

logger = logging.getLogger(__name__)

# Room for a maximum-size video plus the multipart framing around it.
CLIENT_MAX_SIZE = MAX_VIDEO_SIZE + 1_000_000
START_TIMEOUT = 10.0


def build_app(config: SandboxConfig) -> web.Application:
    app = web.Application(middlewares=MIDDLEWARES, client_max_size=CLIENT_MAX_SIZE)
    sandbox = Sandbox(config)
    app[SANDBOX] = sandbox
    rest_app.register(app.router)
    rest_devices.register(app.router)
    rest_send.register(app.router)
    rest_messages.register(app.router)
    app.router.add_get("/ws", websocket_handler)
    control.register(app.router)
    control_events.register(app.router)
    phone_page.register(app.router)
    app.on_startup.append(sandbox.on_startup)
    app.on_shutdown.append(sandbox.on_shutdown)
    app.on_cleanup.append(sandbox.on_cleanup)
    return app


class SandboxServer:
    """The sandbox upstream on a background thread; `start()` returns once it listens.

    Extra keyword arguments set any other `SandboxConfig` field, e.g.
    `SandboxServer(webhook_backoff_base=0.05)` for fast webhook retries in tests.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        user: str = "admin",
        password: str = "admin",  # noqa: S107 - sandbox default
        webhook_url: str | None = None,
        webhook_secret: str = "secret",  # noqa: S107 - GOWA's default
        qr_duration: int = 30,
        ws_message_events: bool = False,
        **config_overrides: Any,
    ) -> None:
        known = {f.name for f in dataclasses.fields(SandboxConfig)}
        unknown = set(config_overrides) - known
        if unknown:
            raise TypeError("unknown sandbox settings: " + ", ".join(sorted(unknown)))
        self.host = host
        self.port = port
        self.config = SandboxConfig(
            user=user,
            password=password,
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            qr_duration=qr_duration,
            ws_message_events=ws_message_events,
            **config_overrides,
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        host = self.host
        if _is_wildcard(host):
            host = "127.0.0.1"  # a wildcard bind is reachable on loopback
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    def start(self) -> SandboxServer:
        if self._thread is not None:
            raise RuntimeError("the sandbox is already running")
        self._loop = asyncio.new_event_loop()
        started = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._serve, args=(started, failure), name="whatsapp-sandbox", daemon=True
        )
        self._thread.start()
        if not started.wait(START_TIMEOUT):
            raise RuntimeError("the sandbox did not start in time")
        if failure:
            self._thread.join()
            self._thread = None
            raise failure[0]
        return self

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        if self._runner is not None:
            cleanup = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop)
            cleanup.result(timeout=self.config.shutdown_timeout + START_TIMEOUT)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=START_TIMEOUT)
        self._thread = None
        self._runner = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _serve(self, started: threading.Event, failure: list[BaseException]) -> None:
        loop = self._loop
        if loop is None:
            raise RuntimeError("start() sets the loop before the thread runs")
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._listen())
        except BaseException as exc:  # handed to start(), which re-raises it
            failure.append(exc)
            started.set()
            loop.close()
            return
        started.set()
        try:
            loop.run_forever()
        finally:
            _cancel_leftovers(loop)
            loop.close()

    async def _listen(self) -> None:
        runner = web.AppRunner(
            build_app(self.config),
            handle_signals=False,
            access_log=None,
            shutdown_timeout=self.config.shutdown_timeout,
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = runner.addresses[0][1]
        logger.debug("WhatsApp sandbox listening on %s", self.base_url)


def _is_wildcard(host: str) -> bool:
    try:
        return not host or ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False  # a host name


def _cancel_leftovers(loop: asyncio.AbstractEventLoop) -> None:
    tasks = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
