"""`message` events become messages and contacts: once each, with every shape kept."""

from __future__ import annotations

import pytest
from message_events import ACCOUNT, PEER, envelope, text

from contacts.models import Contact, IgnoreRule
from devices.models import UpstreamEvent
from messaging.models import Message
from messaging.signals import inbound_messages_stored

pytestmark = pytest.mark.django_db
Status = UpstreamEvent.Status


def test_a_text_becomes_one_message_and_one_contact(device, ingest):
    (event,) = ingest(text("Hello there"))
    assert event.status == Status.PROCESSED
    message = Message.objects.get()
    assert (message.device, message.chat_jid, message.text) == (device, PEER, "Hello there")
    assert (message.direction, message.kind, message.status, message.origin) == (
        "inbound", "text", "received", "inbound",
    )  # fmt: skip
    assert message.upstream_id == event.payload["payload"]["id"]
    contact = Contact.objects.get()
    assert (contact.jid, contact.phone, contact.push_name) == (PEER, "6282222222222", "Ana")
    assert message.contact == contact
    assert contact.last_message_at == message.timestamp


def test_the_same_delivery_five_times_gives_one_row(device, ingest):
    original = text("Once", id="3EB0DUPLICATE")
    rows = ingest(*[original] * 5)
    assert len({row.pk for row in rows}) == 1
    assert Message.objects.count() == 1
    # A replay of the processed event (replay_events) changes nothing either.
    UpstreamEvent.objects.update(status=Status.RECEIVED)
    ingest()
    assert Message.objects.count() == 1
    assert Contact.objects.count() == 1


def test_a_group_message_keeps_its_participant(device, ingest):
    group = "120363025246125888@g.us"
    ingest(text("In the group", sender=PEER, chat=group, from_name="Budi"))
    message = Message.objects.get()
    assert (message.chat_jid, message.sender_jid) == (group, PEER)
    assert message.is_group
    assert message.contact.jid == PEER  # the participant, not the group, is the contact
    assert Contact.objects.filter(jid=group).count() == 0


@pytest.mark.parametrize(
    "field, value, kind, media",
    [
        ("image", "statics/media/a.jpg", "image", {"kind": "image", "path": "statics/media/a.jpg"}),
        (
            "image",
            {"path": "statics/media/b.jpg", "caption": "Look", "mime_type": "image/jpeg"},
            "image",
            {"kind": "image", "path": "statics/media/b.jpg", "caption": "Look",
             "mime_type": "image/jpeg"},
        ),
        ("video", {"url": "https://mmg.whatsapp.net/v/x"}, "video",
         {"kind": "video", "url": "https://mmg.whatsapp.net/v/x"}),
        ("video_note", "statics/media/n.mp4", "video",
         {"kind": "video_note", "path": "statics/media/n.mp4"}),
        ("audio", "statics/media/v.ogg", "audio", {"kind": "audio", "path": "statics/media/v.ogg"}),
        ("document", {"path": "statics/media/r.pdf", "filename": "report.pdf"}, "document",
         {"kind": "document", "path": "statics/media/r.pdf", "filename": "report.pdf"}),
        ("sticker", "statics/media/s.webp", "sticker",
         {"kind": "sticker", "path": "statics/media/s.webp"}),
    ],
)  # fmt: skip
def test_every_media_shape_is_stored_with_its_metadata(device, ingest, field, value, kind, media):
    ingest(text("", **{field: value}))
    message = Message.objects.get()
    assert (message.kind, message.media) == (kind, media)
    assert message.text == media.get("caption", "")


def test_a_location_and_contact_cards_are_kept(device, ingest):
    location = {"degreesLatitude": -6.2, "degreesLongitude": 106.8, "name": "Office"}
    card = {"displayName": "Citra", "vcard": "BEGIN:VCARD\nEND:VCARD", "phone_number": "628333"}
    ingest(text("", location=location), text("", contacts_array=[card, card]))
    place, cards = Message.objects.order_by("created_at", "id")
    place, cards = sorted([place, cards], key=lambda m: m.kind != "location")
    assert place.kind == "location"
    assert place.location == {"latitude": -6.2, "longitude": 106.8, "name": "Office",
                              "live": False}  # fmt: skip
    assert cards.kind == "contact"
    assert (
        cards.shared_contacts
        == [{"display_name": "Citra", "vcard": "BEGIN:VCARD\nEND:VCARD", "phone_number": "628333"}]
        * 2
    )


def test_a_reply_keeps_what_it_replies_to(device, ingest):
    ingest(text("Yes", replied_to_id="3EB0ORIGINAL", quoted_body="Coming?"))
    message = Message.objects.get()
    assert (message.replied_to_id, message.quoted_text) == ("3EB0ORIGINAL", "Coming?")


def test_a_message_from_the_phone_itself_is_outbound_with_origin_phone(device, ingest):
    ingest(text("Sent from my phone", sender=ACCOUNT, chat=PEER, is_from_me=True))
    message = Message.objects.get()
    assert (message.direction, message.origin, message.status) == ("outbound", "phone", "sent")
    assert message.contact.jid == PEER  # the chat's peer
    assert message.contact.push_name == ""  # the account's own name is not the peer's


