"""`whatsapp_event_handle` driven by GOWA's own /ws frames (tests/fixtures/whatsapp/), without a
socket: the tasks it hands work to run in-process (Celery's eager mode), against the sandbox.
Then the listener's batches of message frames (`EnvelopeBatcher`), and the stream's idle wake-ups
that let it hand a batch on in time, over the sandbox's real socket."""

import dataclasses
import threading
import time
from pathlib import Path

import pytest

from config.celery import app as celery_app
from devices.models import Device, UpstreamEvent
from devices.services import lifecycle
from devices.services.stream_events import EnvelopeBatcher, whatsapp_event_handle
from devices.whatsapp.stream import WhatsAppEventStream
from devices.whatsapp.types import StreamIdle, parse_ws_frame
from tests.conftest import wait_for

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "whatsapp"
ACCOUNT = "6281234567890"


@pytest.fixture
def eager_tasks():
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_eager_propagates = False


@pytest.fixture
def device(sandbox):
    return lifecycle.device_provision(device=Device.objects.create(name="Frames"))


def _frame(name: str, device: Device):
    text = (FIXTURES / f"{name}.json").read_text()
    return parse_ws_frame(text.replace("{slot_id}", device.slot_id).replace("{account}", ACCOUNT))


def test_login_success_refreshes_the_device_that_paired(sandbox, device, eager_tasks):
    lifecycle.device_login_qr(device=device)
    sandbox.scan(device.slot_id, phone=ACCOUNT)
    whatsapp_event_handle(event=_frame("login_success", device))
    device.refresh_from_db()
    assert (device.state, device.jid) == (Device.State.CONNECTED, f"{ACCOUNT}@s.whatsapp.net")


def test_a_remote_logout_frame_logs_the_device_out(sandbox, device, eager_tasks):
    lifecycle.device_login_qr(device=device)
    sandbox.scan(device.slot_id, phone=ACCOUNT)
    lifecycle.device_status_refresh(device=device)
    sandbox.control("POST", f"/devices/{device.slot_id}/remote-logout")
    whatsapp_event_handle(event=_frame("device_logged_out", device))
    device.refresh_from_db()
    assert device.state == Device.State.LOGGED_OUT


def test_a_message_frame_is_recorded_once_for_its_device(device, eager_tasks):
    frame = _frame("message", device)
    whatsapp_event_handle(event=frame)
    whatsapp_event_handle(event=frame)  # GOWA delivers at least once
    event = UpstreamEvent.objects.get()
    assert (event.device_id, event.source, event.event) == (device.pk, "websocket", "message")
    assert event.payload["payload"]["body"] == "Hello from a fixture"


def test_other_lifecycle_frames_change_nothing(sandbox, device, eager_tasks):
    before = sandbox.control("GET", "/requests")
    whatsapp_event_handle(event=_frame("list_devices", device))
    assert sandbox.control("GET", "/requests") == before
    assert not UpstreamEvent.objects.exists()


# --- batches of message frames --------------------------------------------------------------


def _message(device: Device, n: int):
    frame = _frame("message", device)
    return dataclasses.replace(frame, payload={**frame.payload, "id": f"3EB0BATCH{n:011d}"})


def _recorded() -> int:
    return UpstreamEvent.objects.filter(source="websocket", event="message").count()


def test_a_batch_is_handed_on_when_it_is_full(device, eager_tasks):
    batcher = EnvelopeBatcher(size=3, max_wait=60)
    for n in range(2):
        whatsapp_event_handle(event=_message(device, n), batcher=batcher)
    whatsapp_event_handle(event=StreamIdle(), batcher=batcher)  # not due: kept
    assert (len(batcher), _recorded()) == (2, 0)
    whatsapp_event_handle(event=_message(device, 2), batcher=batcher)
    assert (len(batcher), batcher.batches, _recorded()) == (0, 1, 3)
    assert set(UpstreamEvent.objects.values_list("device_id", flat=True)) == {device.pk}


def test_a_batch_is_handed_on_its_wait_after_its_first_frame(device, eager_tasks):
    batcher = EnvelopeBatcher(size=100, max_wait=0.3)
    assert batcher.time_left() is None  # nothing held: the stream may block as it likes
    whatsapp_event_handle(event=_message(device, 0), batcher=batcher)
    assert 0 < batcher.time_left() <= 0.3
    whatsapp_event_handle(event=StreamIdle(), batcher=batcher)
    assert _recorded() == 0
    time.sleep(batcher.time_left() + 0.01)
    assert batcher.time_left() == 0
    whatsapp_event_handle(event=StreamIdle(), batcher=batcher)  # the stream's wake-up
    assert (len(batcher), _recorded()) == (0, 1)
    # With frames still flowing the stream never idles: the late frame takes the batch along.
    whatsapp_event_handle(event=_message(device, 1), batcher=batcher)
    time.sleep(0.3)
    whatsapp_event_handle(event=_message(device, 2), batcher=batcher)
    assert (len(batcher), batcher.batches, _recorded()) == (0, 2, 3)


def test_a_closed_socket_or_a_lifecycle_frame_hands_the_batch_on_first(sandbox, device,
                                                                        eager_tasks):
    batcher = EnvelopeBatcher(size=100, max_wait=60)
    for n in range(2):
        whatsapp_event_handle(event=_message(device, n), batcher=batcher)
    whatsapp_event_handle(event=StreamIdle(closed=True), batcher=batcher)  # reconnect next
    assert (len(batcher), _recorded()) == (0, 2)

    lifecycle.device_login_qr(device=device)
    sandbox.scan(device.slot_id, phone=ACCOUNT)
    whatsapp_event_handle(event=_message(device, 2), batcher=batcher)
    whatsapp_event_handle(event=_frame("list_devices", device), batcher=batcher)  # ignored
    assert len(batcher) == 1
    whatsapp_event_handle(event=_frame("login_success", device), batcher=batcher)
    assert (len(batcher), _recorded()) == (0, 3)
    device.refresh_from_db()
    assert device.state == Device.State.CONNECTED
    assert batcher.flush() == 0  # nothing left: no empty task


def test_the_stream_wakes_its_caller_when_asked_and_when_the_socket_closes(sandbox, device):
    stream = WhatsAppEventStream.from_settings(
        device_id=device.slot_id, backoff_base=0.01, backoff_cap=0.05
    )
    seen: list[tuple[float, object]] = []

    def consume() -> None:
        for item in stream.events(idle_after=lambda: 0.05):
            seen.append((time.monotonic(), item))

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    try:
        wait_for(lambda: sandbox.control("GET", "/ws/stats")["open"] == 1, 10, "a connection")
        started = time.monotonic()
        wait_for(
            lambda: sum(t > started and item == StreamIdle() for t, item in seen) >= 5,
            5,
            "idle wake-ups every 50 ms",
        )
        sandbox.control("POST", "/ws/drop", json={"clean": False})
        wait_for(lambda: StreamIdle(closed=True) in [item for _, item in seen], 5,
                 "a wake-up when the socket closed")
        wait_for(lambda: stream.connects == 2, 10, "the reconnect")
    finally:
        stream.stop()
        thread.join(5)
    assert not thread.is_alive()
    assert all(isinstance(item, StreamIdle) for _, item in seen)  # no frame came
