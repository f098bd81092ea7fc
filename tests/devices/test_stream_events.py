"""`whatsapp_event_handle` driven by GOWA's own /ws frames (tests/fixtures/whatsapp/), without a
socket: the tasks it hands work to run in-process (Celery's eager mode), against the sandbox."""

from pathlib import Path

import pytest

from config.celery import app as celery_app
from devices.models import Device, UpstreamEvent
from devices.services import lifecycle
from devices.services.stream_events import whatsapp_event_handle
from devices.whatsapp.types import parse_ws_frame

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
