"""WhatsAppClient against the real sandbox upstream (sandbox/): lifecycle and faults."""

from __future__ import annotations

import time

import pytest

from devices.whatsapp import (
    WhatsAppAuthFailedError,
    WhatsAppClient,
    WhatsAppDeviceAlreadyExistsError,
    WhatsAppDeviceAlreadyLoggedInError,
    WhatsAppDeviceNotFoundError,
    WhatsAppDeviceNotLoggedInError,
    WhatsAppOutcomeUnknownError,
    WhatsAppRejectedError,
    WhatsAppUnavailableError,
)

from .support import closed_port

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def paired(sandbox, upstream) -> str:
    """A device slot that is logged in."""
    upstream.device_create("paired-1")
    upstream.device_login_qr("paired-1")
    sandbox.scan("paired-1")
    return "paired-1"


def test_full_device_walk(sandbox, upstream):
    """create -> QR -> PNG -> scan -> status -> send -> logout -> delete."""
    assert upstream.device_list() == []
    created = upstream.device_create("tenant-1")
    assert created.id == "tenant-1"
    assert created.created_at is not None
    assert [d.id for d in upstream.device_list()] == ["tenant-1"]

    # A fresh slot has no WhatsApp client: sends say "not logged in" (500 INVALID_WA_CLI).
    with pytest.raises(WhatsAppDeviceNotLoggedInError) as info:
        upstream.send_text("tenant-1", "6282222222222", "too early")
    assert info.value.code == "INVALID_WA_CLI"

    qr = upstream.device_login_qr("tenant-1")
    assert qr.device_id == "tenant-1"
    assert qr.qr_duration == 30
    png = upstream.fetch_qr_png(qr.qr_link)
    assert png.startswith(PNG_MAGIC)
    assert upstream.device_status("tenant-1").is_logged_in is False
    # While the QR login is open: 401 AUTHENTICATION_ERROR, also "not logged in".
    with pytest.raises(WhatsAppDeviceNotLoggedInError) as info:
        upstream.send_text("tenant-1", "6282222222222", "still early")
    assert info.value.code == "AUTHENTICATION_ERROR"

    sandbox.scan("tenant-1", phone="6281111111111", push_name="Shop")
    status = upstream.device_status("tenant-1")
    assert (status.is_connected, status.is_logged_in) == (True, True)
    device = upstream.device_get("tenant-1")
    assert device.jid == "6281111111111@s.whatsapp.net"
    assert device.display_name == "Shop"

    sent = upstream.send_text("tenant-1", "+62 822-2222-2222", "Hello")
    assert sent.message_id
    records = sandbox.get("/sent")
    assert [r.get("message_id") for r in records] == [sent.message_id]

    upstream.device_logout("tenant-1")
    assert upstream.device_status("tenant-1").is_logged_in is False
    assert [d.id for d in upstream.device_list()] == ["tenant-1"]  # logout keeps the slot
    upstream.device_delete("tenant-1")
    assert upstream.device_list() == []
    with pytest.raises(WhatsAppDeviceNotFoundError):
        upstream.device_get("tenant-1")


def test_pairing_code_login(sandbox, upstream):
    upstream.device_create("coded")
    code = upstream.device_login_code("coded", "+62 811 1111 1111")
    assert len(code.pair_code) == 9
    sandbox.scan("coded", phone="6281111111111")
    assert upstream.device_status("coded").is_logged_in is True
    with pytest.raises(WhatsAppRejectedError) as info:
        upstream.device_login_qr("coded")
    assert info.value.code == "ALREADY_LOGGED_IN"


def test_other_sends_and_actions(sandbox, upstream, paired):
    image = upstream.send_image(
        paired, "6282222222222", upload=("p.png", PNG_MAGIC + b"x" * 10, "image/png"), caption="c"
    )
    by_url = upstream.send_file(paired, "6282222222222", url="https://example.com/doc.pdf")
    location = upstream.send_location(paired, "6282222222222", -7.797068, 110.370529)
    contact = upstream.send_contact(paired, "6282222222222", "Ana", "5511912345678")
    ids = {image.message_id, by_url.message_id, location.message_id, contact.message_id}
    assert len(ids) == 4 and "" not in ids
    assert upstream.message_react(paired, image.message_id, "6282222222222", "👍").message_id
    assert upstream.message_revoke(paired, image.message_id, "6282222222222") is not None
    assert upstream.user_check(paired, "6282222222222").is_on_whatsapp is True
    assert upstream.app_info().version


def test_webhook_config_round_trip(upstream):
    upstream.device_create("hooked")
    hook = upstream.device_webhook_update(
        "hooked", webhook_url="https://django/hook", webhook_secret="s", webhook_events=["message"]
    )
    assert hook.webhook_url == "https://django/hook"
    assert upstream.device_webhook_get("hooked").webhook_events == ("message",)
    with pytest.raises(WhatsAppDeviceNotFoundError) as info:
        upstream.device_webhook_get("ghost")
    assert (info.value.status, info.value.code) == (404, "NOT_FOUND")


