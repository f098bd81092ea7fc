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
