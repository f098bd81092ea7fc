"""The upstream side of a device's life, against the sandbox over real HTTP."""

import base64

import pytest

from devices.errors import (
    DeviceAlreadyLoggedInError,
    UpstreamOutcomeUnknownError,
    UpstreamUnavailableError,
)
from devices.models import Device
from devices.services import lifecycle

pytestmark = pytest.mark.django_db


@pytest.fixture
def device(sandbox):
    device = Device.objects.create(name="Sales")
    return lifecycle.device_provision(device=device)


def test_provision_creates_the_slot_with_the_devices_own_webhook(sandbox, device, settings):
    assert device.upstream_id == str(device.id)
    webhook = sandbox.device_webhook(device.slot_id)
    assert webhook["webhook_url"] == settings.WHATSAPP_WEBHOOK_URL
    assert webhook["webhook_secret"] == device.webhook_secret


def test_provision_while_the_upstream_is_down_raises_503(sandbox, settings):
    settings.WHATSAPP_API_URL = "http://127.0.0.1:1"
    device = Device.objects.create(name="Offline")
    with pytest.raises(UpstreamUnavailableError):
        lifecycle.device_provision(device=device)
    device.refresh_from_db()
    assert device.upstream_id is None


def test_walk_qr_scan_connected_logout(sandbox, device):
    qr = lifecycle.device_login_qr(device=device)
    assert qr.data_uri.startswith("data:image/png;base64,")
    assert base64.b64decode(qr.data_uri.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "127.0.0.1" not in qr.data_uri
    device.refresh_from_db()
    assert device.state == Device.State.AWAITING_SCAN

    sandbox.scan(device.slot_id, phone="6281234567890", push_name="Ana")
    lifecycle.device_status_refresh(device=device)
    device.refresh_from_db()
    assert device.state == Device.State.CONNECTED
    assert device.jid == "6281234567890@s.whatsapp.net"
    assert device.phone_number == "6281234567890"
    assert device.last_seen_at is not None

    with pytest.raises(DeviceAlreadyLoggedInError):
        lifecycle.device_login_qr(device=device)

    lifecycle.device_logout(device=device)
    device.refresh_from_db()
    assert device.state == Device.State.LOGGED_OUT
    assert device.jid == ""

    lifecycle.device_remove_upstream(device=device)
    assert device.slot_id not in sandbox.slot_ids()
    # A slot already gone is fine.
    lifecycle.device_remove_upstream(device=device)


def test_pairing_code_login(sandbox, device):
    code = lifecycle.device_login_code(device=device, phone="6281234567890")
    assert len(code.code) >= 8
    device.refresh_from_db()
    assert device.state == Device.State.AWAITING_SCAN


def test_status_refresh_marks_remote_logout(sandbox, device):
    lifecycle.device_login_qr(device=device)
    sandbox.scan(device.slot_id)
    lifecycle.device_status_refresh(device=device)
    sandbox.control("POST", f"/devices/{device.slot_id}/remote-logout")
    lifecycle.device_status_refresh(device=device)
    device.refresh_from_db()
    assert device.state == Device.State.LOGGED_OUT


def test_reconcile_updates_every_device_from_one_listing(sandbox):
    first = lifecycle.device_provision(device=Device.objects.create(name="One"))
    second = lifecycle.device_provision(device=Device.objects.create(name="Two"))
    lifecycle.device_login_qr(device=first)
    sandbox.scan(first.slot_id, phone="6281111111111")
    sandbox.upstream("DELETE", f"/devices/{second.slot_id}")
    Device.objects.filter(pk=second.pk).update(state=Device.State.CONNECTED)

    changed = lifecycle.devices_reconcile()

    first.refresh_from_db()
    second.refresh_from_db()
    assert changed == 2
    assert first.state == Device.State.CONNECTED
    assert second.state == Device.State.LOGGED_OUT
    assert second.upstream_state == "missing"


@pytest.fixture
def short_read_timeout(settings):
    settings.WHATSAPP_READ_TIMEOUT = 0.5


def test_a_read_that_times_out_is_unavailable_and_changes_nothing(
    sandbox, device, short_read_timeout
):
    sandbox.fault(method="GET", path=f"/devices/{device.slot_id}", timeout_after_accept=True)
    with pytest.raises(UpstreamUnavailableError):
        lifecycle.device_status_refresh(device=device)
    device.refresh_from_db()
    assert device.state_checked_at is None


def test_a_logout_that_times_out_has_an_unknown_outcome(sandbox, device, short_read_timeout):
    sandbox.fault(
        method="POST", path=f"/devices/{device.slot_id}/logout", timeout_after_accept=True
    )
    with pytest.raises(UpstreamOutcomeUnknownError):
        lifecycle.device_logout(device=device)
