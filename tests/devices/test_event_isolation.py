"""Events are keyed by the device that signed them, never by a JID the payload supplies."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from factories.devices import DeviceFactory

from devices.models import Device, UpstreamEvent
from devices.services.events import device_for_event, upstream_events_record_batch
from devices.services.processing import upstream_events_drain
from devices.whatsapp.signing import sign

pytestmark = pytest.mark.django_db
URL = "/api/v1/webhooks/whatsapp"
PHONE_JID = "6281111111111@s.whatsapp.net"


def _message(*, account: str, slot: str, message_id: str = "3EB0AA00BB11CC22") -> dict:
    return {
        "event": "message", "device_id": account, "session_id": slot,
        "payload": {"id": message_id, "chat_id": "6282222222222@s.whatsapp.net",
                    "from": "6282222222222@s.whatsapp.net", "body": "Hi",
                    "timestamp": "2026-01-22T10:30:00Z", "is_from_me": False},
    }  # fmt: skip


def _deliver(client, device: Device, envelope: dict):
    body = json.dumps(envelope).encode()
    return client.post(
        URL, data=body, content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=sign(device.webhook_secret, body),
    )  # fmt: skip


def test_one_phone_on_two_devices_keeps_a_copy_on_each(client):
    """The same WhatsApp message id reaches both slots of one phone (CONTRACT §9.2)."""
    old = DeviceFactory(upstream_id="slot-old", jid=PHONE_JID)
    new = DeviceFactory(upstream_id="slot-new", jid=PHONE_JID)
    for device in (old, new):
        response = _deliver(client, device, _message(account=PHONE_JID, slot=device.upstream_id))
        assert response.json()["status"] == "recorded"
    assert sorted(UpstreamEvent.objects.values_list("device__upstream_id", flat=True)) == [
        "slot-new", "slot-old",
    ]  # fmt: skip
    assert _deliver(client, new, _message(account=PHONE_JID, slot="slot-new")).json()[
        "status"
    ] == "duplicate"


def test_the_listener_path_keeps_a_copy_on_each_device_too():
    DeviceFactory(upstream_id="slot-old", jid=PHONE_JID)
    DeviceFactory(upstream_id="slot-new", jid=PHONE_JID)
    new = upstream_events_record_batch(
        source="websocket",
        envelopes=[_message(account=PHONE_JID, slot=s) for s in ("slot-old", "slot-new")],
    )
    assert len(new) == 2


def test_an_event_naming_another_devices_account_is_a_mismatch_and_never_processed(client):
    """Signed with A's secret, A's slot, B's JID: recorded under A, flagged, and B's own copy of
    the event is still recorded when it comes."""
    a = DeviceFactory(upstream_id="slot-a", jid="6281000000001@s.whatsapp.net")
    b = DeviceFactory(upstream_id="slot-b", jid="6281000000002@s.whatsapp.net")
    forged = _message(account=b.jid, slot="slot-a")
    assert _deliver(client, a, forged).status_code == 200
    event = UpstreamEvent.objects.get()
    assert (event.device_id, event.status) == (a.pk, UpstreamEvent.Status.MISMATCH)
    assert b.jid in event.error
    assert upstream_events_drain() == 0
    event.refresh_from_db()
    assert event.status == UpstreamEvent.Status.MISMATCH
    real = _deliver(client, b, _message(account=b.jid, slot="slot-b"))
    assert real.json()["status"] == "recorded"
    assert UpstreamEvent.objects.get(device=b).status == UpstreamEvent.Status.RECEIVED


def test_the_listener_path_flags_a_mismatch_too():
    DeviceFactory(upstream_id="slot-a", jid="6281000000001@s.whatsapp.net")
    (event,) = upstream_events_record_batch(
        source="websocket",
        envelopes=[_message(account="6281000000002@s.whatsapp.net", slot="slot-a")],
    )
    assert event.status == UpstreamEvent.Status.MISMATCH


def test_a_jid_only_event_goes_to_the_connected_device():
    now = timezone.now()
    DeviceFactory(jid=PHONE_JID, state=Device.State.LOGGED_OUT, last_seen_at=now)
    connected = DeviceFactory(
        jid=PHONE_JID, state=Device.State.CONNECTED, last_seen_at=now - timedelta(days=3)
    )
    DeviceFactory(jid=PHONE_JID, state=Device.State.DISCONNECTED, last_seen_at=now)
    for _ in range(5):  # whatever order the database returns them in
        assert device_for_event(account_jid=PHONE_JID, session_id="") == connected


def test_without_a_connected_one_the_device_seen_last_wins():
    now = timezone.now()
    DeviceFactory(jid=PHONE_JID, state=Device.State.LOGGED_OUT, last_seen_at=now - timedelta(1))
    latest = DeviceFactory(jid=PHONE_JID, state=Device.State.DISCONNECTED, last_seen_at=now)
    assert device_for_event(account_jid=PHONE_JID, session_id="") == latest