def test_a_person_seen_by_lid_then_by_phone_stays_one_contact(device, ingest):
    lid = "90000000000001@lid"
    ingest(text("From a LID", sender=lid, chat=lid, from_name="Dewi"))
    first = Contact.objects.get()
    assert (first.jid, first.lid, first.phone) == (lid, lid, "")
    ingest(text("From the phone", sender=PEER, chat=PEER, from_lid=lid))
    contact = Contact.objects.get()
    assert contact.pk == first.pk
    assert (contact.jid, contact.lid, contact.phone) == (PEER, lid, "6282222222222")
    assert set(Message.objects.values_list("contact", flat=True)) == {contact.pk}


def test_two_contacts_of_one_person_are_merged_when_the_lid_meets_the_phone(device, ingest):
    lid = "90000000000002@lid"
    ingest(text("By LID", sender=lid, chat=lid), text("By phone", sender=PEER))
    assert Contact.objects.count() == 2
    Contact.objects.filter(jid=lid).update(name="Named by staff")
    ingest(text("Both at once", sender=PEER, from_lid=lid))
    contact = Contact.objects.get()
    assert (contact.jid, contact.lid, contact.name) == (PEER, lid, "Named by staff")
    assert Message.objects.filter(contact=contact).count() == 3


def test_a_keyword_rule_flags_the_message_and_hides_nothing_else(device, ingest):
    rule = IgnoreRule.objects.create(device=device, kind="keyword", value="unsubscribe")
    ingest(text("Please UNSUBSCRIBE me"), text("subscribers welcome"))
    flagged = Message.objects.get(is_ignored=True)
    assert (flagged.text, flagged.ignore_rule) == ("Please UNSUBSCRIBE me", rule)
    assert Message.objects.get(is_ignored=False).text == "subscribers welcome"


def test_contact_and_group_rules_flag_their_traffic(device, ingest):
    group = "120363025246125999@g.us"
    person = IgnoreRule.objects.create(device=device, kind="contact", value=PEER)
    crowd = IgnoreRule.objects.create(device=device, kind="group", value=group)
    ingest(text("Me again", sender=PEER),
           text("Group noise", sender="6284444444444@s.whatsapp.net", chat=group),
           text("Someone else", sender="6285555555555@s.whatsapp.net"))  # fmt: skip
    rules = dict(Message.objects.values_list("text", "ignore_rule"))
    assert rules == {"Me again": person.pk, "Group noise": crowd.pk, "Someone else": None}


def test_an_inactive_or_another_devices_rule_does_not_apply(device, ingest):
    from factories.devices import DeviceFactory

    IgnoreRule.objects.create(device=device, kind="keyword", value="spam", is_active=False)
    IgnoreRule.objects.create(device=DeviceFactory(), kind="keyword", value="spam")
    ingest(text("spam spam"))
    assert Message.objects.get().is_ignored is False


@pytest.mark.django_db(transaction=True)
def test_new_inbound_messages_are_announced_once_after_commit(device, ingest):
    heard: list[list] = []

    def listener(sender, message_ids, **kwargs):
        heard.append(list(message_ids))

    inbound_messages_stored.connect(listener, dispatch_uid="test-listener")
    try:
        ingest(text("one", id="3EB0ANNOUNCE1"), text("two", id="3EB0ANNOUNCE2"),
               text("mine", is_from_me=True, sender=ACCOUNT, chat=PEER))  # fmt: skip
        ingest(text("one", id="3EB0ANNOUNCE1"))  # a redelivery: nothing new to announce
    finally:
        inbound_messages_stored.disconnect(dispatch_uid="test-listener")
    inbound = Message.objects.filter(direction="inbound").order_by("upstream_id")
    assert heard == [[m.pk for m in inbound]]


@pytest.mark.parametrize(
    "payload, reason",
    [
        ({"from": PEER, "body": "no id", "timestamp": "2026-01-22T10:30:00Z"}, "missing id"),
        ({"id": "X1", "from": PEER, "image": 42, "timestamp": "2026-01-22T10:30:00Z"},
         "image is neither a path nor an object"),
        ({"id": "X2", "from": PEER, "body": "x", "timestamp": "yesterday"},
         "timestamp does not parse: yesterday"),
        ({"id": "X3", "from": "not-a-jid", "body": "x", "timestamp": "2026-01-22T10:30:00Z"},
         "from is not a JID: not-a-jid"),
    ],
)  # fmt: skip
def test_a_malformed_payload_fails_alone_with_its_reason(device, ingest, payload, reason):
    bad, good = ingest(envelope("message", payload), text("fine"))
    assert (bad.status, bad.error) == (Status.FAILED, reason)
    assert good.status == Status.PROCESSED
    assert list(Message.objects.values_list("text", flat=True)) == ["fine"]
