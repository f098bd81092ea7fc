"""Receipts, reactions, edits, revokes and deletes, delivered signed by the phone side.

They refer to a message by id; when the sandbox has seen it (sent through REST, or emitted as
an incoming `message`), its chat and sender are the defaults.
"""

from __future__ import annotations

from typing import Any

import pytest
from sandbox_helpers import (
    ACCOUNT_JID,
    CONTACT_JID,
    CONTACT_PHONE,
    GROUP,
    LID,
    STAMP,
    Gowa,
    Phone,
    from_account,
    from_contact,
)

PARTICIPANT_JID = "6283333333333@s.whatsapp.net"
DELIVERED = "means the message was delivered to the device (but the user might not have noticed)."
READ = "the user opened the chat and saw the message."


def sent_to(gowa: Gowa, phone: str, text: str = "hi") -> str:
    answer = gowa.post("/send/message", json={"phone": phone, "message": text})
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]["message_id"]


def incoming(phone: Phone, **body: Any) -> str:
    return phone.payload("messages", **{"from": CONTACT_PHONE, "text": "Hello", **body})["id"]


def test_receipts_for_several_ids_in_any_order(phone: Phone, gowa: Gowa) -> None:
    first, second = sent_to(gowa, CONTACT_PHONE), sent_to(gowa, CONTACT_PHONE)
    read = phone.send("receipts", message_ids=[first, second], receipt_type="read")
    assert read["timestamp"] == STAMP  # acks carry a top-level timestamp
    assert read["payload"] == {
        "ids": [first, second],
        "chat_id": CONTACT_JID,
        "from": CONTACT_JID,
        "from_lid": LID,
        "sender_display_name": CONTACT_PHONE,
        "receipt_type": "read",
        "receipt_type_description": READ,
    }
    # A delivered receipt after the read one, under GOWA's own `ids` name, with a given time.
    late = phone.send("receipts", ids=[second], timestamp="2026-01-22T10:32:00Z")
    assert late["timestamp"] == "2026-01-22T10:32:00Z"
    assert late["payload"]["ids"] == [second]
    assert late["payload"]["receipt_type"] == "delivered"
    assert late["payload"]["receipt_type_description"] == DELIVERED


def test_read_self_names_the_chat_of_the_incoming_message(phone: Phone) -> None:
    message_id = incoming(phone)
    [seen] = phone.gowa.control("GET", "/inbound", params={"device_id": "tenant-1"}).json()
    assert seen["payload"]["id"] == message_id  # what the book looks the chat up in
    ack = phone.payload("receipts", message_ids=[message_id], receipt_type="read-self")
    assert (ack["chat_id"], ack["from"]) == (CONTACT_JID, ACCOUNT_JID)
    assert ack["sender_display_name"] == "Ana"
    assert "from_name" not in ack


def test_group_receipts_come_from_a_participant(phone: Phone, gowa: Gowa) -> None:
    message_id = sent_to(gowa, GROUP)
    assert phone.refused("receipts", message_ids=[message_id]) == (400, "VALIDATION_ERROR")
    ack = phone.payload("receipts", message_ids=[message_id], **{"from": "6283333333333"})
    assert (ack["chat_id"], ack["from"]) == (GROUP, PARTICIPANT_JID)
    hidden = phone.payload("receipts", message_ids=["3EB0X"], **{"from": "2515563687@lid"})
    assert hidden["from"] == hidden["from_lid"] == hidden["chat_id"] == "2515563687@lid"


def test_reactions_on_sent_and_incoming_messages(phone: Phone, gowa: Gowa) -> None:
    mine = sent_to(gowa, CONTACT_PHONE)
    # The contact reacts to what the platform sent: chat and sender default from the message.
    assert phone.payload("reactions", message_id=mine, reaction="❤️") == from_contact(
        reaction="❤️", reacted_message_id=mine
    )
    removed = phone.payload("reactions", message_id=mine, reaction="")
    assert (removed["reaction"], removed["reacted_message_id"]) == ("", mine)

    theirs = incoming(phone)
    own = phone.payload("reactions", message_id=theirs, is_from_me=True)
    assert own == from_account(reaction="👍", reacted_message_id=theirs)
    assert "timestamp" not in phone.send("reactions", message_id=theirs, is_from_me=True)


