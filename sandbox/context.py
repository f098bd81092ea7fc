"""The state of one sandbox app, shared by its REST, WebSocket and control handlers."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from .config import SandboxConfig
from .events import MessageBook, PhoneSide
from .faults import FaultBook
from .hub import WebSocketHub
from .state import Device, DeviceRegistry, ExpiringFiles, History
from .webhooks import WebhookDispatcher


class Sandbox:
    def __init__(self, config: SandboxConfig) -> None:
        self.initial_config = config
        self.config = config.copy()
        self.devices = DeviceRegistry()
        self.statics = ExpiringFiles()  # QR PNGs and media files under /statics/
        self.requests = History(config.history_limit)
        self.sent = History(config.history_limit)
        self.webhook_log = History(config.history_limit)
        self.inbound = History(config.history_limit)  # `message` events of the phone side
        self.book = MessageBook(self.sent, self.inbound)
        self.faults = FaultBook()
        self.hub = WebSocketHub()
        self.webhooks = WebhookDispatcher(lambda: self.config, self.webhook_log)
        # Set when the server begins to stop; held (timed-out) requests wait on it.
        self.stopping = asyncio.Event()

    def phone(self, device: Device) -> PhoneSide:
        """What the event builders see of this sandbox for one device."""
        return PhoneSide(device, self.book, self.statics, self.config.auto_download_media)

    async def emit(self, device: Device, envelope: dict[str, Any]) -> None:
        """Publish a phone-side event: webhook always, the socket when configured."""
        self.book.remember(device, envelope)
        self.webhooks.dispatch(device, envelope)
        if self.config.ws_message_events:
            await self.hub.send_json(envelope)

    async def reset(self) -> None:
        """Forget every device, log, fault and pending delivery; restore the start config.

        Open sockets stay open: they are connections, not state, and a client under test
        should not see a disconnect because the test before it cleaned up.
        """
        await self.webhooks.cancel_pending()
        self.config = self.initial_config.copy()
        self.devices.clear()
        self.statics.clear()
        self.requests.clear()
        self.sent.clear()
        self.webhook_log.clear()
        self.inbound.clear()
        self.faults.clear()
        self.hub.total_accepted = 0

    # --- aiohttp lifecycle signals ------------------------------------------------------

    async def on_startup(self, app: web.Application) -> None:
        await self.webhooks.open()

    async def on_shutdown(self, app: web.Application) -> None:
        self.stopping.set()
        await self.hub.drop_all(clean=True)
        await self.webhooks.cancel_pending()

    async def on_cleanup(self, app: web.Application) -> None:
        await self.webhooks.close()


SANDBOX = web.AppKey("sandbox", Sandbox)


def sandbox_of(request: web.Request) -> Sandbox:
    return request.app[SANDBOX]
