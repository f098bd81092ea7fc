"""WhatsAppEventStream against the real sandbox upstream: events, drops, refusals, stop()."""

from __future__ import annotations

import logging
import threading
import time
import tracemalloc

import pytest

from devices.whatsapp import EnvelopeEvent, LifecycleEvent, WhatsAppEventStream
from devices.whatsapp.stream import ws_url_for

from .support import wait_until
from .test_stream import CeilingRng


class Listener:
    """Runs ``stream.events()`` on a thread, collecting events like the listener command."""

    def __init__(self, stream: WhatsAppEventStream) -> None:
        self.stream = stream
        self.events: list[LifecycleEvent | EnvelopeEvent] = []
        self.thread = threading.Thread(target=self._run, name="test-listener", daemon=True)

    def _run(self) -> None:
        for event in self.stream.events():
            self.events.append(event)

    def start(self) -> Listener:
        self.thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> float:
        started = time.monotonic()
        self.stream.stop()
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "events() did not return after stop()"
        return time.monotonic() - started

    def codes(self) -> list[str]:
        return [getattr(e, "code", None) or getattr(e, "event", "") for e in self.events]


def make_stream(sandbox, **options) -> WhatsAppEventStream:
    options = {"backoff_base": 0.01, "backoff_cap": 0.2, "ping_interval": 5, **options}
    return WhatsAppEventStream(ws_url_for(sandbox.base_url), "admin", "admin", **options)


def connected(sandbox, stream: WhatsAppEventStream, count: int) -> bool:
    return stream.connects == count and sandbox.get("/ws/stats")["open"] == 1


@pytest.fixture
def listener_factory(sandbox):
    listeners: list[Listener] = []

    def start(**options) -> Listener:
        listener = Listener(make_stream(sandbox, **options)).start()
        listeners.append(listener)
        return listener

    yield start
    for listener in listeners:
        if listener.thread.is_alive():
            listener.stop()


def test_login_success_and_logout_arrive(sandbox, upstream, listener_factory):
    upstream.device_create("tenant-1")
    listener = listener_factory(device_id="tenant-1")
    assert wait_until(lambda: connected(sandbox, listener.stream, 1))
    upstream.device_login_qr("tenant-1")
    sandbox.scan("tenant-1", phone="6281111111111")
    assert wait_until(lambda: "LOGIN_SUCCESS" in listener.codes())
    login = listener.events[listener.codes().index("LOGIN_SUCCESS")]
    assert isinstance(login, LifecycleEvent)
    assert "6281111111111" in login.message
    sandbox.post("/devices/tenant-1/remote-logout")
    assert wait_until(lambda: "DEVICE_LOGGED_OUT" in listener.codes())
    assert listener.events[-1].device_id == "tenant-1"
    assert listener.stop() < 5


def test_message_events_on_the_socket_are_envelopes(sandbox, upstream, listener_factory):
    upstream.device_create("tenant-1")
    upstream.device_login_qr("tenant-1")
    sandbox.scan("tenant-1", phone="6281111111111")
    sandbox.patch("/config", {"ws_message_events": True})
    listener = listener_factory(device_id="tenant-1")
    assert wait_until(lambda: connected(sandbox, listener.stream, 1))
    sandbox.post("/devices/tenant-1/messages", {"from": "6282222222222", "text": "Hello"})
    assert wait_until(lambda: any(isinstance(e, EnvelopeEvent) for e in listener.events))
    event = next(e for e in listener.events if isinstance(e, EnvelopeEvent))
    assert event.event == "message"
    assert event.session_id == "tenant-1"
    assert event.device_id == "6281111111111@s.whatsapp.net"
    assert event.payload["body"] == "Hello"


