"""Every `message` shape GOWA sends, delivered signed by the phone side's `/messages` route.

Each test compares the whole payload as the webhook receiver got it (signature checked over
the raw bytes), so a field too many is a failure just like a field missing.
"""

from __future__ import annotations

import pytest
import requests
from sandbox_helpers import (
    ACCOUNT_JID,
    CDN_URL,
    CONTACT_JID,
    CONTACT_PHONE,
    GROUP,
    LID,
    MEDIA_PATH,
    Gowa,
    Phone,
    from_account,
    from_contact,
)

PARTICIPANT = "6283333333333"
UNKNOWN_LID = "251556368777322@lid"
CAPTIONED = ("image", "video", "video_note", "document")


def test_text_with_names_reply_and_flags(phone: Phone) -> None:
    payload = phone.payload(
        "messages",
        **{"from": CONTACT_PHONE, "text": "I'm fine", "from_name": "John"},
        display_name="John (saved)",
        replied_to_id="3EB0C127D7BACC83D6A1",
        quoted_body="How are you?",
        forwarded=True,
    )
    assert payload == from_contact(
        from_name="John",
        sender_display_name="John (saved)",
        body="I'm fine",
        replied_to_id="3EB0C127D7BACC83D6A1",
        quoted_body="How are you?",
        forwarded=True,
    )


@pytest.mark.parametrize("kind", CAPTIONED)
def test_captionable_media_is_a_path_then_path_and_caption(
    phone: Phone, gowa: Gowa, kind: str
) -> None:
    bare = phone.payload("messages", **{"from": CONTACT_PHONE, "kind": kind})
    assert bare == from_contact(**{kind: MEDIA_PATH})
    served = requests.get(f"{gowa.base_url}/{bare[kind]}", timeout=5)
    assert served.status_code == 200
    assert served.content

    captioned = phone.payload("messages", **{"from": CONTACT_PHONE, "kind": kind}, caption="see")
    assert captioned == from_contact(body="see", **{kind: {"path": MEDIA_PATH, "caption": "see"}})


def test_media_extensions_follow_the_kind_and_the_document_name(phone: Phone) -> None:
    paths = {
        kind: phone.payload("messages", **{"from": CONTACT_PHONE, "kind": kind}, **extra)[kind]
        for kind, extra in (
            ("image", {}), ("video", {}), ("video_note", {}), ("audio", {}),
            ("sticker", {}), ("document", {"filename": "report.xlsx"}),
        )
    }  # fmt: skip
    extensions = {kind: path.rsplit(".", 1)[1] for kind, path in paths.items()}
    assert extensions == {
        "image": "png", "video": "mp4", "video_note": "mp4", "audio": "ogg",
        "sticker": "webp", "document": "xlsx",
    }  # fmt: skip


@pytest.mark.parametrize("kind", ["audio", "sticker"])
def test_audio_and_sticker_are_a_path_or_a_url_and_never_captioned(phone: Phone, kind: str) -> None:
    stored = phone.payload("messages", **{"from": CONTACT_PHONE, "kind": kind}, caption="x")
    assert stored == from_contact(**{kind: MEDIA_PATH})
    remote = phone.payload("messages", **{"from": CONTACT_PHONE, "kind": kind}, auto_download=False)
    assert remote == from_contact(**{kind: {"url": CDN_URL}})


def test_media_without_auto_download_is_a_cdn_url_object(phone: Phone) -> None:
    def remote(kind: str, **extra: str) -> dict:
        body = {"from": CONTACT_PHONE, "kind": kind, "auto_download": False, **extra}
        return phone.payload("messages", **body)

    assert remote("image", caption="look") == from_contact(
        body="look", image={"url": CDN_URL, "caption": "look"}
    )
    # The caption key is there even when empty, as GOWA writes GetCaption().
    assert remote("video") == from_contact(video={"url": CDN_URL, "caption": ""})
    assert remote("video_note") == from_contact(video_note={"url": CDN_URL, "caption": ""})
    assert remote("document", filename="report.pdf", caption="Monthly") == from_contact(
        body="Monthly", document={"url": CDN_URL, "filename": "report.pdf"}
    )
    assert b"\\u0026oh=01_" in phone.last.body  # the URL's `&` as Go escapes it


