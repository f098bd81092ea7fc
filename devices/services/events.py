"""Recording raw upstream events once, and finding the device each one belongs to.

GOWA delivers at least once and unordered (CONTRACT §6.1, §9.3): the dedupe key is
(account, event, payload id), and for receipts (account, ids, receipt type, sender).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from core.jsonsafe import sanitize
from devices.models import Device, UpstreamEvent
from devices.whatsapp.types import bare_jid

logger = logging.getLogger(__name__)

# Payload fields that identify an event, by event family; the first present one is used.
_ID_FIELDS = ("id", "deleted_message_id", "call_id")


def event_dedupe_key(*, account: str, session_id: str, event: str, payload: Mapping) -> str:
    if event == "message.ack":
        ids = payload.get("ids")
        ids = ",".join(sorted(str(i) for i in ids)) if isinstance(ids, list) else str(ids or "")
        basis = f"{ids}|{payload.get('receipt_type', '')}|{payload.get('from', '')}"
    else:
        basis = next((str(payload[f]) for f in _ID_FIELDS if payload.get(f)), "")
        if not basis:
            # No id at all (group.participants, chat_presence…): the content is the identity.
            basis = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    raw = f"{account or session_id}|{event}|{basis}"
    return hashlib.sha256(raw.encode()).hexdigest()


def device_for_event(*, account_jid: str, session_id: str) -> Device | None:
    """The device an event names: by slot id (`session_id`), else by the account's JID."""
    if session_id:
        device = Device.objects.filter(upstream_id=session_id).first()
        if device is not None:
            return device
    jid = bare_jid(account_jid)
    if jid:
        return Device.objects.filter(Q(jid=jid) | Q(upstream_id=account_jid)).first()
    return None


def upstream_event_record(
    *, source: str, envelope: Mapping[str, Any]
) -> tuple[UpstreamEvent, bool]:
    """Store the event unless it was stored before; return it and whether it is new.

    Whatever arrives is kept: text the database cannot hold (NUL, unpaired surrogates) and
    non-finite numbers are replaced, not refused.
    """
    envelope = sanitize(envelope)
    event = str(envelope.get("event") or "unknown")[:60]
    account = str(envelope.get("device_id") or "")
    session_id = str(envelope.get("session_id") or "")
    payload = envelope.get("payload")
    payload = payload if isinstance(payload, Mapping) else {}
    key = event_dedupe_key(account=account, session_id=session_id, event=event, payload=payload)
    existing = UpstreamEvent.objects.filter(dedupe_key=key).first()
    if existing is not None:
        return existing, False
    device = device_for_event(account_jid=account, session_id=session_id)
    try:
        with transaction.atomic():
            record = UpstreamEvent.objects.create(
                device=device,
                source=source,
                event=event,
                account_jid=account[:100],
                session_id=session_id[:200],
                dedupe_key=key,
                payload=dict(envelope),
            )
    except IntegrityError:
        # A concurrent delivery of the same event won the insert.
        return UpstreamEvent.objects.get(dedupe_key=key), False
    if device is None:
        logger.info("event %s recorded for an unknown device (session %s)", event, session_id)
    return record, True
