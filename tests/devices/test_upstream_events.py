"""Raw upstream events are recorded once and matched to their device."""

import pytest

from devices.models import Device, UpstreamEvent
from devices.services.events import upstream_event_record, upstream_events_record_many
from devices.tasks import upstream_events_ingest_task

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


def _message(n: int, **envelope) -> dict:
    return {**MESSAGE, **envelope, "payload": {**MESSAGE["payload"], "id": f"3EB0MANY{n:08d}"}}


def test_a_batch_records_what_is_new_and_counts_it():
    assert (
        upstream_events_record_many(source="websocket", envelopes=[_message(n) for n in range(3)])
        == 3
    )
    # A redelivered batch, with one event the first did not have.
    again = [_message(n) for n in range(1, 4)]
    assert upstream_events_record_many(source="websocket", envelopes=again) == 1
    assert upstream_events_record_many(source="websocket", envelopes=again) == 0
    assert UpstreamEvent.objects.count() == 4
    assert upstream_events_record_many(source="websocket", envelopes=[]) == 0


def test_a_batch_and_single_recording_share_the_dedupe_key():
    upstream_event_record(source="webhook", envelope=MESSAGE)
    assert upstream_events_record_many(source="websocket", envelopes=[MESSAGE, ACK]) == 1
    assert UpstreamEvent.objects.get(event="message").source == "webhook"


def test_an_event_twice_in_one_batch_is_stored_once():
    reordered = {**ACK, "payload": {**ACK["payload"], "ids": ["A", "B"]}}
    batch = [MESSAGE, ACK, MESSAGE, reordered, _message(1), _message(1)]
    assert upstream_events_record_many(source="websocket", envelopes=batch) == 3
    assert UpstreamEvent.objects.count() == 3


def test_a_batch_finds_every_device_with_one_query(django_assert_num_queries):
    by_slot = Device.objects.create(name="Slot", upstream_id="slot-1")
    by_jid = Device.objects.create(
        name="Jid", upstream_id="slot-9", jid="6283333333333@s.whatsapp.net"
    )
    batch = [
        _message(1),  # slot-1
        _message(2, session_id="", device_id="6283333333333:12@s.whatsapp.net"),  # by JID
        _message(3, session_id="gone", device_id="6283333333333@s.whatsapp.net"),  # by JID
        _message(4, session_id="slot-404", device_id="nobody@s.whatsapp.net"),  # unknown
        {"event": "label.edit", "payload": {"x": 1}},  # names no device at all
    ]
    with django_assert_num_queries(2):  # the devices, then the insert
        assert upstream_events_record_many(source="websocket", envelopes=batch) == 5
    devices = dict(UpstreamEvent.objects.values_list("payload__payload__id", "device_id"))
    assert devices == {
        "3EB0MANY00000001": by_slot.pk,
        "3EB0MANY00000002": by_jid.pk,
        "3EB0MANY00000003": by_jid.pk,
        "3EB0MANY00000004": None,
        None: None,
    }
    unknown = UpstreamEvent.objects.get(event="label.edit")
    assert (unknown.device_id, unknown.account_jid, unknown.session_id) == (None, "", "")


def test_a_batch_keeps_text_the_database_cannot_hold():
    strange = _message(1)
    strange["payload"] = {
        **strange["payload"],
        "body": "nul\x00 and \ud800 lone",
        "n": float("nan"),
    }
    strange["session_id"] = "slot\x00-1"
    assert upstream_events_record_many(source="websocket", envelopes=[strange, _message(2)]) == 2
    event = UpstreamEvent.objects.get(payload__payload__id="3EB0MANY00000001")
    assert event.payload["payload"]["body"] == "nul\ufffd and \ufffd lone"
    assert event.payload["payload"]["n"] is None
    assert event.session_id == "slot\ufffd-1"


def test_a_batch_larger_than_one_statement_is_recorded_whole():
    """SQLite takes 999 parameters a statement: 250 rows of 10 columns need three."""
    upstream_events_record_many(
        source="websocket", envelopes=[_message(n) for n in range(0, 250, 5)]
    )
    new = upstream_events_record_many(
        source="websocket", envelopes=[_message(n) for n in range(250)]
    )
    assert new == 200
    assert UpstreamEvent.objects.count() == 250


def test_batch_ingest_task_records_through_the_service():
    batch = [MESSAGE, ACK, _message(1)]
    upstream_events_ingest_task.apply(kwargs={"source": "websocket", "envelopes": batch})
    upstream_events_ingest_task.apply(kwargs={"source": "websocket", "envelopes": batch})
    assert UpstreamEvent.objects.filter(source="websocket").count() == 3
