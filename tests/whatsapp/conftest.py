"""Fixtures for the upstream client tests.

No test here needs Django settings or the database; the HTTP layer is never mocked: every
request goes over a real socket to a server running in this process.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devices.whatsapp import WhatsAppClient
from sandbox.server import SandboxServer

from .support import SandboxControl, ScriptedServer


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    server = ScriptedServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def sandbox_server() -> Iterator[SandboxServer]:
    with SandboxServer(qr_duration=30) as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server) -> Iterator[SandboxControl]:
    """The running sandbox, reset before each test, with its control API at hand."""
    control = SandboxControl(sandbox_server.base_url)
    control.post("/reset")
    yield control
    control.delete("/faults")


@pytest.fixture
def upstream(sandbox) -> Iterator[WhatsAppClient]:
    with WhatsAppClient(
        sandbox.base_url, "admin", "admin", connect_timeout=1, read_timeout=2, send_timeout=2
    ) as client:
        yield client
