"""The upstream side of a device's life, against the sandbox over real HTTP."""

import base64
import time

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


def test_a_provision_whose_answer_is_lost_removes_the_slot_and_is_503(sandbox, short_read_timeout):
    sandbox.fault(
        method="POST", path="/devices", timeout_after_accept=True, run_handler=True, times=1
    )
    device = Device.objects.create(name="Lost answer")
    with pytest.raises(UpstreamUnavailableError):
        lifecycle.device_provision(device=device)
    assert sandbox.slot_ids() == set()
    device.refresh_from_db()
    assert device.upstream_id is None


@pytest.mark.parametrize(
    "login",
    [
        lambda device: lifecycle.device_login_qr(device=device),
        lambda device: lifecycle.device_login_code(device=device, phone="6281234567890"),
    ],
    ids=["qr", "code"],
)
def test_a_login_on_a_slot_gone_upstream_provisions_it_again(sandbox, device, settings, login):
    # The sandbox restarted (its slots live in memory) while the database kept the device.
    sandbox.upstream("DELETE", f"/devices/{device.slot_id}")
    lifecycle.devices_reconcile()
    device.refresh_from_db()
    assert device.upstream_state == "missing"

    login(device)

    # Not the bare slot GOWA's login would make on the fly: the device's own webhook is set.
    webhook = sandbox.device_webhook(device.slot_id)
    assert webhook["webhook_url"] == settings.WHATSAPP_WEBHOOK_URL
    assert webhook["webhook_secret"] == device.webhook_secret
    device.refresh_from_db()
    assert device.state == Device.State.AWAITING_SCAN


def test_a_login_on_a_slot_made_without_the_webhook_restores_it(sandbox, settings):
    device = Device.objects.create(name="Made on the fly")
    # An earlier login created the slot on the fly, with no webhook of its own.
    sandbox.upstream("POST", "/devices", json={"device_id": device.slot_id})
    lifecycle.device_login_qr(device=device)
    webhook = sandbox.device_webhook(device.slot_id)
    assert webhook["webhook_url"] == settings.WHATSAPP_WEBHOOK_URL
    assert webhook["webhook_secret"] == device.webhook_secret


def test_a_slot_made_by_a_concurrent_login_is_used_not_refused(sandbox, settings):
    """Two logins at once on a missing slot: the second to create it finds it made (GOWA's
    DEVICE_ALREADY_EXISTS) and goes on with it, webhook set, instead of failing with 502."""
    device = Device.objects.create(name="Raced")
    # The other login has just made the slot, bare; this one still saw it missing.
    sandbox.upstream("POST", "/devices", json={"device_id": device.slot_id})
    sandbox.fault(
        method="GET", path=f"/devices/{device.slot_id}/webhook",
        status=404, code="DEVICE_NOT_FOUND", times=1,
    )  # fmt: skip
    qr = lifecycle.device_login_qr(device=device)
    assert qr.data_uri.startswith("data:image/png;base64,")
    webhook = sandbox.device_webhook(device.slot_id)
    assert webhook["webhook_url"] == settings.WHATSAPP_WEBHOOK_URL
    assert webhook["webhook_secret"] == device.webhook_secret


def test_a_login_on_a_slot_in_place_changes_nothing_upstream(sandbox, device):
    lifecycle.device_login_qr(device=device)
    _provision, *calls = [(c["method"], c["path"]) for c in sandbox.control("GET", "/requests")]
    slot = device.slot_id
    assert calls[:2] == [("GET", f"/devices/{slot}/webhook"), ("GET", f"/devices/{slot}/login")]
    assert [method for method, _ in calls] == ["GET"] * len(calls)  # the QR PNG is the rest


@pytest.mark.parametrize("action", ["login", "login/code"])
def test_a_login_on_a_paired_device_that_is_offline_is_already_logged_in(sandbox, device, action):
    lifecycle.device_login_qr(device=device)
    sandbox.scan(device.slot_id)
    sandbox.control("POST", f"/devices/{device.slot_id}/disconnect")
    with pytest.raises(DeviceAlreadyLoggedInError):
        if action == "login":
            lifecycle.device_login_qr(device=device)
        else:
            lifecycle.device_login_code(device=device, phone="6281234567890")


@pytest.fixture
def short_login_window(sandbox):
    sandbox.control("PATCH", "/config", json={"login_window": 1.0})


