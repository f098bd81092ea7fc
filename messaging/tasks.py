"""Messaging's tasks: thin, each calls one service."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(expires=50)
def early_receipts_settle_task() -> None:
    """Apply receipts kept early whose message has arrived since (beat, every minute)."""
    from messaging.services.receipts import early_receipts_settle

    applied = early_receipts_settle()
    if applied:
        logger.info("early receipts: %d applied", applied)


@shared_task(acks_late=True, expires=24 * 3600)
def message_send_task(message_id: str, paced: bool = False) -> None:
    """Send one queued message (idempotent: the claim lets one attempt through). A paced or
    backed-off message comes back here after its delay, holding its reserved slot."""
    from messaging.services.sending import message_send

    again_in = message_send(message_id=message_id, paced=paced)
    if again_in is not None:
        message_send_task.apply_async((message_id, True), countdown=again_in)


@shared_task(expires=25)
def outbox_sweep_task() -> None:
    """Beat, every 30 s: sends a crash left behind (see messaging.services.sending)."""
    from messaging.services.sending import outbox_sweep

    swept = outbox_sweep()
    if any(swept.values()):
        logger.info("outbox sweep: %(requeued)d re-enqueued, %(unknown)d marked unknown", swept)
