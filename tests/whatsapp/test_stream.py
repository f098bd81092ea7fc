"""WhatsAppEventStream against a small local WebSocket server: frames, pings, backoff, stop()."""

from __future__ import annotations

import base64
import logging
import random
import signal
import socket
import threading
import time

import pytest

from devices.whatsapp import EnvelopeEvent, LifecycleEvent, WhatsAppEventStream
from devices.whatsapp.stream import ws_url_for

from .support import SocketScript, closed_port, wait_until


class CeilingRng(random.Random):
    """uniform(a, b) -> b: makes full-jitter delays equal their ceiling, so tests can assert."""

    def uniform(self, a: float, b: float) -> float:
        return b


def consume(stream: WhatsAppEventStream, into: list) -> threading.Thread:
    thread = threading.Thread(target=lambda: into.extend(stream.events()), daemon=True)
    thread.start()
    return thread


def stop_within(stream: WhatsAppEventStream, thread: threading.Thread, seconds: float) -> None:
    """stop() the stream that `thread` consumes; it must be done in under `seconds`."""
    started = time.monotonic()
    stream.stop()
    thread.join(seconds + 5)
    assert not thread.is_alive()
    assert time.monotonic() - started < seconds


@pytest.fixture
def socket_server():
    server = SocketScript().start()
    yield server
    server.stop()


def test_ws_url_for():
    assert ws_url_for("http://gowa:3000") == "ws://gowa:3000/ws"
    assert ws_url_for("https://h/gowa/") == "wss://h/gowa/ws"
    with pytest.raises(ValueError):
        ws_url_for("ftp://h")


def test_backoff_is_capped_exponential_full_jitter():
    stream = WhatsAppEventStream("ws://x/ws", "u", "p", backoff_base=0.5, backoff_cap=3.0)
    stream._rng = CeilingRng()
    assert [stream.next_delay() for _ in range(6)] == [0.5, 1.0, 2.0, 3.0, 3.0, 3.0]
    jittered = WhatsAppEventStream("ws://x/ws", "u", "p", backoff_base=1, backoff_cap=8)
    delays = [jittered.next_delay() for _ in range(200)]
    assert all(0 <= d <= 8 for d in delays)
    assert len(jittered.last_delays) == 100  # bounded history


def test_refused_connections_back_off_and_stop_interrupts_sleep():
    stream = WhatsAppEventStream(
        f"ws://127.0.0.1:{closed_port()}/ws",
        "u",
        "p",
        backoff_base=0.01,
        backoff_cap=30,
        rng=CeilingRng(),
    )
    events: list = []
    thread = consume(stream, events)
    assert wait_until(lambda: stream.attempt >= 8, timeout=10)
    assert stream.connects == 0
    # The delays double each time; by now the next sleep is seconds long.
    assert list(stream.last_delays)[:4] == [0.01, 0.02, 0.04, 0.08]
    stop_within(stream, thread, 1.5)
    assert events == []


JUNK_AND_EVENTS = [
    '{"code":"LOGIN_SUCCESS","message":"Successfully pair with 628:1@s.whatsapp.net",'
    '"result":null}',
    "not json at all",
    b'{"event":"message","device_id":"628@s.whatsapp.net","session_id":"t1",'
    b'"payload":{"id":"M1","body":"hi"}}',
    "[1, 2, 3]",
    '{"code":"DEVICE_LOGGED_OUT","message":"bye","result":{"device_id":"t1"}}',
]


def test_yields_both_frame_shapes_and_skips_junk(socket_server, caplog):
    caplog.set_level(logging.DEBUG, logger="devices.whatsapp.stream")
    socket_server.frames = JUNK_AND_EVENTS
    stream = WhatsAppEventStream(socket_server.url, "admin", "pw", device_id="t 1/é")
    received = []
    for event in stream.events():
        received.append(event)
        if len(received) == 3:
            stream.stop()
    assert [type(e) for e in received] == [LifecycleEvent, EnvelopeEvent, LifecycleEvent]
    assert received[1].payload == {"id": "M1", "body": "hi"}
    assert received[2].device_id == "t1"
    assert stream.junk_frames == 2
    assert "not json" not in caplog.text  # junk is logged by length only
    assert "(15 bytes)" in caplog.text
    assert base64.b64decode(socket_server.auth_headers[0].split()[1]) == b"admin:pw"
    assert socket_server.queries[0] == "device_id=t%201%2F%C3%A9"


