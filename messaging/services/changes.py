"""Events that change a stored message: edits, revokes (deleted for everyone), deletes (for
this account only) and reactions. Each names its message by upstream id; the messages of a
batch are locked and read in one query per device, changed in event order, written back in
one `bulk_update`. An event whose message is not stored fails with that reason, so that
`replay_events` can apply it once the message is there."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from devices.processing import ProcessingItem
from devices.whatsapp.events import DeleteEvent, EditEvent, ReactionEvent, RevokeEvent
from messaging.models import Message

__all__ = ["CHANGE_PROCESSORS"]


@dataclass(frozen=True)
class _Change:
    target: Callable[[object], str]  # the upstream id of the changed message
    apply: Callable[[Message, object], None]
    fields: tuple[str, ...]


def _edit(message: Message, event: EditEvent) -> None:
    message.text = event.text
    message.edited_at = event.timestamp


def _revoke(message: Message, event: RevokeEvent) -> None:
    message.revoked_at = message.revoked_at or event.timestamp


def _delete(message: Message, event: DeleteEvent) -> None:
    message.deleted_at = message.deleted_at or event.timestamp


def _react(message: Message, event: ReactionEvent) -> None:
    """One reaction per person: a new emoji replaces theirs, an empty one removes it."""
    reactor = event.sender_jid if not event.is_from_me else "me"
    reactions = dict(message.reactions or {})
    if event.reaction:
        reactions[reactor] = event.reaction
    else:
        reactions.pop(reactor, None)
    message.reactions = reactions


CHANGES = {
    "message.edited": _Change(lambda e: e.original_message_id, _edit, ("text", "edited_at")),
    "message.revoked": _Change(lambda e: e.revoked_message_id, _revoke, ("revoked_at",)),
    "message.deleted": _Change(lambda e: e.deleted_message_id, _delete, ("deleted_at",)),
    "message.reaction": _Change(lambda e: e.reacted_message_id, _react, ("reactions",)),
}


def _processor(change: _Change) -> Callable[[Sequence[ProcessingItem]], Mapping[int, str]]:
    def process(items: Sequence[ProcessingItem]) -> Mapping[int, str]:
        by_device: dict[uuid.UUID, list[ProcessingItem]] = defaultdict(list)
        for item in items:
            by_device[item.device_id].append(item)
        failures: dict[int, str] = {}
        for device_id, device_items in by_device.items():
            failures.update(_apply(change, device_id, device_items))
        return failures

    return process


def _apply(change: _Change, device_id: uuid.UUID, items: list[ProcessingItem]) -> dict[int, str]:
    targets = {change.target(item.value) for item in items}
    messages = {
        m.upstream_id: m
        for m in Message.objects.select_for_update()
        .filter(device_id=device_id, upstream_id__in=list(targets))
        .order_by("pk")
    }
    failures: dict[int, str] = {}
    changed: dict[uuid.UUID, Message] = {}
    for item in items:
        target = change.target(item.value)
        message = messages.get(target)
        if message is None:
            failures[item.event_id] = "the message " + target[:100] + " is not stored"
            continue
        change.apply(message, item.value)
        changed[message.pk] = message
    if changed:
        Message.objects.bulk_update(list(changed.values()), list(change.fields))
    return failures


CHANGE_PROCESSORS = {event: _processor(change) for event, change in CHANGES.items()}
