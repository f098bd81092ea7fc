"""`message` events into messages and contacts: one batch at a time, each message once.

A batch of events (devices.processing) is split by device; for each device, the messages
already stored are found in one query and skipped (a redelivery or a replay changes
nothing), the people behind the new ones are upserted as contacts in one go, ignore rules
are applied, receipts that overtook their message are folded in, and the rest is one
`bulk_create`. New inbound messages are announced once the batch commits.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict

from django.db import transaction

from contacts.matching import IgnoreRules, ignore_rules_for_devices
from contacts.models import Contact
from contacts.services.seen import SeenContact, contacts_upsert_seen
from devices.processing import ProcessingItem
from devices.whatsapp.events import MessageEvent
from messaging.models import EarlyReceipt, Message
from messaging.services.receipts import receipt_apply
from messaging.signals import inbound_messages_stored

__all__ = ["messages_from_events"]

_PERSON_SERVERS = ("@s.whatsapp.net", "@lid")


def messages_from_events(items: Sequence[ProcessingItem]) -> Mapping[int, str]:
    """The `message` processor. Fails nothing on its own: a payload that cannot be a
    message was already refused by its parser."""
    by_device: dict[uuid.UUID, list[MessageEvent]] = defaultdict(list)
    for item in items:
        by_device[item.device_id].append(item.value)
    rules = ignore_rules_for_devices(by_device)
    announced: list[uuid.UUID] = []
    for device_id, events in by_device.items():
        announced += _store(device_id, events, rules[device_id])
    if announced:
        transaction.on_commit(
            lambda: inbound_messages_stored.send(sender=Message, message_ids=announced)
        )
    return {}


def _store(device_id: uuid.UUID, events: list[MessageEvent], rules: IgnoreRules) -> list:
    """Store the new messages of one device; return the ids of the new inbound ones."""
    fresh: dict[str, MessageEvent] = {}
    for event in events:
        fresh.setdefault(event.id, event)
    stored = Message.objects.filter(device_id=device_id, upstream_id__in=list(fresh))
    for upstream_id in stored.values_list("upstream_id", flat=True):
        del fresh[upstream_id]
    if not fresh:
        return []
    contacts = contacts_upsert_seen(
        device_id=device_id, seen=[s for e in fresh.values() if (s := _person(e))]
    )
    early = {
        receipt.upstream_id: receipt
        for receipt in EarlyReceipt.objects.filter(device_id=device_id, upstream_id__in=list(fresh))
    }
    messages = []
    for event in fresh.values():
        message = _message(device_id, event, contacts, rules)
        if event.id in early:
            receipt_apply(message, early[event.id].status, early[event.id].at)
        messages.append(message)
    # Another drain cannot hold these events, but a message sent through the API may have
    # taken its upstream id meanwhile: the stored row wins.
    Message.objects.bulk_create(messages, ignore_conflicts=True)
    if early:
        EarlyReceipt.objects.filter(pk__in=[r.pk for r in early.values()]).delete()
    inbound = [m.pk for m in messages if m.direction == Message.Direction.INBOUND]
    if not inbound:
        return []
    landed = set(Message.objects.filter(pk__in=inbound).values_list("pk", flat=True))
    return [pk for pk in inbound if pk in landed]


def _person(event: MessageEvent) -> SeenContact | None:
    """The contact a message belongs to: the peer of a 1:1 chat (whoever wrote), or the
    participant who wrote in a group (the account's own messages there belong to none)."""
    if event.is_group:
        if event.is_from_me:
            return None
        jid, lid, name = event.sender_jid, event.sender_lid, event.sender_name
    elif event.is_from_me:
        jid, lid, name = event.chat_jid, event.chat_lid, ""
    else:
        jid, lid, name = event.sender_jid, event.sender_lid or event.chat_lid, event.sender_name
    if not jid.endswith(_PERSON_SERVERS):
        return None
    if lid == jid or not lid.endswith("@lid"):
        lid = ""
    return SeenContact(jid=jid, lid=lid, push_name=name, at=event.timestamp)


def _message(
    device_id: uuid.UUID, event: MessageEvent, contacts: dict[str, Contact], rules: IgnoreRules
) -> Message:
    person = _person(event)
    contact = contacts.get(person.jid) if person else None
    rule_id = rules.match(
        chat_jid=event.chat_jid,
        sender_jid=event.sender_jid,
        sender_lid=event.sender_lid,
        text=event.text,
    )
    outbound = event.is_from_me
    return Message(
        device_id=device_id,
        chat_jid=event.chat_jid,
        sender_jid=event.sender_jid if event.is_group else "",
        contact=contact,
        direction=Message.Direction.OUTBOUND if outbound else Message.Direction.INBOUND,
        kind=event.kind,
        text=event.text,
        media=_without_blanks(asdict(event.media)) if event.media else {},
        location=_without_blanks(asdict(event.location)) if event.location else None,
        shared_contacts=[_without_blanks(asdict(card)) for card in event.contacts],
        replied_to_id=event.replied_to_id[:100],
        quoted_text=event.quoted_text,
        upstream_id=event.id[:100],
        status=Message.Status.SENT if outbound else Message.Status.RECEIVED,
        origin=Message.Origin.PHONE if outbound else Message.Origin.INBOUND,
        is_ignored=rule_id is not None,
        ignore_rule_id=rule_id,
        timestamp=event.timestamp,
        sent_at=event.timestamp if outbound else None,
    )


def _without_blanks(values: dict) -> dict:
    return {key: value for key, value in values.items() if value not in ("", None)}
