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

from django.db import connection
from django.db.models import Q
from django.utils import timezone

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
    """The device an event names: by slot id (`session_id`), else by the account's JID.

    Only what events need is loaded (id and webhook secret), without ordering: this runs for
    every incoming event.
    """
    devices = Device.objects.only("id", "webhook_secret").order_by()
    if session_id:
        device = next(iter(devices.filter(upstream_id=session_id)[:1]), None)
        if device is not None:
            return device
    jid = bare_jid(account_jid)
    if jid:
        return next(iter(devices.filter(Q(jid=jid) | Q(upstream_id=account_jid))[:1]), None)
    return None


_UNRESOLVED = object()


def upstream_event_record(
    *, source: str, envelope: Mapping[str, Any], device: Device | object | None = _UNRESOLVED
) -> tuple[UpstreamEvent, bool]:
    """Store the event unless it was stored before; return it and whether it is new.

    Whatever arrives is kept: text the database cannot hold (NUL, unpaired surrogates) and
    non-finite numbers are replaced, not refused. Pass `device` when the caller has already
    resolved it (the webhook does, to pick the secret).
    """
    envelope = sanitize(envelope)
    event = str(envelope.get("event") or "unknown")[:60]
    account = str(envelope.get("device_id") or "")
    session_id = str(envelope.get("session_id") or "")
    payload = envelope.get("payload")
    payload = payload if isinstance(payload, Mapping) else {}
    key = event_dedupe_key(account=account, session_id=session_id, event=event, payload=payload)
    if device is _UNRESOLVED:
        device = device_for_event(account_jid=account, session_id=session_id)
    record = UpstreamEvent(
        device=device,
        source=source,
        event=event,
        account_jid=account[:100],
        session_id=session_id[:200],
        dedupe_key=key,
        payload=dict(envelope),
        received_at=timezone.now(),
    )
    record.pk = _insert_once(record)
    if record.pk is None:
        # Recorded before (a redelivery, or a concurrent delivery that won the insert).
        return UpstreamEvent.objects.defer("payload").get(dedupe_key=key), False
    if device is None:
        logger.info("event %s recorded for an unknown device (session %s)", event, session_id)
    return record, True


def _insert_once(record: UpstreamEvent) -> int | None:
    """`INSERT … ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`; None when already there.

    One statement instead of look-up, transaction, insert and commit: it is atomic on its own,
    and a duplicate costs no exception. PostgreSQL and SQLite (3.35+) both speak it. Values go
    through each field's own database preparation, exactly as the ORM's INSERT would.
    """
    meta = UpstreamEvent._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    table, key, pk = (
        quote(meta.db_table),
        quote(meta.get_field("dedupe_key").column),
        quote(meta.pk.column),
    )
    columns = ", ".join(quote(field.column) for field in fields)
    values = ", ".join(["%s"] * len(fields))
    # Identifiers come from the model, values are parameters.
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES ({values}) "  # noqa: S608
        f"ON CONFLICT ({key}) DO NOTHING RETURNING {pk}"
    )
    params = [
        field.get_db_prep_save(getattr(record, field.attname), connection) for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None