def test_auto_download_off_for_the_whole_sandbox(phone: Phone, gowa: Gowa) -> None:
    config = gowa.control("PATCH", "/config", json={"auto_download_media": False}).json()
    assert config["auto_download_media"] is False
    off = phone.payload("messages", **{"from": CONTACT_PHONE, "kind": "sticker"})
    assert off["sticker"] == {"url": CDN_URL}
    on = phone.payload("messages", **{"from": CONTACT_PHONE, "kind": "sticker"}, auto_download=True)
    assert on["sticker"] == MEDIA_PATH


def test_failed_download_and_view_once(phone: Phone) -> None:
    failed = phone.payload(
        "messages",
        **{"from": CONTACT_PHONE, "kind": "image"},
        caption="lost",
        download_failed=True,
    )
    assert failed == from_contact(body="lost")  # GOWA still sends the event, without media
    once = phone.payload("messages", **{"from": CONTACT_PHONE, "kind": "image"}, view_once=True)
    assert once == from_contact(image=MEDIA_PATH, view_once=True)


def test_location_and_live_location_are_protobuf_structs(phone: Phone) -> None:
    place = phone.payload(
        "messages",
        **{"from": CONTACT_PHONE, "kind": "location"},
        latitude=-6.2088,
        longitude=106.0,
        name="Jakarta",
        address="Central Jakarta",
    )
    assert place == from_contact(
        location={
            "degreesLatitude": -6.2088,
            "degreesLongitude": 106,
            "name": "Jakarta",
            "address": "Central Jakarta",
        }
    )
    # A struct keeps Go's field order on the wire; a whole float is written as Go writes it.
    assert (
        b'"location":{"degreesLatitude":-6.2088,"degreesLongitude":106,'
        b'"name":"Jakarta","address":"Central Jakarta"}' in phone.last.body
    )
    pin = phone.payload("messages", **{"from": CONTACT_PHONE, "kind": "location"})
    assert pin["location"] == {"degreesLatitude": -6.2, "degreesLongitude": 106.8}

    live = phone.payload(
        "messages",
        **{"from": CONTACT_PHONE, "kind": "live_location"},
        latitude=-7.8050297,
        longitude=110.4549165,
        caption="on my way",
        sequence_number=3,
    )
    assert live == from_contact(
        live_location={
            "degreesLatitude": -7.8050297,
            "degreesLongitude": 110.4549165,
            "caption": "on my way",
            "sequenceNumber": 3,
        }
    )


def test_contact_and_contacts_array(phone: Phone) -> None:
    card = phone.payload(
        "messages",
        **{"from": CONTACT_PHONE, "kind": "contact"},
        contact_name="3Care",
        contact_phone="+62132",
    )
    vcard = (
        "BEGIN:VCARD\nVERSION:3.0\nN:;3Care;;;\nFN:3Care\n"
        "TEL;type=CELL;waid=62132:+62132\nEND:VCARD"
    )
    assert card == from_contact(
        contact={"displayName": "3Care", "vcard": vcard, "phone_number": "62132"}
    )
    assert b'"contact":{"displayName":"3Care","vcard":' in phone.last.body  # struct order

    several = phone.payload(
        "messages",
        **{"from": CONTACT_PHONE, "kind": "contacts"},
        contacts=[{"name": "Alice", "phone": "6281200000001"}, {"name": "Office"}],
    )
    alice, office = several.pop("contacts_array")
    assert several == from_contact()
    assert alice["displayName"] == "Alice"
    assert alice["phone_number"] == "6281200000001"
    assert "waid=6281200000001" in alice["vcard"]
    # No TEL line, no phone_number: Go's omitempty leaves the key out.
    assert office == {
        "displayName": "Office",
        "vcard": "BEGIN:VCARD\nVERSION:3.0\nN:;Office;;;\nFN:Office\nEND:VCARD",
    }