def test_stop_during_a_hanging_tcp_connect_returns_within_3_seconds():
    """SIGTERM must end the listener within 5 s; a TCP connect cannot be cut short."""
    with socket.socket() as server, socket.socket() as filler:
        # A full accept queue: the kernel drops further SYNs, so the next connect hangs until
        # its timeout, and websocket-client hands out no socket that stop() could shut.
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        filler.connect(server.getsockname())
        stream = WhatsAppEventStream(f"ws://127.0.0.1:{server.getsockname()[1]}/ws", "u", "p")
        thread = consume(stream, [])
        time.sleep(0.3)  # in the connect by now
        stop_within(stream, thread, 3.5)
        assert stream.connects == 0


def test_a_stop_while_the_device_id_is_picked_starts_no_connect(socket_server):
    picked = threading.Event()

    def slow_pick() -> str:
        picked.set()
        time.sleep(0.3)  # e.g. the listener asking the upstream for its slots
        return "d1"

    stream = WhatsAppEventStream(socket_server.url, "u", "p", device_id=slow_pick)
    thread = consume(stream, [])
    assert picked.wait(5)
    stream.stop()
    thread.join(5)
    assert not thread.is_alive()
    assert socket_server.connections == 0


def test_a_device_id_callable_that_fails_counts_as_a_failed_connect(socket_server):
    answers = iter([RuntimeError("database away"), "d1"])

    def pick() -> str:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    stream = WhatsAppEventStream(socket_server.url, "u", "p", device_id=pick, backoff_base=0.01)
    thread = consume(stream, [])
    assert wait_until(lambda: socket_server.connections == 1)
    stream.stop()
    thread.join(5)
    assert socket_server.queries == ["device_id=d1"]
    assert stream.attempt == 1


def test_device_id_callable_is_resolved_per_connect(socket_server):
    ids = iter(["first", "second"])
    stream = WhatsAppEventStream(socket_server.url, "u", "p", device_id=lambda: next(ids, None))
    events: list = []
    thread = consume(stream, events)
    assert wait_until(lambda: socket_server.connections == 1)
    stream.stop()
    thread.join(5)
    assert socket_server.queries == ["device_id=first"]


def test_sends_own_pings_and_stop_wakes_blocked_recv(socket_server):
    stream = WhatsAppEventStream(socket_server.url, "u", "p", ping_interval=0.1)
    events: list = []
    thread = consume(stream, events)
    assert wait_until(lambda: socket_server.pings >= 3, timeout=5)
    assert stream.connects == 1
    stop_within(stream, thread, 1.0)
    assert stream.disconnects == 1


def test_silent_connection_is_abandoned_and_reopened():
    server = SocketScript(answer_pings=False).start()
    try:
        stream = WhatsAppEventStream(
            server.url, "u", "p", ping_interval=0.1, connect_timeout=0.2, backoff_base=0.01
        )
        thread = consume(stream, [])
        # No pong and no frame for 2 * ping_interval + connect_timeout: reconnect.
        assert wait_until(lambda: server.connections >= 2, timeout=5)
        stream.stop()
        thread.join(5)
        assert stream.disconnects >= 1
    finally:
        server.stop()


def test_events_pushed_later_are_delivered(socket_server):
    stream = WhatsAppEventStream(socket_server.url, "u", "p")
    received = []
    thread = threading.Thread(
        target=lambda: received.extend(e for e in stream.events()), daemon=True
    )
    thread.start()
    assert wait_until(lambda: stream.connects == 1)
    assert wait_until(lambda: socket_server.connections == 1)
    time.sleep(0.05)
    socket_server.push('{"code":"DEVICE_WEBHOOK_UPDATED","message":"","result":{"device_id":"d"}}')
    assert wait_until(lambda: len(received) == 1)
    stream.stop()
    thread.join(5)
    assert received[0].code == "DEVICE_WEBHOOK_UPDATED"


def test_stop_from_a_signal_handler_in_the_iterating_thread(socket_server):
    """The listener command iterates in the main thread and stops from SIGTERM/SIGINT."""
    stream = WhatsAppEventStream(socket_server.url, "u", "p")
    previous = signal.signal(signal.SIGALRM, lambda *_: stream.stop())
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        started = time.monotonic()
        assert list(stream.events()) == []
        assert time.monotonic() - started < 1.5
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert stream.connects == 1


def test_stop_before_iterating_returns_at_once(socket_server):
    stream = WhatsAppEventStream(socket_server.url, "u", "p")
    stream.stop()
    assert list(stream.events()) == []
    assert socket_server.connections == 0
