"""The outbox: a message to send is a `Message` row committed as `queued`; its send task is
enqueued once the row commits (messaging.services.sending does the rest).

`message_queue` checks what the caller asked for (the device is logged in, the recipient is
a phone, a JID or a contact that is not blocked) and honours an `Idempotency-Key`: unique per
device, so a replay returns the message the first request made, the same key with another
request is 422, and two concurrent requests with one key make one message (the unique index
decides; the loser reads the winner's row).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from contacts.models import Contact
from contacts.services.seen import SeenContact, contacts_upsert_seen
from devices.access import Actor
from devices.errors import DeviceNotLoggedInError, InvalidRecipientError
from devices.models import Device
from devices.services.sending import recipient_jid
from messaging.errors import (
    ContactBlockedError,
    IdempotencyKeyReusedError,
    MessageNotCancelableError,
    MessageNotRetryableError,
)
from messaging.models import Message

__all__ = ["Draft", "message_cancel", "message_queue", "message_retry"]

Status = Message.Status
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Draft:
    """What to send (the API's validated input, minus the recipient and the device)."""

    kind: str = "text"
    text: str = ""
    media_url: str = ""
    caption: str = ""
    filename: str = ""
    latitude: float | None = None
    longitude: float | None = None
    contact_name: str = ""
    contact_phone: str = ""
    reply_to: Message | None = None


def message_queue(
    *,
    device: Device,
    draft: Draft,
    to: str = "",
    contact: Contact | None = None,
    actor: Actor | None = None,
    origin: str = Message.Origin.API,
    origin_ref: str = "",
    idempotency_key: str = "",
    fingerprint_of: dict | None = None,
) -> tuple[Message, bool]:
    """Queue `draft` to `to` (a phone or a JID) or `contact`; return (message, created).

    `fingerprint_of` is what identifies the request for its idempotency key (the API's body);
    a replay with the same key and fingerprint returns the first message, created False.
    """
    fingerprint = _fingerprint(fingerprint_of) if idempotency_key else ""
    if idempotency_key:
        replayed = _replayed(device, idempotency_key, fingerprint)
        if replayed is not None:
            return replayed, False
    if device.state != Device.State.CONNECTED:
        raise DeviceNotLoggedInError()
    chat_jid = contact.jid if contact is not None else _recipient(to)
    if contact is None and not chat_jid.endswith("@g.us"):
        contact = contacts_upsert_seen(device_id=device.pk, seen=[SeenContact(jid=chat_jid)]).get(
            chat_jid
        )
    if contact is not None and contact.is_blocked:
        raise ContactBlockedError()
    message = _message(device, draft, chat_jid, contact, actor, origin, origin_ref)
    message.idempotency_key, message.request_fingerprint = idempotency_key, fingerprint
    try:
        with transaction.atomic():
            message.save(force_insert=True)
            transaction.on_commit(lambda: enqueue_send(message.pk))
    except IntegrityError:
        if not idempotency_key:
            raise
        # Another request with this key won the race: its message is the answer.
        replayed = _replayed(device, idempotency_key, fingerprint)
        if replayed is None:
            raise
        return replayed, False
    return message, True


def _recipient(to: str) -> str:
    try:
        return recipient_jid(to)
    except InvalidRecipientError as exc:
        raise InvalidRecipientError(errors={"to": [exc.message]}) from None


def _fingerprint(request: dict | None) -> str:
    canonical = json.dumps(request or {}, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replayed(device: Device, key: str, fingerprint: str) -> Message | None:
    message = Message.objects.filter(device=device, idempotency_key=key).first()
    if message is not None and message.request_fingerprint != fingerprint:
        raise IdempotencyKeyReusedError()
    return message


def _message(device, draft: Draft, chat_jid, contact, actor, origin, origin_ref) -> Message:
    now = timezone.now()
    media = {}
    if draft.media_url:
        media = {"kind": draft.kind, "url": draft.media_url}
        if draft.caption:
            media["caption"] = draft.caption
        if draft.filename:
            media["filename"] = draft.filename
    location = None
    if draft.kind == "location":
        location = {"latitude": draft.latitude, "longitude": draft.longitude}
    cards = []
    if draft.kind == "contact":
        cards = [{"display_name": draft.contact_name, "phone_number": draft.contact_phone}]
    return Message(
        device=device,
        chat_jid=chat_jid,
        contact=contact,
        direction=Message.Direction.OUTBOUND,
        kind=draft.kind,
        text=draft.text or draft.caption,
        media=media,
        location=location,
        shared_contacts=cards,
        replied_to_id=draft.reply_to.upstream_id if draft.reply_to else "",
        quoted_text=draft.reply_to.text[:1000] if draft.reply_to else "",
        status=Status.QUEUED,
        origin=origin,
        origin_ref=origin_ref,
        sent_by_user=actor.user if actor else None,
        sent_by_api_key=actor.api_key if actor else None,
        timestamp=now,
        next_attempt_at=now,
    )


def enqueue_send(message_id) -> None:
    from messaging.tasks import message_send_task

    try:
        message_send_task.apply_async((str(message_id),), retry=False)
    except Exception:  # the broker is away: the row is queued, the sweeper sends it
        logger.warning("could not enqueue the send of %s: the outbox sweeper will", message_id)


def message_retry(*, message: Message) -> Message:
    """Queue a failed (or unknown, on request) message again, now."""
    updated = Message.objects.filter(
        pk=message.pk, status__in=[Status.FAILED, Status.UNKNOWN]
    ).update(status=Status.QUEUED, error_code="", error_detail="", next_attempt_at=timezone.now(),
             claimed_at=None, attempts=0)  # fmt: skip
    if not updated:
        raise MessageNotRetryableError()
    transaction.on_commit(lambda: enqueue_send(message.pk))
    message.refresh_from_db()
    return message


def message_cancel(*, message: Message) -> Message:
    """Cancel a message still queued (one already claimed by a worker cannot be)."""
    updated = Message.objects.filter(pk=message.pk, status=Status.QUEUED).update(
        status=Status.CANCELED, error_code="canceled", error_detail="Canceled on request."
    )
    if not updated:
        raise MessageNotCancelableError()
    message.refresh_from_db()
    return message
