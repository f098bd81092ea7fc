"""Receipts move a message forward only; edits, revokes, deletes and reactions change it."""

from __future__ import annotations

import pytest
from message_events import ACCOUNT, PEER, ack, change, text

from devices.models import UpstreamEvent
from messaging.models import EarlyReceipt, Message
from messaging.services.receipts import early_receipts_settle

pytestmark = pytest.mark.django_db
Status = UpstreamEvent.Status


def _sent(upstream_id: str) -> dict:
    """A message the account sent from its phone: the receipts are about it."""
    return text("Hi", id=upstream_id, sender=ACCOUNT, chat=PEER, is_from_me=True)


def _status(upstream_id: str) -> Message:
    return Message.objects.get(upstream_id=upstream_id)


def test_receipts_in_order_end_at_read(device, ingest):
    ingest(_sent("3EB0R1"))
    ingest(ack(["3EB0R1"], "delivered", timestamp="2026-01-22T10:31:00Z"))
    assert _status("3EB0R1").status == "delivered"
    ingest(ack(["3EB0R1"], "read", timestamp="2026-01-22T10:32:00Z"))
    message = _status("3EB0R1")
    assert message.status == "read"
    assert (message.delivered_at.minute, message.read_at.minute) == (31, 32)


def test_read_before_delivered_stays_read(device, ingest):
    ingest(_sent("3EB0R2"))
    ingest(ack(["3EB0R2"], "read"), ack(["3EB0R2"], "delivered", timestamp="2026-01-22T10:33:00Z"))
    message = _status("3EB0R2")
    assert message.status == "read"
    assert message.delivered_at is not None  # read implies delivered


def test_one_receipt_names_several_messages(device, ingest):
    ingest(_sent("3EB0M1"), _sent("3EB0M2"))
    ingest(ack(["3EB0M1", "3EB0M2"], "read"))
    assert set(Message.objects.values_list("status", flat=True)) == {"read"}


def test_a_receipt_before_its_message_is_applied_when_it_arrives(device, ingest):
    (receipt,) = ingest(ack(["3EB0EARLY"], "read"))
    assert receipt.status == Status.PROCESSED
    assert EarlyReceipt.objects.get().status == "read"
    ingest(ack(["3EB0EARLY"], "delivered", timestamp="2026-01-22T10:40:00Z"))
    assert EarlyReceipt.objects.get().status == "read"  # the furthest status is kept
    ingest(_sent("3EB0EARLY"))
    assert _status("3EB0EARLY").status == "read"
    assert EarlyReceipt.objects.count() == 0


def test_the_sweep_applies_an_early_receipt_whose_message_landed_beside_it(device, ingest):
    ingest(_sent("3EB0BESIDE"))
    # As if the receipt's transaction had not seen the message's: kept early all the same.
    EarlyReceipt.objects.create(
        device=device,
        upstream_id="3EB0BESIDE",
        status="delivered",
        at=_status("3EB0BESIDE").timestamp,
    )
    assert early_receipts_settle() == 1
    assert _status("3EB0BESIDE").status == "delivered"
    assert EarlyReceipt.objects.count() == 0


def test_a_failed_message_is_not_moved_by_a_receipt(device, ingest):
    ingest(_sent("3EB0FAIL"))
    Message.objects.filter(upstream_id="3EB0FAIL").update(status="failed")
    ingest(ack(["3EB0FAIL"], "read"))
    assert _status("3EB0FAIL").status == "failed"


def test_read_self_marks_an_inbound_message_read(device, ingest):
    ingest(text("To read", id="3EB0INBOUND"))
    ingest(ack(["3EB0INBOUND"], "read-self"))
    assert _status("3EB0INBOUND").status == "read"


def test_an_edit_a_revoke_and_a_reaction_change_the_stored_message(device, ingest):
    ingest(text("Helo", id="3EB0TARGET"))
    ingest(change("message.edited", id="3EB0EDIT", original_message_id="3EB0TARGET", body="Hello"))
    ingest(change("message.reaction", id="3EB0REACT", reacted_message_id="3EB0TARGET",
                  reaction="👍"))  # fmt: skip
    message = _status("3EB0TARGET")
    assert (message.text, message.reactions) == ("Hello", {PEER: "👍"})
    assert message.edited_at is not None
    ingest(change("message.reaction", id="3EB0UNREACT", reacted_message_id="3EB0TARGET",
                  reaction=""))  # fmt: skip
    ingest(change("message.revoked", id="3EB0REVOKE", revoked_message_id="3EB0TARGET"))
    message = _status("3EB0TARGET")
    assert message.reactions == {}
    assert message.revoked_at is not None
    ingest(change("message.deleted", deleted_message_id="3EB0TARGET"))
    assert _status("3EB0TARGET").deleted_at is not None


def test_a_change_to_a_message_not_stored_fails_with_the_reason_and_replays_later(device, ingest):
    (edit,) = ingest(change("message.edited", id="3EB0E2", original_message_id="3EB0LATER",
                            body="Edited"))  # fmt: skip
    assert (edit.status, edit.error) == (Status.FAILED, "the message 3EB0LATER is not stored")
    ingest(text("Original", id="3EB0LATER"))
    from devices.services.processing import upstream_events_reprocess

    upstream_events_reprocess(events=[edit])
    edit.refresh_from_db()
    assert edit.status == Status.PROCESSED
    assert _status("3EB0LATER").text == "Edited"
