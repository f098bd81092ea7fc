"""Reads on messages, always through the devices the caller can see (devices.access)."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db.models import QuerySet

from devices.access import Actor, device_get_for_actor, devices_visible_to
from messaging.errors import MessageNotFoundError
from messaging.models import Message

__all__ = ["message_get_for_actor", "messages_for_actor"]


def messages_for_actor(
    *,
    actor: Actor,
    device_id: uuid.UUID | None = None,
    contact_id: uuid.UUID | None = None,
    chat_jid: str = "",
    direction: str = "",
    status: str = "",
    kind: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    search: str = "",
    include_ignored: bool = False,
) -> QuerySet[Message]:
    """The caller's messages, newest first, filtered. Ignored messages are left out unless
    asked for. A `device_id` the caller cannot see is 404, not an empty list."""
    if device_id is not None:
        messages = Message.objects.filter(
            device=device_get_for_actor(actor=actor, device_id=device_id)
        )
    else:
        messages = Message.objects.filter(device__in=devices_visible_to(actor=actor).values("pk"))
    if not include_ignored:
        messages = messages.filter(is_ignored=False)
    if contact_id is not None:
        messages = messages.filter(contact_id=contact_id)
    if chat_jid:
        messages = messages.filter(chat_jid=chat_jid)
    if direction:
        messages = messages.filter(direction=direction)
    if status:
        messages = messages.filter(status=status)
    if kind:
        messages = messages.filter(kind=kind)
    if since is not None:
        messages = messages.filter(timestamp__gte=since)
    if until is not None:
        messages = messages.filter(timestamp__lt=until)
    if search:
        messages = messages.filter(text__icontains=search)
    return messages.order_by("-timestamp", "-id")


def message_get_for_actor(*, actor: Actor, message_id: uuid.UUID) -> Message:
    """One message, ignored or not, if the caller sees its device; else 404."""
    message = Message.objects.filter(
        pk=message_id, device__in=devices_visible_to(actor=actor).values("pk")
    ).first()
    if message is None:
        raise MessageNotFoundError
    return message
