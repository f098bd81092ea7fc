"""`GET /messages` and `GET /messages/{id}`: the caller's messages, filtered, newest first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from factories.devices import DeviceFactory, DeviceMembershipFactory, api_key_for
from factories.messaging import MessageFactory

from contacts.models import Contact, IgnoreRule
from devices.models import Role

pytestmark = pytest.mark.django_db
URL = "/api/v1/messages"


@pytest.fixture
def member():
    return DeviceMembershipFactory(role=Role.VIEWER)


def _texts(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [m["text"] for m in response.json()["results"]]


def test_a_viewer_lists_the_messages_of_its_devices_newest_first(as_user, member):
    now = timezone.now()
    for minutes, body in ((3, "old"), (2, "middle"), (1, "new")):
        MessageFactory(device=member.device, text=body, timestamp=now - timedelta(minutes=minutes))
    MessageFactory(text="another tenant's")
    response = as_user(member.user).get(URL)
    assert _texts(response) == ["new", "middle", "old"]
    first = response.json()["results"][0]
    for field in ("id", "device_id", "chat_jid", "contact_id", "direction", "kind", "text",
                  "status", "timestamp", "error_code"):  # fmt: skip
        assert field in first
    assert "count" not in response.json()


def test_pages_follow_the_cursor_without_gaps_or_repeats_when_times_tie(as_user, member):
    moment = timezone.now()
    made = {MessageFactory(device=member.device, timestamp=moment).text for _ in range(7)}
    client = as_user(member.user)
    seen: list[str] = []
    response = client.get(URL, {"limit": 3})
    while True:
        seen += _texts(response)
        following = response.json()["next"]
        if not following:
            break
        response = client.get(following)
    assert sorted(seen) == sorted(made)
    assert len(seen) == 7


def test_the_filters_narrow_the_list(as_user, member):
    device, now = member.device, timezone.now()
    contact = Contact.objects.create(device=device, jid="6283@s.whatsapp.net", phone="6283")
    MessageFactory(device=device, text="from Ana", contact=contact, chat_jid=contact.jid)
    MessageFactory(device=device, text="photo", kind="image")
    MessageFactory(device=device, text="sent", direction="outbound", origin="api", status="read")
    MessageFactory(device=device, text="last week", timestamp=now - timedelta(days=7))
    MessageFactory(device=device, text="Invoice attached")
    client = as_user(member.user)
    assert _texts(client.get(URL, {"contact_id": str(contact.pk)})) == ["from Ana"]
    assert _texts(client.get(URL, {"chat_jid": contact.jid})) == ["from Ana"]
    assert _texts(client.get(URL, {"kind": "image"})) == ["photo"]
    assert _texts(client.get(URL, {"direction": "outbound"})) == ["sent"]
    assert _texts(client.get(URL, {"status": "read"})) == ["sent"]
    assert _texts(client.get(URL, {"search": "INVOICE"})) == ["Invoice attached"]
    assert _texts(client.get(URL, {"until": (now - timedelta(days=1)).isoformat()})) == [
        "last week"
    ]
    recent = _texts(client.get(URL, {"since": (now - timedelta(days=1)).isoformat()}))
    assert "last week" not in recent and len(recent) == 4
    assert len(_texts(client.get(URL, {"device_id": str(device.pk)}))) == 5


def test_ignored_messages_are_hidden_unless_asked_for(as_user, member):
    rule = IgnoreRule.objects.create(device=member.device, kind="keyword", value="promo")
    MessageFactory(device=member.device, text="promo!", is_ignored=True, ignore_rule=rule)
    MessageFactory(device=member.device, text="hello")
    client = as_user(member.user)
    assert _texts(client.get(URL)) == ["hello"]
    listed = client.get(URL, {"include_ignored": "true"}).json()["results"]
    assert {m["text"]: m["is_ignored"] for m in listed} == {"promo!": True, "hello": False}
    flagged = next(m for m in listed if m["is_ignored"])
    assert flagged["ignore_rule_id"] == str(rule.pk)


@pytest.mark.parametrize(
    "params, field",
    [
        ({"device_id": "not-a-uuid"}, "device_id"),
        ({"kind": "hologram"}, "kind"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"}, "until"),
        ({"include_ignored": "perhaps"}, "include_ignored"),
    ],
)
def test_bad_filters_are_400_with_the_field(as_user, member, params, field):
    response = as_user(member.user).get(URL, params)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["errors"]


def test_a_forged_cursor_is_400(as_user, member):
    response = as_user(member.user).get(URL, {"cursor": "cD0yMDI2LTk5"})
    assert (response.status_code, response.json()["code"]) == (400, "invalid_cursor")


def test_another_tenants_device_or_message_is_404(as_user, member):
    foreign = MessageFactory()
    client = as_user(member.user)
    response = client.get(URL, {"device_id": str(foreign.device_id)})
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    response = client.get(URL + "/" + str(foreign.pk))
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_one_message_is_read_by_its_id_even_when_ignored(as_user, member):
    message = MessageFactory(device=member.device, text="hidden", is_ignored=True)
    response = as_user(member.user).get(URL + "/" + str(message.pk))
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["is_ignored"]) == (str(message.pk), True)


def test_an_api_key_reads_its_own_device_only(api_client):
    device = DeviceFactory()
    MessageFactory(device=device, text="mine")
    MessageFactory(text="not mine")
    _, raw = api_key_for(device, read_only=True)
    response = api_client.get(URL, HTTP_X_API_KEY=raw)
    assert _texts(response) == ["mine"]
