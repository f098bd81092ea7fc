"""Reads on messages, always through the devices the caller can see (devices.access)."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db.models import QuerySet

from contacts.models import Contact
from devices.access import VIEWER, Actor, device_get_for_actor, devices_visible_to
from devices.models import Device
from messaging.errors import ContactNotFoundError, MessageNotFoundError
from messaging.models import Message

__all__ = [
    "contact_of_device",
    "message_get_for_actor",
    "message_of_device",
    "messages_for_actor",
]


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


def message_get_for_actor(
    *, actor: Actor, message_id: uuid.UUID, min_role: str = VIEWER
) -> Message:
    """One message, ignored or not, if the caller sees its device (404 otherwise) with at
    least `min_role` (403 otherwise)."""
    visible = devices_visible_to(actor=actor)
    message = (
        Message.objects.filter(pk=message_id, device__in=visible.values("pk"))
        .select_related("device")
        .first()
    )
    if message is None:
        raise MessageNotFoundError
    device_get_for_actor(actor=actor, device_id=message.device_id, min_role=min_role)
    return message


def contact_of_device(*, device: Device, contact_id: uuid.UUID | None) -> Contact | None:
    """The device's contact with this id (None for no id); 404 for another's."""
    if contact_id is None:
        return None
    contact = Contact.objects.filter(device=device, pk=contact_id).first()
    if contact is None:
        raise ContactNotFoundError
    return contact


def message_of_device(*, device: Device, message_id: uuid.UUID | None) -> Message | None:
    """The device's message with this id (None for no id); 404 for another's."""
    if message_id is None:
        return None
    message = Message.objects.filter(device=device, pk=message_id).first()
    if message is None:
        raise MessageNotFoundError
    return message
