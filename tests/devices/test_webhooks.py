"""`POST /api/v1/webhooks/whatsapp`: signature over the raw body, each event recorded once."""

import json

import pytest

from devices.models import Device, UpstreamEvent
from devices.services import lifecycle
from devices.services.devices import device_create
from devices.whatsapp.signing import sign
from tests.conftest import wait_for

URL = "/api/v1/webhooks/whatsapp"
EVENT = {
    "event": "message",
    "device_id": "6281111111111@s.whatsapp.net",
    "session_id": "slot-1",
    "payload": {"id": "3EB0C127D7BACC83D6A1", "from": "6282222222222@s.whatsapp.net",
                "chat_id": "6282222222222@s.whatsapp.net", "body": "Hello",
                "timestamp": "2026-01-22T10:30:00Z", "is_from_me": False},
}


def _post(client, body: bytes, signature: str | None):
    headers = {"HTTP_X_HUB_SIGNATURE_256": signature} if signature else {}
    return client.post(URL, data=body, content_type="application/json", **headers)


@pytest.mark.django_db(transaction=True)
def test_the_sandbox_delivers_a_signed_message_that_is_recorded_once(
    live_server, sandbox, settings
):
    from factories.accounts import UserFactory

    settings.WHATSAPP_WEBHOOK_URL = live_server.url + URL
    device = device_create(name="Hooks", created_by=UserFactory())
    lifecycle.device_login_qr(device=device)
    sandbox.scan(device.slot_id, phone="6281111111111")
    sandbox.control("POST", f"/devices/{device.slot_id}/messages",
                    json={"from": "6282222222222", "text": "Hi there", "id": "3EB0FEEDFACE0001"})
    event = wait_for(
        lambda: UpstreamEvent.objects.filter(source="webhook", event="message").first(),
        20, "the webhook",
    )
    assert event.device_id == device.pk
    assert event.payload["payload"]["id"] == "3EB0FEEDFACE0001"
    # The row is committed before the answer reaches the sandbox, which notes it after.
    wait_for(
        lambda: sandbox.control("GET", "/webhooks")[-1]["last_status"] == 200,
        10, "the sandbox to see the 200",
    )


@pytest.mark.django_db
def test_a_redelivery_answers_duplicate_and_stores_nothing_new(client):
    device = Device.objects.create(name="D", upstream_id="slot-1")
    body = json.dumps(EVENT).encode()
    first = _post(client, body, sign(device.webhook_secret, body))
    again = _post(client, body, sign(device.webhook_secret, body))
    assert (first.status_code, first.json()["status"]) == (200, "recorded")
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert UpstreamEvent.objects.get().device == device


@pytest.mark.django_db
@pytest.mark.parametrize("signature", [None, "sha256=" + "0" * 64, "deadbeef", "sha256="])
def test_a_bad_signature_is_401_and_records_nothing(client, signature):
    Device.objects.create(name="D", upstream_id="slot-1")
    response = _post(client, json.dumps(EVENT).encode(), signature)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_signature"
    assert not UpstreamEvent.objects.exists()


@pytest.mark.django_db
def test_another_devices_secret_does_not_verify(client):
    Device.objects.create(name="D", upstream_id="slot-1")
    other = Device.objects.create(name="Other", upstream_id="slot-2")
    body = json.dumps(EVENT).encode()
    response = _post(client, body, sign(other.webhook_secret, body))
    assert (response.status_code, response.json()["code"]) == (401, "invalid_signature")
    assert not UpstreamEvent.objects.exists()


@pytest.mark.django_db
def test_the_global_secret_signs_events_of_unknown_devices(client, settings):
    body = json.dumps({**EVENT, "device_id": "nobody@s.whatsapp.net", "session_id": ""}).encode()
    response = _post(client, body, sign(settings.WHATSAPP_WEBHOOK_SECRET, body))
    assert response.status_code == 200
    assert UpstreamEvent.objects.get().device is None


@pytest.mark.django_db
@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"payload": {}}'])
def test_a_signed_body_that_is_not_an_event_is_400(client, settings, body):
    response = _post(client, body, sign(settings.WHATSAPP_WEBHOOK_SECRET, body))
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_event"
    assert not UpstreamEvent.objects.exists()


@pytest.mark.django_db
def test_an_oversized_body_is_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = json.dumps({**EVENT, "padding": "x" * 2048}).encode()
    response = _post(client, body, sign(settings.WHATSAPP_WEBHOOK_SECRET, body))
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert not UpstreamEvent.objects.exists()
