"""Fixtures for the sandbox upstream tests: a live server per module, real HTTP clients.

Nothing here touches Django or the database: the sandbox is plain aiohttp.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sandbox_helpers import Delivery, Gowa, Phone, WebhookReceiver

from sandbox import SandboxServer


@pytest.fixture(scope="module")
def sandbox_server() -> Iterator[SandboxServer]:
    # Fast webhook retries so a retry test takes a fraction of a second.
    with SandboxServer(webhook_backoff_base=0.05, webhook_timeout=2.0) as server:
        yield server


@pytest.fixture
def gowa(sandbox_server: SandboxServer) -> Iterator[Gowa]:
    client = Gowa(sandbox_server.base_url)
    reset = client.control("POST", "/reset")
    assert reset.status_code == 200
    yield client
    client.http.close()


@pytest.fixture(scope="module")
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver: WebhookReceiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with receiver.arrived:
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.deliveries.append(Delivery(self.path, dict(self.headers), body))
                receiver.arrived.notify_all()
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = WebhookReceiver(url=f"http://127.0.0.1:{server.server_address[1]}/hook")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def receiver(webhook_receiver: WebhookReceiver) -> WebhookReceiver:
    webhook_receiver.clear()
    return webhook_receiver


@pytest.fixture
def phone(gowa: Gowa, receiver: WebhookReceiver) -> Phone:
    """Device `tenant-1` paired as 6281111111111 ("Ana"), its webhooks going to `receiver`."""
    gowa.control("PATCH", "/config", json={"webhook_url": receiver.url})
    gowa.paired_device("tenant-1")
    return Phone(gowa, receiver)