def test_device_errors(upstream, paired):
    with pytest.raises(WhatsAppDeviceAlreadyExistsError):
        upstream.device_create(paired)
    with pytest.raises(WhatsAppDeviceNotFoundError) as info:
        upstream.device_status("ghost")  # GOWA's quirk: a 500 "device ghost not found"
    assert info.value.status == 500
    with pytest.raises(WhatsAppDeviceNotFoundError) as info:
        upstream.send_text("ghost", "6282222222222", "hi")
    assert info.value.code == "DEVICE_NOT_FOUND"
    with pytest.raises(WhatsAppRejectedError) as info:
        upstream.send_text(paired, "6282222222222", "")
    assert info.value.code == "VALIDATION_ERROR"
    assert info.value.retryable is False


# --- faults ------------------------------------------------------------------------------------


def test_connection_refused():
    client = WhatsAppClient(f"http://127.0.0.1:{closed_port()}", "admin", "admin")
    with pytest.raises(WhatsAppUnavailableError) as info:
        client.device_list()
    assert (info.value.code, info.value.retryable) == ("connection_error", True)


def test_wrong_password_is_plain_text_401(sandbox):
    client = WhatsAppClient(sandbox.base_url, "admin", "wrong")
    with pytest.raises(WhatsAppAuthFailedError) as info:
        client.device_list()
    assert (info.value.status, info.value.code) == (401, "auth_failed")


def test_injected_500_is_retryable(sandbox, upstream, paired):
    sandbox.fault(method="POST", path="/send/message", status=500, message="boom", times=1)
    with pytest.raises(WhatsAppUnavailableError) as info:
        upstream.send_text(paired, "6282222222222", "hi")
    assert (info.value.status, info.value.code) == (500, "INTERNAL_SERVER_ERROR")
    # The fault was for one request only; the retry goes through.
    assert upstream.send_text(paired, "6282222222222", "hi").message_id


def test_login_on_an_offline_paired_device_is_already_logged_in(sandbox, upstream, paired):
    # GOWA's SESSION_SAVED_ERROR: a session is stored, so a new login is refused, not "retry".
    sandbox.post(f"/devices/{paired}/disconnect")
    with pytest.raises(WhatsAppDeviceAlreadyLoggedInError) as info:
        upstream.device_login_qr(paired)
    assert (info.value.status, info.value.code, info.value.retryable) == (
        500,
        "SESSION_SAVED_ERROR",
        False,
    )
    with pytest.raises(WhatsAppDeviceAlreadyLoggedInError):
        upstream.device_login_code(paired, "6281111111111")


def test_injected_gateway_timeout_is_retryable(sandbox, upstream, paired):
    sandbox.fault(path="/send/message", status=504, code="GATEWAY_TIMEOUT", times=1)
    with pytest.raises(WhatsAppUnavailableError) as info:
        upstream.send_text(paired, "6282222222222", "hi")
    assert info.value.code == "GATEWAY_TIMEOUT"


def test_injected_reachout_timelock(sandbox, upstream, paired):
    sandbox.fault(path="/send/*", status=429, code="WA_REACHOUT_TIMELOCK", times=1)
    with pytest.raises(WhatsAppUnavailableError) as info:
        upstream.send_text(paired, "6282222222222", "hi")
    assert (info.value.status, info.value.code) == (429, "WA_REACHOUT_TIMELOCK")


def test_injected_plain_text_401(sandbox, upstream):
    sandbox.fault(path="/devices", status=401, plain_text=True, message="Unauthorized", times=1)
    with pytest.raises(WhatsAppAuthFailedError):
        upstream.device_list()


def test_timeout_after_accept_on_send_is_outcome_unknown(sandbox, paired):
    client = WhatsAppClient(sandbox.base_url, "admin", "admin", send_timeout=0.3, read_timeout=0.3)
    sandbox.fault(method="POST", path="/send/message", timeout_after_accept=True, times=1)
    started = time.monotonic()
    with pytest.raises(WhatsAppOutcomeUnknownError) as info:
        client.send_text(paired, "6282222222222", "maybe delivered")
    assert time.monotonic() - started < 2
    assert (info.value.code, info.value.retryable) == ("read_timeout", False)
    sandbox.fault(method="GET", path="/devices", timeout_after_accept=True, times=1)
    with pytest.raises(WhatsAppUnavailableError) as info:
        client.device_list()  # a GET has no side effect: plainly retryable
    assert info.value.code == "read_timeout"


def test_slow_upstream_within_timeout_succeeds(sandbox, upstream, paired):
    sandbox.fault(method="POST", path="/send/message", delay=0.3, times=1)
    assert upstream.send_text(paired, "6282222222222", "slow").message_id


def test_dropped_connection(sandbox, upstream, paired):
    sandbox.fault(method="POST", path="/send/message", drop_connection=True, times=1)
    with pytest.raises(WhatsAppOutcomeUnknownError) as info:
        upstream.send_text(paired, "6282222222222", "hi")
    assert info.value.code == "connection_dropped"
    sandbox.fault(method="GET", path="/devices", drop_connection=True, times=1)
    with pytest.raises(WhatsAppUnavailableError) as info:
        upstream.device_list()
    assert info.value.code == "connection_dropped"
    assert [d.id for d in upstream.device_list()] == [paired]  # the client recovers