def test_edits_carry_their_own_id_and_the_new_body(phone: Phone) -> None:
    original = incoming(phone, text="helo")
    edit = phone.payload("edits", message_id=original, text="hello")
    assert edit == from_contact(original_message_id=original, body="hello")
    assert edit["id"] != original
    caption_edit = phone.payload("edits", message_id=original)
    assert "body" not in caption_edit  # GOWA reads only text edits


def test_revokes_by_the_sender_the_account_and_a_group_admin(phone: Phone, gowa: Gowa) -> None:
    theirs = incoming(phone)
    by_contact = phone.payload("revokes", message_id=theirs)
    assert by_contact == from_contact(
        revoked_message_id=theirs, revoked_from_me=True, revoked_chat=ACCOUNT_JID
    )

    mine = sent_to(gowa, CONTACT_PHONE)
    by_me = phone.payload("revokes", message_id=mine, is_from_me=True)
    assert (by_me["is_from_me"], by_me["from"]) == (True, ACCOUNT_JID)
    assert (by_me["revoked_from_me"], by_me["revoked_chat"]) == (True, CONTACT_JID)

    in_group = incoming(phone, chat_id=GROUP)
    by_admin = phone.payload("revokes", message_id=in_group, **{"from": "6283333333333"})
    assert by_admin["chat_id"] == by_admin["revoked_chat"] == GROUP
    assert by_admin["revoked_from_me"] is False


def test_delete_for_me_describes_the_deleted_message(phone: Phone, gowa: Gowa) -> None:
    theirs = incoming(phone, text="secret plan")
    deleted = phone.send("deletes", message_id=theirs)
    assert "timestamp" not in deleted  # a message-family event
    assert deleted["payload"] == {
        "deleted_message_id": theirs,
        "timestamp": STAMP,
        "from": CONTACT_JID,
        "sender_display_name": CONTACT_PHONE,
        "chat_id": CONTACT_JID,
        "original_content": "secret plan",
        "original_sender": CONTACT_JID,
        "original_timestamp": STAMP,
        "was_from_me": False,
    }

    document = phone.payload(
        "messages", **{"from": CONTACT_PHONE, "kind": "document"}, auto_download=False
    )["id"]
    media = phone.payload("deletes", message_id=document)
    assert (media["original_media_type"], media["original_filename"]) == (
        "document",
        "document.pdf",
    )

    mine = sent_to(gowa, CONTACT_PHONE, "typed by the platform")
    own = phone.payload("deletes", message_id=mine)
    assert (own["from"], own["was_from_me"]) == (ACCOUNT_JID, True)
    assert own["original_content"] == "typed by the platform"

    assert phone.refused("deletes", message_id="UNSEEN") == (400, "VALIDATION_ERROR")
    unseen = phone.payload("deletes", message_id="UNSEEN", **{"from": CONTACT_PHONE})
    assert unseen == {
        "deleted_message_id": "UNSEEN",
        "timestamp": STAMP,
        "from": CONTACT_JID,
        "sender_display_name": CONTACT_PHONE,
    }


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("receipts", {"message_ids": []}),
        ("receipts", {"message_ids": ["x"], "receipt_type": "played", "from": CONTACT_PHONE}),
        ("receipts", {"message_ids": ["x"], "receipt_type": "read-self"}),
        ("reactions", {"from": CONTACT_PHONE}),
        ("reactions", {"message_id": "x"}),  # unseen, and no sender named
        ("edits", {"message_id": "x", "from": CONTACT_PHONE, "text": 5}),
        ("revokes", {"message_id": "x", "from": CONTACT_PHONE, "revoked_from_me": "yes"}),
        ("deletes", {}),
    ],
)
def test_bad_action_descriptions_are_refused(phone: Phone, route: str, body: dict) -> None:
    assert phone.refused(route, **body) == (400, "VALIDATION_ERROR")


def test_actions_need_a_paired_device(gowa: Gowa) -> None:
    gowa.create_device("unpaired")
    for route in ("receipts", "reactions", "edits", "revokes", "deletes"):
        answer = gowa.control("POST", f"/devices/unpaired/{route}", json={"message_id": "x"})
        assert (answer.status_code, answer.json()["code"]) == (409, "DEVICE_NOT_LOGGED_IN")
    missing = gowa.control("POST", "/devices/nobody/reactions", json={})
    assert (missing.status_code, missing.json()["code"]) == (404, "DEVICE_NOT_FOUND")
