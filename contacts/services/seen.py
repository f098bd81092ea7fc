"""Contacts as ingest sees them: upserted in batches from the people messages come from.

WhatsApp names one person by a phone JID (`<digits>@s.whatsapp.net`) or, in groups and newer
chats, by a LID (`<digits>@lid`) that hides the phone. A contact keeps both: `jid` is the
phone JID once known, `lid` the alias. A person first seen by LID, then by phone with that
LID beside it, stays one contact (its `jid` moves to the phone JID); if both had become
contacts already, they are merged into the phone one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from contacts.models import Contact

__all__ = ["SeenContact", "contacts_upsert_seen"]

PHONE_SERVER = "@s.whatsapp.net"
LID_SERVER = "@lid"


@dataclass(frozen=True)
class SeenContact:
    """A person one message came from (or went to): a phone JID or a LID JID, and the LID
    alias when the phone JID is known; `push_name` is the name they set themselves."""

    jid: str
    lid: str = ""
    push_name: str = ""
    at: datetime | None = None


@dataclass
class _Person:
    phone_jid: str
    lid: str
    push_name: str
    push_name_at: datetime | None
    at: datetime | None

    @property
    def key(self) -> str:
        return self.phone_jid or self.lid


def contacts_upsert_seen(*, device_id, seen: Iterable[SeenContact]) -> dict[str, Contact]:
    """Create or refresh the contacts of `seen` on one device; return every phone JID and
    LID given, mapped to its contact. Idempotent: the same people again change nothing but
    a newer push name or last-message time."""
    people = _people(seen)
    if not people:
        return {}
    keys = {p.phone_jid for p in people} | {p.lid for p in people}
    keys.discard("")
    existing = list(
        Contact.objects.filter(device_id=device_id).filter(Q(jid__in=keys) | Q(lid__in=keys))
    )
    by_jid = {c.jid: c for c in existing}
    by_lid = {c.lid: c for c in existing if c.lid}
    changed: dict[object, Contact] = {}
    created: list[Contact] = []
    for person in people:
        found_phone = by_jid.get(person.phone_jid) if person.phone_jid else None
        found_lid = (by_lid.get(person.lid) or by_jid.get(person.lid)) if person.lid else None
        if found_phone and found_lid and found_phone.pk != found_lid.pk:
            _merge(keep=found_phone, drop=found_lid)
            changed.pop(found_lid.pk, None)
            found_lid = None
        contact = found_phone or found_lid
        if contact is None:
            created.append(_new_contact(device_id, person))
        elif _refresh(contact, person):
            changed[contact.pk] = contact
    if changed:
        Contact.objects.bulk_update(
            list(changed.values()), ["jid", "phone", "lid", "push_name", "last_message_at"]
        )
    if created:
        # A concurrent drain may have created one of them: its row wins, ours is dropped.
        Contact.objects.bulk_create(created, ignore_conflicts=True)
    contacts = Contact.objects.filter(device_id=device_id).filter(Q(jid__in=keys) | Q(lid__in=keys))
    found: dict[str, Contact] = {}
    for contact in contacts:
        found[contact.jid] = contact
        if contact.lid:
            found[contact.lid] = contact
    return found


def _people(seen: Iterable[SeenContact]) -> list[_Person]:
    """One entry per person: a LID and the phone JID it came with are the same person."""
    entries = list(seen)
    phone_of_lid: dict[str, str] = {}
    for entry in entries:
        if entry.jid.endswith(PHONE_SERVER) and entry.lid:
            phone_of_lid[entry.lid] = entry.jid
    people: dict[str, _Person] = {}
    for entry in entries:
        if entry.jid.endswith(PHONE_SERVER):
            phone_jid, lid = entry.jid, entry.lid
        elif entry.jid.endswith(LID_SERVER):
            lid = entry.jid
            phone_jid = phone_of_lid.get(lid, "")
        else:
            continue  # groups, broadcasts and newsletters are not people
        key = phone_jid or lid
        person = people.get(key)
        if person is None:
            person = people[key] = _Person(phone_jid, lid, "", None, None)
        person.lid = person.lid or lid
        if entry.push_name and _later(entry.at, person.push_name_at, strict=False):
            person.push_name, person.push_name_at = entry.push_name, entry.at
        if _later(entry.at, person.at, strict=True):
            person.at = entry.at
    return list(people.values())


def _later(candidate: datetime | None, current: datetime | None, *, strict: bool) -> bool:
    if current is None:
        return candidate is not None or not strict
    if candidate is None:
        return False
    return candidate > current if strict else candidate >= current


def _phone_of(jid: str) -> str:
    return jid[: -len(PHONE_SERVER)] if jid.endswith(PHONE_SERVER) else ""


def _new_contact(device_id, person: _Person) -> Contact:
    return Contact(
        device_id=device_id,
        jid=person.key,
        phone=_phone_of(person.phone_jid),
        lid=person.lid,
        push_name=person.push_name[:200],
        last_message_at=person.at,
    )


def _refresh(contact: Contact, person: _Person) -> bool:
    """Bring `contact` up to what `person` says; True when anything changed."""
    before = (contact.jid, contact.phone, contact.lid, contact.push_name, contact.last_message_at)
    if person.phone_jid and contact.jid != person.phone_jid:
        contact.jid, contact.phone = person.phone_jid, _phone_of(person.phone_jid)
    if person.lid and not contact.lid:
        contact.lid = person.lid
    if person.push_name:
        contact.push_name = person.push_name[:200]
    if person.at and (contact.last_message_at is None or person.at > contact.last_message_at):
        contact.last_message_at = person.at
    after = (contact.jid, contact.phone, contact.lid, contact.push_name, contact.last_message_at)
    return before != after


def _merge(*, keep: Contact, drop: Contact) -> None:
    """Fold `drop` (the LID-only contact) into `keep` (the phone one): whatever points at
    `drop` points at `keep`, and `keep` takes the LID and what staff wrote on `drop`. Later
    apps' rows are found through the model's relations, so contacts names none of them."""
    for relation in Contact._meta.related_objects:
        if relation.one_to_many:
            relation.related_model._default_manager.filter(**{relation.field.name: drop}).update(
                **{relation.field.name: keep}
            )
    lid = drop.lid or drop.jid
    drop.delete()
    keep.lid = keep.lid or lid
    keep.name = keep.name or drop.name
    keep.description = keep.description or drop.description
    keep.is_blocked = keep.is_blocked or drop.is_blocked
    keep.save(update_fields=["lid", "name", "description", "is_blocked", "updated_at"])
