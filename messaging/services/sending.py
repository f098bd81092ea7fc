"""Sending a queued message: each message reaches the upstream at most once.

`message_send(message_id)` is the send task's body. A message is claimed by one conditional
UPDATE (`queued → sending`, only when due), so a redelivered task, a second worker or the
sweeper finds nothing to claim and sends nothing. Pacing comes first: when the device's
bucket has no token now, the message keeps its place (`next_attempt_at` moves to its
reserved slot) and the task is rescheduled for then, never slept on. The upstream is called
outside any transaction; the answer is stored with another conditional UPDATE:
  - sent: the upstream's message id is kept, so receipts (and an early receipt already here)
    move it on to delivered and read;
  - a transient failure (connection, 5xx, 429, the session away): queued again with
    exponential backoff, until `SEND_MAX_ATTEMPTS`, then failed with the upstream's code;
  - a definite refusal: failed with the upstream's code and detail;
  - no answer after the request went out: `unknown`, never resent blindly (a receipt that
    names it, or a retry on request, resolves it).
`outbox_sweep` re-enqueues queued messages whose task was lost, and marks `unknown` those
claimed longer than a send can take (the worker died: the request may have gone out).
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from devices.services.sending import Outgoing, SendFailedError, device_send
from messaging.models import EarlyReceipt, Message
from messaging.services.pacing import send_slot_take
from messaging.services.receipts import receipt_apply

__all__ = ["message_send", "outbox_sweep"]

logger = logging.getLogger(__name__)
Status = Message.Status
_DETAIL_MAX = 1000


def message_send(*, message_id, paced: bool = False) -> float | None:
    """Try to send one message. Returns the seconds after which the task must run again (a
    paced or backed-off message), or None when there is nothing more to do."""
    message = Message.objects.filter(pk=message_id).select_related("device", "contact").first()
    if message is None or message.status != Status.QUEUED:
        return None
    now = timezone.now()
    if message.next_attempt_at and message.next_attempt_at > now:
        return (message.next_attempt_at - now).total_seconds()
    if message.contact is not None and message.contact.is_blocked:
        Message.objects.filter(pk=message.pk, status=Status.QUEUED).update(
            status=Status.CANCELED, error_code="contact_blocked",
            error_detail="The contact was blocked after the message was queued.",
        )  # fmt: skip
        return None
    if not paced:
        wait = send_slot_take(message.device_id)
        if wait > 0:
            Message.objects.filter(pk=message.pk, status=Status.QUEUED).update(
                next_attempt_at=now + timedelta(seconds=wait)
            )
            return wait
    claimed = Message.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now()),
        pk=message.pk,
        status=Status.QUEUED,
    ).update(status=Status.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1)
    if not claimed:
        return None  # another worker took it, or it was canceled meanwhile
    return _attempt(message, attempt=message.attempts + 1)


def _attempt(message: Message, *, attempt: int) -> float | None:
    try:
        result = device_send(device=message.device, outgoing=_outgoing(message))
    except SendFailedError as exc:
        return _failed(message, exc, attempt)
    _sent(message, result.message_id)
    return None


def _outgoing(message: Message) -> Outgoing:
    location = message.location or {}
    card = (message.shared_contacts or [{}])[0]
    return Outgoing(
        kind=message.kind,
        to=message.chat_jid,
        text=message.text,
        media_url=message.media.get("url", ""),
        caption=message.media.get("caption", ""),
        latitude=location.get("latitude"),
        longitude=location.get("longitude"),
        contact_name=card.get("display_name", ""),
        contact_phone=card.get("phone_number", ""),
        reply_to=message.replied_to_id,
    )


@transaction.atomic
def _sent(message: Message, upstream_id: str) -> None:
    now = timezone.now()
    fields = {"status": Status.SENT, "sent_at": now, "error_code": "", "error_detail": ""}
    try:
        with transaction.atomic():
            Message.objects.filter(pk=message.pk, status=Status.SENDING).update(
                upstream_id=upstream_id[:100], **fields
            )
    except IntegrityError:
        # The phone's own echo of this send was stored first under the same id: keep ours
        # without the id rather than lose the fact that it was sent.
        logger.warning("message %s: its upstream id is already stored", message.pk)
        Message.objects.filter(pk=message.pk, status=Status.SENDING).update(**fields)
        return
    logger.info("message %s sent through device %s", message.pk, message.device_id)
    early = EarlyReceipt.objects.filter(device_id=message.device_id, upstream_id=upstream_id)
    receipt = early.first()
    if receipt is not None:
        stored = Message.objects.select_for_update().get(pk=message.pk)
        if receipt_apply(stored, receipt.status, receipt.at):
            stored.save(update_fields=["status", "delivered_at", "read_at"])
        early.delete()


def _failed(message: Message, exc: SendFailedError, attempt: int) -> float | None:
    detail = exc.detail[:_DETAIL_MAX]
    sending = Message.objects.filter(pk=message.pk, status=Status.SENDING)
    if exc.outcome == "unknown":
        sending.update(status=Status.UNKNOWN, error_code=exc.code, error_detail=detail)
        logger.warning("message %s: no answer from the upstream, outcome unknown", message.pk)
        return None
    if exc.outcome == "retry" and attempt < settings.SEND_MAX_ATTEMPTS:
        delay = _backoff(attempt)
        sending.update(
            status=Status.QUEUED, error_code=exc.code, error_detail=detail, claimed_at=None,
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
        )  # fmt: skip
        logger.info("message %s: attempt %d failed (%s), again in %.0f s", message.pk, attempt,
                    exc.code, delay)  # fmt: skip
        return delay
    sending.update(status=Status.FAILED, error_code=exc.code, error_detail=detail)
    logger.warning("message %s failed: %s", message.pk, exc.code)
    return None


def _backoff(attempt: int) -> float:
    """5 s, 10 s, 20 s… (capped), with up to a fifth more at random so retries spread."""
    base = settings.SEND_RETRY_BASE_SECONDS * 2 ** (attempt - 1)
    delay = min(settings.SEND_RETRY_MAX_SECONDS, base)
    return delay + random.uniform(0, delay / 5)  # noqa: S311 (spacing, not secrets)


def outbox_sweep(*, now=None) -> dict[str, int]:
    """What a crash left behind: queued messages due for a while (their task was lost) are
    enqueued again; messages claimed past the lease become `unknown`."""
    from messaging.services.outbox import enqueue_send

    now = now or timezone.now()
    lease = timedelta(seconds=settings.SEND_LEASE_SECONDS)
    stale = Message.objects.filter(status=Status.SENDING, claimed_at__lt=now - lease).update(
        status=Status.UNKNOWN, error_code="worker_lost",
        error_detail="The worker sending it stopped before the upstream's answer was stored.",
    )  # fmt: skip
    lost = list(
        Message.objects.filter(
            status=Status.QUEUED, next_attempt_at__lt=now - timedelta(seconds=30)
        ).values_list("pk", flat=True)[:1000]
    )
    for pk in lost:
        enqueue_send(pk)
    return {"requeued": len(lost), "unknown": stale}
