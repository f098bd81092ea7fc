"""Recording raw upstream events once, and finding the device each one belongs to.

GOWA delivers at least once and unordered (CONTRACT §6.1, §9.3): the dedupe key is
(account, event, payload id), and for receipts (account, ids, receipt type, sender).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from core.jsonsafe import sanitize
from devices.models import Device, UpstreamEvent
from devices.whatsapp.phones import bare_jid

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

    The names come straight from the upstream (the webhook looks the signer up before anything
    is recorded): cleaned as recording cleans them, so NUL cannot reach the query."""
    names = (sanitize(account_jid), sanitize(session_id))
    return devices_for_events(names=[names])[names]


def devices_for_events(*, names: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Device | None]:
    """The device of each (account JID, slot id) pair, all found with one query.

    A pair's slot id wins; else the account's bare JID (or a slot named after the account).
    Only what events need is loaded (id and webhook secret, plus the two names matched on),
    without ordering: this runs for every incoming event or batch.
    """
    names = set(names)
    slots = {session_id for _, session_id in names if session_id}
    jids = {bare_jid(account) for account, _ in names} - {""}
    slots |= {account for account, _ in names if bare_jid(account)}
    by_slot: dict[str, Device] = {}
    by_jid: dict[str, Device] = {}
    if slots or jids:
        found = Device.objects.only("id", "webhook_secret", "upstream_id", "jid").order_by()
        for device in found.filter(Q(upstream_id__in=slots) | Q(jid__in=jids)):
            if device.upstream_id:
                by_slot[device.upstream_id] = device
            if device.jid:
                by_jid.setdefault(device.jid, device)

    def pick(account: str, session_id: str) -> Device | None:
        if session_id and session_id in by_slot:
            return by_slot[session_id]
        jid = bare_jid(account)
        return (by_jid.get(jid) or by_slot.get(account)) if jid else None

    return {(account, session_id): pick(account, session_id) for account, session_id in names}


_UNRESOLVED = object()


def upstream_event_record(
    *, source: str, envelope: Mapping[str, Any], device: Device | object | None = _UNRESOLVED
) -> tuple[UpstreamEvent, bool]:
    """Store the event unless it was stored before; return it and whether it is new.

    Whatever arrives is kept: text the database cannot hold (NUL, unpaired surrogates) and
    non-finite numbers are replaced, not refused. Pass `device` when the caller has already
    resolved it (the webhook does, to pick the secret).
    """
    record, (account, session_id) = _event_build(source=source, envelope=envelope)
    if device is _UNRESOLVED:
        device = device_for_event(account_jid=account, session_id=session_id)
    record.device = device
    if not _insert_new([record]):
        # Recorded before (a redelivery, or a concurrent delivery that won the insert).
        return UpstreamEvent.objects.defer("payload").get(dedupe_key=record.dedupe_key), False
    return record, True


def upstream_events_record_many(*, source: str, envelopes: Iterable[Mapping[str, Any]]) -> int:
    """Store the events not stored before, all at once; return how many were new.

    What `upstream_event_record` does for one, for a batch (the listener's): the same
    sanitising and dedupe key, one query to find every device the batch names, and one
    multi-row insert. An event that comes twice in the batch is stored once.
    """
    built: dict[str, tuple[UpstreamEvent, tuple[str, str]]] = {}
    for envelope in envelopes:
        record, names = _event_build(source=source, envelope=envelope)
        built.setdefault(record.dedupe_key, (record, names))
    devices = devices_for_events(names=[names for _, names in built.values()])
    for record, names in built.values():
        record.device = devices[names]
    return len(_insert_new([record for record, _ in built.values()]))


def _event_build(
    *, source: str, envelope: Mapping[str, Any]
) -> tuple[UpstreamEvent, tuple[str, str]]:
    """The row for an envelope (its device not yet set), and the names that find the device:
    (account JID, slot id)."""
    envelope = sanitize(envelope)
    event = str(envelope.get("event") or "unknown")[:60]
    account = str(envelope.get("device_id") or "")
    session_id = str(envelope.get("session_id") or "")
    payload = envelope.get("payload")
    payload = payload if isinstance(payload, Mapping) else {}
    record = UpstreamEvent(
        source=source,
        event=event,
        account_jid=account[:100],
        session_id=session_id[:200],
        dedupe_key=event_dedupe_key(
            account=account, session_id=session_id, event=event, payload=payload
        ),
        payload=dict(envelope),
        received_at=timezone.now(),
    )
    return record, (account, session_id)


def _insert_new(records: Sequence[UpstreamEvent]) -> list[UpstreamEvent]:
    """`INSERT … ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, dedupe_key` of all
    `records` (distinct dedupe keys); the new ones come back, their pk set.

    One statement instead of look-up, transaction, insert and commit: it is atomic on its own,
    and a duplicate costs no exception. PostgreSQL and SQLite (3.35+) both speak it. Values go
    through each field's own database preparation, exactly as the ORM's INSERT would. Rows go
    in dedupe-key order, so two batches that overlap take their key locks in the same order
    and cannot deadlock; a batch larger than the database's parameter limit (SQLite: 999, so
    99 rows) is split, its statements in one transaction.
    """
    if not records:
        return []
    meta = UpstreamEvent._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    table, key, pk = (
        quote(meta.db_table),
        quote(meta.get_field("dedupe_key").column),
        quote(meta.pk.column),
    )
    columns = ", ".join(quote(field.column) for field in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    ordered = sorted(records, key=lambda record: record.dedupe_key)
    size = max(1, min(connection.ops.bulk_batch_size(fields, ordered), 65535 // len(fields)))
    chunks = [ordered[i : i + size] for i in range(0, len(ordered), size)]
    returned = []
    with (
        transaction.atomic() if len(chunks) > 1 else contextlib.nullcontext(),
        connection.cursor() as cursor,
    ):
        for chunk in chunks:
            values = ", ".join([row] * len(chunk))
            # Identifiers come from the model, values are parameters.
            sql = (
                f"INSERT INTO {table} ({columns}) VALUES {values} "  # noqa: S608
                f"ON CONFLICT ({key}) DO NOTHING RETURNING {pk}, {key}"
            )
            params = [
                field.get_db_prep_save(getattr(record, field.attname), connection)
                for record in chunk
                for field in fields
            ]
            cursor.execute(sql, params)
            returned += cursor.fetchall()
    by_key = {record.dedupe_key: record for record in records}
    new = []
    for record_pk, dedupe_key in returned:
        record = by_key[dedupe_key]
        record.pk = record_pk
        new.append(record)
    unknown = [record for record in new if record.device_id is None]
    if unknown:
        logger.info(
            "%d event(s) recorded for an unknown device (first: %s, session %s)",
            len(unknown), unknown[0].event, unknown[0].session_id,
        )  # fmt: skip
    return new