def test_awaiting_scan_ends_when_the_login_window_closes(sandbox, device, short_login_window):
    lifecycle.device_login_qr(device=device)
    lifecycle.device_status_refresh(device=device)
    device.refresh_from_db()
    assert device.state == Device.State.AWAITING_SCAN  # the window is still open

    time.sleep(1.2)
    lifecycle.device_status_refresh(device=device)
    device.refresh_from_db()
    assert device.state == Device.State.LOGGED_OUT


def test_reconcile_ends_an_expired_login_too(sandbox, short_login_window):
    expired = lifecycle.device_provision(device=Device.objects.create(name="Expired"))
    lifecycle.device_login_qr(device=expired)
    time.sleep(1.2)
    fresh = lifecycle.device_provision(device=Device.objects.create(name="Fresh"))
    lifecycle.device_login_code(device=fresh, phone="6281234567890")

    assert lifecycle.devices_reconcile() == 1

    expired.refresh_from_db()
    fresh.refresh_from_db()
    assert expired.state == Device.State.LOGGED_OUT
    assert fresh.state == Device.State.AWAITING_SCAN


def test_the_listener_attaches_to_a_slot_the_upstream_holds(sandbox, settings):
    lost = lifecycle.device_provision(device=Device.objects.create(name="Lost"))
    sandbox.upstream("DELETE", f"/devices/{lost.slot_id}")
    assert lifecycle.device_slot_to_listen_on(timeout=1) is None  # the upstream holds none

    sandbox.upstream("POST", "/devices", json={"device_id": "not-ours"})
    assert lifecycle.device_slot_to_listen_on(timeout=1) == "not-ours"

    kept = lifecycle.device_provision(device=Device.objects.create(name="Kept"))
    assert lifecycle.device_slot_to_listen_on(timeout=1) == kept.slot_id

    # The upstream cannot be asked: the oldest stored slot, as before.
    settings.WHATSAPP_API_URL = "http://127.0.0.1:1"
    assert lifecycle.device_slot_to_listen_on(timeout=1) == lost.slot_id


def test_a_reconcile_that_finds_nothing_new_writes_nothing(sandbox):
    paired = lifecycle.device_provision(device=Device.objects.create(name="Paired"))
    lifecycle.device_login_qr(device=paired)
    sandbox.scan(paired.slot_id)
    idle = lifecycle.device_provision(device=Device.objects.create(name="Idle"))
    assert lifecycle.devices_reconcile() == 1
    written = dict(Device.objects.values_list("pk", "updated_at"))

    assert lifecycle.devices_reconcile() == 0

    assert dict(Device.objects.values_list("pk", "updated_at")) == written
    assert Device.objects.get(pk=idle.pk).state == Device.State.CREATED


def _reconcile(device: Device) -> None:
    lifecycle.devices_reconcile()


def _refresh(device: Device) -> None:
    lifecycle.device_status_refresh(device=device)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("check", [_reconcile, _refresh], ids=["reconcile", "refresh"])
def test_a_logout_that_lands_after_the_upstream_was_read_wins(sandbox, row_lock, check):
    """The upstream says the account is online; before that answer is written, the device is
    logged out. The logout is newer than the answer and stays; the next check agrees with it."""
    device = lifecycle.device_provision(device=Device.objects.create(name="Sales"))
    lifecycle.device_login_qr(device=device)
    sandbox.scan(device.slot_id)
    # The account dropped, was recorded so, and came back: the check has news to write.
    sandbox.control("POST", f"/devices/{device.slot_id}/disconnect")
    lifecycle.device_status_refresh(device=device)
    assert device.state == Device.State.DISCONNECTED
    sandbox.upstream("POST", f"/devices/{device.slot_id}/reconnect").raise_for_status()

    # The check's write waits on the row lock, after its upstream read; the logout goes first.
    lock = row_lock(Device, device.pk)
    pending = lock.blocked(check, Device.objects.get(pk=device.pk))
    lock.commit(lifecycle.device_logout, device=Device.objects.get(pk=device.pk))
    pending.result(timeout=10)

    device.refresh_from_db()
    assert (device.state, device.jid) == (Device.State.LOGGED_OUT, "")
    check(device)
    device.refresh_from_db()
    assert (device.state, device.jid) == (Device.State.LOGGED_OUT, "")
