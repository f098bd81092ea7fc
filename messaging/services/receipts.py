"""`message.ack` events: receipts move a message's status forward, never back.

queued → sending → sent → delivered → read, with `unknown` (the send went out, no answer
came) beside `sending` so that any receipt resolves it, and `received` (an inbound message)
beside `sent`, so that the account reading it on its phone (`read-self`) marks it read.
Failed and canceled are terminal. A receipt for a message not stored yet is kept as an
`EarlyReceipt` and applied when the message arrives (messaging.services.inbound); the
periodic `early_receipts_settle` catches the ones whose message landed in a transaction
that ran beside the receipt's.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from devices.processing import ProcessingItem
from messaging.models import EarlyReceipt, Message

__all__ = [
    "EARLY_RECEIPT_TTL",
    "early_receipts_settle",
    "receipt_apply",
    "receipts_from_events",
    "status_rank",
]

Status = Message.Status
_RANK = {
    Status.QUEUED: 0,
    Status.SENDING: 1,
    Status.UNKNOWN: 1,
    Status.SENT: 2,
    Status.RECEIVED: 2,
    Status.DELIVERED: 3,
    Status.READ: 4,
}
_RECEIPT_STATUS = {"delivered": Status.DELIVERED, "read": Status.READ, "read-self": Status.READ}
_STAMP = {Status.DELIVERED: "delivered_at", Status.READ: "read_at"}
# A receipt whose message never arrives (sent before the device was linked, say) is dropped.
EARLY_RECEIPT_TTL = timedelta(days=7)


def status_rank(status: str) -> int:
    """How far along a status is; -1 for the terminal ones (failed, canceled): no receipt
    moves them."""
    return _RANK.get(status, -1)


def receipt_apply(message: Message, status: str, at: datetime) -> bool:
    """Move `message` to `status` if that is forward; stamp when. True if it changed."""
    current = status_rank(message.status)
    if current < 0 or status_rank(status) <= current:
        return False
    message.status = status
    stamp = _STAMP.get(status)
    if stamp and getattr(message, stamp) is None:
        setattr(message, stamp, at)
    if status == Status.READ and message.delivered_at is None and message.is_outbound:
        message.delivered_at = at  # read implies delivered, whichever receipt came first
    return True


def receipts_from_events(items: Sequence[ProcessingItem]) -> Mapping[int, str]:
    """The `message.ack` processor: per device, the furthest status each message id has
    reached in this batch, applied under a row lock (two drains may carry receipts for one
    message), the rest kept as early receipts."""
    wanted: dict[uuid.UUID, dict[str, tuple[str, datetime]]] = defaultdict(dict)
    for item in items:
        receipt = item.value
        status = _RECEIPT_STATUS[receipt.receipt_type]
        at = receipt.timestamp or item.received_at
        for upstream_id in receipt.ids:
            best = wanted[item.device_id].get(upstream_id)
            if best is None or status_rank(status) > status_rank(best[0]):
                wanted[item.device_id][upstream_id] = (status, at)
    for device_id, targets in wanted.items():
        _apply(device_id, targets)
    return {}


def _apply(device_id: uuid.UUID, targets: dict[str, tuple[str, datetime]]) -> None:
    messages = list(
        Message.objects.select_for_update()
        .filter(device_id=device_id, upstream_id__in=list(targets))
        .only("id", "upstream_id", "status", "direction", "delivered_at", "read_at")
        .order_by("pk")  # one lock order for every drain: no deadlock between two of them
    )
    changed = [m for m in messages if receipt_apply(m, *targets[m.upstream_id])]
    if changed:
        Message.objects.bulk_update(changed, ["status", "delivered_at", "read_at"])
    missing = set(targets) - {m.upstream_id for m in messages}
    if missing:
        _keep_early(device_id, {upstream_id: targets[upstream_id] for upstream_id in missing})


def _keep_early(device_id: uuid.UUID, targets: dict[str, tuple[str, datetime]]) -> None:
    kept = {
        r.upstream_id: r
        for r in EarlyReceipt.objects.select_for_update().filter(
            device_id=device_id, upstream_id__in=list(targets)
        )
    }
    raised = []
    for upstream_id, (status, at) in targets.items():
        receipt = kept.get(upstream_id)
        if receipt is not None and status_rank(status) > status_rank(receipt.status):
            receipt.status, receipt.at = status, at
            raised.append(receipt)
    if raised:
        EarlyReceipt.objects.bulk_update(raised, ["status", "at"])
    EarlyReceipt.objects.bulk_create(
        [
            EarlyReceipt(device_id=device_id, upstream_id=upstream_id, status=status, at=at)
            for upstream_id, (status, at) in targets.items()
            if upstream_id not in kept
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def early_receipts_settle() -> int:
    """Apply early receipts whose message is stored by now, and drop expired ones; return
    how many were applied. Beat runs it; it is safe beside the drain (row locks)."""
    landed = EarlyReceipt.objects.filter(
        Exists(
            Message.objects.filter(
                device_id=OuterRef("device_id"), upstream_id=OuterRef("upstream_id")
            )
        )
    )
    applied = 0
    by_device: dict[uuid.UUID, dict[str, tuple[str, datetime]]] = defaultdict(dict)
    receipts = list(landed[:1000])
    for receipt in receipts:
        by_device[receipt.device_id][receipt.upstream_id] = (receipt.status, receipt.at)
    for device_id, targets in by_device.items():
        _apply(device_id, targets)
        applied += len(targets)
    EarlyReceipt.objects.filter(pk__in=[r.pk for r in receipts]).delete()
    EarlyReceipt.objects.filter(at__lt=timezone.now() - EARLY_RECEIPT_TTL).delete()
    return applied