def test_survives_fifty_drops_with_bounded_backoff_memory_and_threads(
    sandbox, upstream, listener_factory
):
    upstream.device_create("tenant-1")
    upstream.device_login_qr("tenant-1")
    sandbox.scan("tenant-1", phone="6281111111111")
    sandbox.patch("/config", {"ws_message_events": True})
    listener = listener_factory(
        device_id="tenant-1", backoff_base=0.01, backoff_cap=0.08, stable_after=0.5
    )
    stream = listener.stream
    stream._rng = CeilingRng()  # delays equal their ceiling: the schedule can be asserted
    attempts_before_drop: list[int] = []
    tracemalloc.start()
    try:
        for drop in range(50):
            assert wait_until(lambda n=drop: connected(sandbox, stream, n + 1)), drop
            if drop == 5:
                threads_after_warmup = threading.active_count()
                snapshot_after_warmup = tracemalloc.take_snapshot()
            if drop % 10 == 9:
                # Events sent after a reconnect reach the consumer.
                before = len(listener.events)
                sandbox.post("/devices/tenant-1/messages", {"from": "6282222222222", "text": "x"})
                assert wait_until(lambda b=before: len(listener.events) == b + 1)
            if drop == 30:
                time.sleep(0.6)  # stays up longer than stable_after: the backoff resets
            attempts_before_drop.append(stream.attempt)
            sandbox.post("/ws/drop", {"clean": drop % 2 == 0})
        assert wait_until(lambda: connected(sandbox, stream, 51))
        snapshot_end = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()

    assert stream.disconnects == 50
    delays = list(stream.last_delays)
    assert len(delays) == 50
    # Growing while the drops come fast, capped, then reset after a stable connection.
    assert delays[:5] == pytest.approx([0.01, 0.02, 0.04, 0.08, 0.08])
    assert max(delays) == pytest.approx(0.08)
    assert attempts_before_drop[30] > 5
    assert delays[30] == pytest.approx(0.01)  # first delay after the long-lived connection
    assert delays[31] == pytest.approx(0.02)
    # No thread per reconnect. (Fewer is fine: a thread an earlier test left may end meanwhile.)
    assert threading.active_count() <= threads_after_warmup
    ours = [
        tracemalloc.Filter(True, "*/devices/whatsapp/*"),
        tracemalloc.Filter(True, "*/websocket/*"),
    ]
    growth = sum(
        stat.size_diff
        for stat in snapshot_end.filter_traces(ours).compare_to(
            snapshot_after_warmup.filter_traces(ours), "filename"
        )
    )
    assert growth < 64 * 1024, growth
    assert listener.codes().count("message") == 5
    assert listener.stop() < 5


def test_zero_devices_refusal_is_retried_quietly(sandbox, upstream, listener_factory, caplog):
    caplog.set_level(logging.DEBUG, logger="devices.whatsapp")
    listener = listener_factory()  # no device id and no device: 400 DEVICE_ID_REQUIRED
    stream = listener.stream
    assert wait_until(lambda: stream.refusals >= 3)
    assert stream.connects == 0
    upstream.device_create("first")  # the only device now resolves without an id
    assert wait_until(lambda: connected(sandbox, stream, 1))
    noisy = [r for r in caplog.records if r.name.startswith("devices.whatsapp")]
    assert [r.getMessage() for r in noisy if r.levelno >= logging.WARNING] == []
    assert any("no device yet" in r.getMessage() for r in noisy)
    assert listener.stop() < 5


def test_unknown_device_id_is_waited_out_too(sandbox, upstream, listener_factory, caplog):
    caplog.set_level(logging.DEBUG, logger="devices.whatsapp")
    listener = listener_factory(device_id="later")  # 404 DEVICE_NOT_FOUND until created
    assert wait_until(lambda: listener.stream.refusals >= 2)
    upstream.device_create("other")
    upstream.device_create("later")
    assert wait_until(lambda: connected(sandbox, listener.stream, 1))
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_stop_from_another_thread_while_connected(sandbox, upstream, listener_factory):
    upstream.device_create("tenant-1")
    listener = listener_factory(device_id="tenant-1", ping_interval=30)
    assert wait_until(lambda: connected(sandbox, listener.stream, 1))
    assert listener.stop() < 1.5
    assert wait_until(lambda: sandbox.get("/ws/stats")["open"] == 0)


def test_wrong_password_is_logged_as_an_error_and_retried(sandbox, upstream, caplog):
    upstream.device_create("tenant-1")
    stream = WhatsAppEventStream(
        ws_url_for(sandbox.base_url),
        "admin",
        "wrong",
        device_id="tenant-1",
        backoff_base=0.01,
        backoff_cap=0.05,
    )
    listener = Listener(stream).start()
    assert wait_until(lambda: stream.refusals >= 2)
    assert listener.stop() < 5
    assert stream.connects == 0
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and all("401" in message for message in errors)
    assert "wrong" not in caplog.text