def test_group_message_names_the_group_and_the_participant(phone: Phone) -> None:
    payload = phone.payload(
        "messages", **{"from": PARTICIPANT, "chat_id": GROUP, "text": "hi all"}, from_name="Budi"
    )
    assert payload == from_contact(
        chat_id=GROUP,
        **{"from": f"{PARTICIPANT}@s.whatsapp.net"},
        from_name="Budi",
        sender_display_name="Budi",
        body="hi all",
    )
    hidden = phone.payload("messages", **{"from": UNKNOWN_LID, "chat_id": GROUP, "text": "psst"})
    assert hidden == from_contact(
        chat_id=GROUP,
        **{"from": UNKNOWN_LID},
        from_lid=UNKNOWN_LID,
        sender_display_name=UNKNOWN_LID.split("@")[0],
        body="psst",
    )


def test_lid_only_sender_in_a_one_to_one_chat(phone: Phone) -> None:
    payload = phone.payload("messages", **{"from": UNKNOWN_LID, "text": "who am I"})
    assert payload == from_contact(
        chat_id=UNKNOWN_LID,
        chat_lid=UNKNOWN_LID,
        **{"from": UNKNOWN_LID},
        from_lid=UNKNOWN_LID,
        sender_display_name=UNKNOWN_LID.split("@")[0],
        body="who am I",
    )


def test_lid_fields_can_be_left_out_or_given(phone: Phone) -> None:
    plain = phone.payload("messages", **{"from": CONTACT_PHONE, "text": "x"}, from_lid=False)
    assert "from_lid" not in plain
    given = phone.payload(
        "messages", **{"from": CONTACT_PHONE, "text": "x"}, from_lid=UNKNOWN_LID, chat_lid=True
    )
    assert given["from_lid"] == UNKNOWN_LID
    assert given["chat_lid"] == LID
    assert given["chat_id"] == CONTACT_JID


def test_messages_typed_on_the_phone(phone: Phone) -> None:
    direct = phone.payload(
        "messages", **{"from": CONTACT_PHONE, "text": "sent from my phone"}, is_from_me=True
    )
    assert direct == from_account(body="sent from my phone")
    in_group = phone.payload("messages", chat_id=GROUP, text="to the group", is_from_me=True)
    assert (in_group["chat_id"], in_group["from"]) == (GROUP, ACCOUNT_JID)


def test_given_id_timestamp_and_extra_fields(phone: Phone) -> None:
    payload = phone.payload(
        "messages",
        **{"from": CONTACT_PHONE, "text": "ad"},
        id="ABCDEF0123456789ABCDEF0123456789",
        timestamp="2026-01-22T10:30:00Z",
        extra={"referral": {"source_url": "https://ads.example/1"}},
    )
    assert payload["id"] == "ABCDEF0123456789ABCDEF0123456789"
    assert payload["timestamp"] == "2026-01-22T10:30:00Z"
    assert payload["referral"] == {"source_url": "https://ads.example/1"}


@pytest.mark.parametrize(
    "body",
    [
        {"from": CONTACT_PHONE, "kind": "poll"},
        {"from": CONTACT_PHONE},  # a text message without text
        {"text": "nobody sent this"},
        {"from": "0812", "text": "not international"},
        {"from": CONTACT_PHONE, "kind": "location", "latitude": 91},
        {"from": CONTACT_PHONE, "kind": "location", "latitude": "-6.2"},
        {"from": CONTACT_PHONE, "kind": "contacts", "contacts": []},
        {"from": CONTACT_PHONE, "kind": "image", "auto_download": "no"},
        {"from": CONTACT_PHONE, "text": "x", "from_lid": 5},
        {"from": CONTACT_PHONE, "text": "x", "extra": []},
    ],
)
def test_bad_message_descriptions_are_refused(phone: Phone, body: dict) -> None:
    assert phone.refused("messages", **body) == (400, "VALIDATION_ERROR")
    assert phone.receiver.deliveries == []
