"""`POST /messages` and its retry and cancel: validated, idempotent, access-checked."""

from __future__ import annotations

import threading

import pytest
from factories.devices import DeviceFactory, DeviceMembershipFactory, api_key_for
from factories.messaging import MessageFactory

from contacts.models import Contact
from devices.models import Device, Role
from messaging.models import Message

pytestmark = pytest.mark.django_db
URL = "/api/v1/messages"


@pytest.fixture(autouse=True)
def unpaced(settings):
    settings.SEND_RATE_PER_MINUTE = 0


@pytest.fixture
def device():
    return DeviceFactory(state=Device.State.CONNECTED, jid="6281111111111@s.whatsapp.net")


@pytest.fixture
def admin(device):
    return DeviceMembershipFactory(device=device, role=Role.ADMIN).user


def _send(client, device, **body):
    return client.post(URL, {"device_id": str(device.pk), **body}, format="json")


def test_a_text_is_queued_with_202_and_the_phone_normalised(as_user, admin, device):
    response = _send(as_user(admin), device, to="+62 822-2222-2222", text="Hello")
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["status"], body["direction"], body["kind"], body["text"]) == (
        "queued", "outbound", "text", "Hello",
    )  # fmt: skip
    assert body["chat_jid"] == "6282222222222@s.whatsapp.net"
    message = Message.objects.get()
    assert (message.origin, message.sent_by_user) == ("api", admin)
    assert message.contact.jid == body["chat_jid"]


def test_to_a_contact_and_in_reply_to_a_message(as_user, admin, device):
    contact = Contact.objects.create(device=device, jid="6283@s.whatsapp.net", phone="6283")
    original = MessageFactory(device=device, chat_jid=contact.jid, text="Coming?")
    response = _send(as_user(admin), device, contact_id=str(contact.pk), text="Yes",
                     reply_to=str(original.pk))  # fmt: skip
    assert response.status_code == 202, response.content
    message = Message.objects.get(pk=response.json()["id"])
    assert (message.chat_jid, message.replied_to_id) == (contact.jid, original.upstream_id)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"to": "0812", "text": "x"}, "to"),
        ({"text": "no recipient"}, "to"),
        ({"to": "6282222222222", "contact_id": "00000000-0000-0000-0000-000000000001",
          "text": "both"}, "to"),
        ({"to": "6282222222222"}, "text"),
        ({"to": "6282222222222", "text": "   "}, "text"),
        ({"to": "6282222222222", "text": "x" * 4097}, "text"),
        ({"to": "6282222222222", "type": "image"}, "media_url"),
        ({"to": "6282222222222", "type": "image", "media_url": "ftp://example.com/a.jpg"},
         "media_url"),
        ({"to": "6282222222222", "type": "image", "media_url": "http://127.0.0.1/a.jpg"},
         "media_url"),
        ({"to": "6282222222222", "type": "image", "media_url": "http://10.1.2.3/a.jpg"},
         "media_url"),
        ({"to": "6282222222222", "type": "location", "latitude": 91, "longitude": 0},
         "latitude"),
        ({"to": "6282222222222", "type": "hologram", "text": "x"}, "type"),
    ],
)  # fmt: skip
def test_bad_input_is_400_with_the_field_and_stores_nothing(as_user, admin, device, body, field):
    response = _send(as_user(admin), device, **body)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Message.objects.exists()


def test_an_invalid_phone_has_its_stable_code(as_user, admin, device):
    response = _send(as_user(admin), device, to="not a phone", text="x")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_recipient")


def test_a_device_not_connected_or_a_blocked_contact_is_409(as_user, admin, device):
    client = as_user(admin)
    blocked = Contact.objects.create(device=device, jid="6284@s.whatsapp.net", is_blocked=True)
    response = _send(client, device, contact_id=str(blocked.pk), text="x")
    assert (response.status_code, response.json()["code"]) == (409, "contact_blocked")
    Device.objects.filter(pk=device.pk).update(state=Device.State.DISCONNECTED)
    response = _send(client, device, to="6282222222222", text="x")
    assert (response.status_code, response.json()["code"]) == (409, "device_not_logged_in")
    assert not Message.objects.exists()


