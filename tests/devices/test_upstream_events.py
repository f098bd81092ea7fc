"""Raw upstream events are recorded once and matched to their device."""

import pytest

from devices.models import Device, UpstreamEvent
from devices.services.events import upstream_event_record
from devices.tasks import upstream_event_ingest_task

pytestmark = pytest.mark.django_db

MESSAGE = {
    "event": "message",
    "device_id": "6281111111111@s.whatsapp.net",
    "session_id": "slot-1",
    "payload": {
        "id": "3EB0C127D7BACC83D6A1",
        "chat_id": "6282222222222@s.whatsapp.net",
        "from": "6282222222222@s.whatsapp.net",
        "timestamp": "2026-01-22T10:30:00Z",
        "is_from_me": False,
        "body": "Hello",
    },
}
ACK = {
    "event": "message.ack",
    "device_id": "6281111111111@s.whatsapp.net",
    "timestamp": "2026-01-22T10:32:00Z",
    "payload": {"ids": ["B", "A"], "from": "6282222222222@s.whatsapp.net",
                "receipt_type": "delivered"},
}


def test_a_redelivered_event_is_recorded_once():
    first, created = upstream_event_record(source="webhook", envelope=MESSAGE)
    again, created_again = upstream_event_record(source="websocket", envelope=MESSAGE)
    assert created is True
    assert created_again is False
    assert again.pk == first.pk
    assert UpstreamEvent.objects.count() == 1


def test_the_same_message_on_two_accounts_is_two_events():
    upstream_event_record(source="webhook", envelope=MESSAGE)
    other = {**MESSAGE, "device_id": "6283333333333@s.whatsapp.net", "session_id": "slot-2"}
    upstream_event_record(source="webhook", envelope=other)
    assert UpstreamEvent.objects.count() == 2


def test_receipts_dedupe_on_ids_type_and_sender():
    upstream_event_record(source="webhook", envelope=ACK)
    reordered = {**ACK, "payload": {**ACK["payload"], "ids": ["A", "B"]}}
    upstream_event_record(source="webhook", envelope=reordered)
    read = {**ACK, "payload": {**ACK["payload"], "receipt_type": "read"}}
    upstream_event_record(source="webhook", envelope=read)
    assert UpstreamEvent.objects.filter(event="message.ack").count() == 2


def test_device_is_found_by_slot_id_then_by_account_jid():
    by_slot = Device.objects.create(name="Slot", upstream_id="slot-1")
    by_jid = Device.objects.create(
        name="Jid", upstream_id="slot-9", jid="6283333333333@s.whatsapp.net"
    )
    event, _ = upstream_event_record(source="webhook", envelope=MESSAGE)
    assert event.device == by_slot
    unmapped = {**MESSAGE, "device_id": "6283333333333:12@s.whatsapp.net", "session_id": ""}
    unmapped["payload"] = {**MESSAGE["payload"], "id": "OTHER"}
    event, _ = upstream_event_record(source="webhook", envelope=unmapped)
    assert event.device == by_jid


def test_unknown_devices_and_event_types_are_recorded_not_dropped():
    strange = {"event": "label.edit", "device_id": "nobody@s.whatsapp.net", "payload": {"x": 1}}
    event, created = upstream_event_record(source="webhook", envelope=strange)
    assert created is True
    assert event.device is None
    assert event.event == "label.edit"


def test_ingest_task_records_through_the_service():
    upstream_event_ingest_task.apply(kwargs={"source": "websocket", "envelope": MESSAGE})
    upstream_event_ingest_task.apply(kwargs={"source": "websocket", "envelope": MESSAGE})
    assert UpstreamEvent.objects.filter(source="websocket").count() == 1
