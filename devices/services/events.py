"""Recording raw upstream events once, and finding the device each one belongs to.

GOWA delivers at least once and unordered (CONTRACT §6.1, §9.3): the dedupe key is (device,
event, payload id), and for receipts (device, ids, receipt type, sender). The device is the
one the platform resolved (for a webhook: the one whose secret verified the signature), never
a JID the payload supplies: one phone linked on two devices gets the same message id on both
slots, and each device must keep its copy (CONTRACT §9.2). An envelope whose account JID is
not the JID the platform knows for its device is recorded as a mismatch, never processed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
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


def event_dedupe_key(*, owner: str, event: str, payload: Mapping) -> str:
    """The identity of an event: `owner` is the resolved device's id (for an event of no known
    device, the names it came with), then the event's own identity."""
    if event == "message.ack":
        ids = payload.get("ids")
        ids = ",".join(sorted(str(i) for i in ids)) if isinstance(ids, list) else str(ids or "")
        basis = f"{ids}|{payload.get('receipt_type', '')}|{payload.get('from', '')}"
    else:
        basis = next((str(payload[f]) for f in _ID_FIELDS if payload.get(f)), "")
        if not basis:
            # No id at all (group.participants, chat_presence…): the content is the identity.
            basis = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    raw = f"{owner}|{event}|{basis}"
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
    Several devices can share a JID (a phone re-linked on a new device while the old slot
    runs): the connected one wins, else the one seen last, else the one changed last, so the
    answer never depends on the order the database returns rows in. Only what events need is
    loaded, without ordering: this runs for every incoming event or batch.
    """
    names = set(names)
    slots = {session_id for _, session_id in names if session_id}
    jids = {bare_jid(account) for account, _ in names} - {""}
    slots |= {account for account, _ in names if bare_jid(account)}
    by_slot: dict[str, Device] = {}
    by_jid: dict[str, Device] = {}
    if slots or jids:
        found = Device.objects.only(*_RESOLVE_FIELDS).order_by()
        for device in found.filter(Q(upstream_id__in=slots) | Q(jid__in=jids)):
            if device.upstream_id:
                by_slot[device.upstream_id] = device
            if device.jid:
                held = by_jid.get(device.jid)
                if held is None or _jid_rank(device) > _jid_rank(held):
                    by_jid[device.jid] = device

    def pick(account: str, session_id: str) -> Device | None:
        if session_id and session_id in by_slot:
            return by_slot[session_id]
        jid = bare_jid(account)
        return (by_jid.get(jid) or by_slot.get(account)) if jid else None

    return {(account, session_id): pick(account, session_id) for account, session_id in names}


_RESOLVE_FIELDS = ("id", "webhook_secret", "upstream_id", "jid", "state", "last_seen_at",
                   "updated_at")
_EPOCH = datetime.min.replace(tzinfo=UTC)


def _jid_rank(device: Device) -> tuple:
    return (
        device.state == Device.State.CONNECTED,
        device.last_seen_at or _EPOCH,
        device.updated_at or _EPOCH,
        str(device.pk),
    )


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
    _event_assign(record, device, account=account, session_id=session_id)
    if not _insert_new([record]):
        # Recorded before (a redelivery, or a concurrent delivery that won the insert).
        return UpstreamEvent.objects.defer("payload").get(dedupe_key=record.dedupe_key), False
    return record, True


def upstream_events_record_many(*, source: str, envelopes: Iterable[Mapping[str, Any]]) -> int:
    """Store the events not stored before, all at once; return how many were new."""
    return len(upstream_events_record_batch(source=source, envelopes=envelopes))


def upstream_events_record_batch(
    *, source: str, envelopes: Iterable[Mapping[str, Any]]
) -> list[UpstreamEvent]:
    """Store the events not stored before, all at once; return the new rows.

    What `upstream_event_record` does for one, for a batch (the listener's): the same
    sanitising, device rules and dedupe key, one query to find every device the batch names,
    and one multi-row insert. An event that comes twice in the batch is stored once.
    """
    built = [_event_build(source=source, envelope=envelope) for envelope in envelopes]
    devices = devices_for_events(names=[names for _, names in built])
    unique: dict[str, UpstreamEvent] = {}
    for record, (account, session_id) in built:
        _event_assign(
            record, devices[(account, session_id)], account=account, session_id=session_id
        )
        unique.setdefault(record.dedupe_key, record)
    return _insert_new(list(unique.values()))


def _event_assign(
    record: UpstreamEvent, device: Device | None, *, account: str, session_id: str
) -> None:
    """Give the row its device and its dedupe key, and mark it a mismatch when the account
    JID it names is not the one the platform knows for that device."""
    record.device = device
    owner = str(device.pk) if device is not None else "unknown:" + (session_id or account)
    record.dedupe_key = event_dedupe_key(
        owner=owner, event=record.event, payload=_payload_of(record)
    )
    named = bare_jid(account)
    if device is not None and device.jid and named and named != device.jid:
        record.status = UpstreamEvent.Status.MISMATCH
        record.error = (
            "the envelope names account " + named[:100] + "; the device's is " + device.jid
        )
        logger.warning(
            "event %s for device %s names another account: recorded as a mismatch",
            record.event, device.pk,
        )  # fmt: skip


def _payload_of(record: UpstreamEvent) -> Mapping[str, Any]:
    payload = record.payload.get("payload")
    return payload if isinstance(payload, Mapping) else {}


def _event_build(
    *, source: str, envelope: Mapping[str, Any]
) -> tuple[UpstreamEvent, tuple[str, str]]:
    """The row for an envelope (its device not yet set), and the names that find the device:
    (account JID, slot id)."""
    envelope = sanitize(envelope)
    event = str(envelope.get("event") or "unknown")[:60]
    account = str(envelope.get("device_id") or "")
    session_id = str(envelope.get("session_id") or "")
    record = UpstreamEvent(
        source=source,
        event=event,
        account_jid=account[:100],
        session_id=session_id[:200],
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