def test_another_devices_contact_or_an_invisible_device_is_404(as_user, admin, device):
    client = as_user(admin)
    foreign = Contact.objects.create(device=DeviceFactory(), jid="6285@s.whatsapp.net")
    assert _send(client, device, contact_id=str(foreign.pk), text="x").status_code == 404
    assert _send(client, DeviceFactory(), to="6282222222222", text="x").status_code == 404


def test_a_viewer_and_a_read_only_key_cannot_send(as_user, api_client, device):
    viewer = DeviceMembershipFactory(device=device, role=Role.VIEWER).user
    assert _send(as_user(viewer), device, to="6282222222222", text="x").status_code == 403
    _, raw = api_key_for(device, read_only=True)
    api_client.credentials(HTTP_X_API_KEY=raw)
    assert _send(api_client, device, to="6282222222222", text="x").status_code == 403
    _, full = api_key_for(device)
    api_client.credentials(HTTP_X_API_KEY=full)
    response = _send(api_client, device, to="6282222222222", text="x")
    assert response.status_code == 202
    assert Message.objects.get().sent_by_api_key.device == device


def test_an_idempotency_key_replays_the_first_answer_and_refuses_another_body(
    as_user, admin, device
):
    client = as_user(admin)
    body = {"to": "6282222222222", "text": "Once"}
    first = client.post(URL, {"device_id": str(device.pk), **body}, format="json",
                        HTTP_IDEMPOTENCY_KEY="order-17")  # fmt: skip
    again = client.post(URL, {"device_id": str(device.pk), **body}, format="json",
                        HTTP_IDEMPOTENCY_KEY="order-17")  # fmt: skip
    assert (first.status_code, again.status_code) == (202, 202)
    assert first.json()["id"] == again.json()["id"]
    other = client.post(URL, {"device_id": str(device.pk), **body, "text": "Twice"},
                        format="json", HTTP_IDEMPOTENCY_KEY="order-17")  # fmt: skip
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    too_long = client.post(URL, {"device_id": str(device.pk), **body}, format="json",
                           HTTP_IDEMPOTENCY_KEY="k" * 201)  # fmt: skip
    assert (too_long.status_code, too_long.json()["code"]) == (400, "invalid_idempotency_key")
    assert Message.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_make_one_message(identity_provider, device, admin):
    from identity_provider import bearer
    from rest_framework.test import APIClient

    headers = bearer(identity_provider, admin)
    # The key set is fetched once, before the race: the race is about the key, not the JWKS.
    assert APIClient().get(URL, **headers).status_code == 200
    answers: list[tuple[int, str]] = []

    def post() -> None:
        client = APIClient()
        response = client.post(URL, {"device_id": str(device.pk), "to": "6282222222222",
                                     "text": "Race"}, format="json",
                               HTTP_IDEMPOTENCY_KEY="race-1", **headers)  # fmt: skip
        answers.append((response.status_code, response.json().get("id") or response.content))

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Message.objects.count() == 1
    assert {status for status, _ in answers} == {202}, answers
    assert {pk for _, pk in answers} == {str(Message.objects.get().pk)}


def test_retry_a_failed_message_and_cancel_a_queued_one(as_user, admin, device):
    client = as_user(admin)
    failed = MessageFactory(device=device, direction="outbound", origin="api", status="failed",
                            error_code="INVALID_JID")  # fmt: skip
    response = client.post(URL + "/%s/retry" % failed.pk)
    assert response.status_code == 202
    assert (response.json()["status"], response.json()["error_code"]) == ("queued", "")
    response = client.post(URL + "/%s/retry" % failed.pk)  # queued now: not retryable
    assert (response.status_code, response.json()["code"]) == (409, "message_not_retryable")
    response = client.post(URL + "/%s/cancel" % failed.pk)
    assert (response.status_code, response.json()["status"]) == (200, "canceled")
    response = client.post(URL + "/%s/cancel" % failed.pk)
    assert (response.status_code, response.json()["code"]) == (409, "message_not_cancelable")


def test_a_viewer_cannot_retry_and_an_outsider_gets_404(as_user, device):
    message = MessageFactory(device=device, direction="outbound", origin="api", status="failed")
    viewer = DeviceMembershipFactory(device=device, role=Role.VIEWER).user
    assert as_user(viewer).post(URL + "/%s/retry" % message.pk).status_code == 403
    outsider = DeviceMembershipFactory(role=Role.OWNER).user
    assert as_user(outsider).post(URL + "/%s/retry" % message.pk).status_code == 404
