"""Typed inbound events: the webhook envelope's `payload`, one parser per event family
(CONTRACT.md §6.4, §7).

`parse_event(event, payload)` returns a frozen dataclass, or raises `EventPayloadError` naming
what is wrong (a missing id, a media field of an unexpected type, a timestamp that does not
parse, a JID that is not one). Processors receive these values, never the raw dict. Media is
`str | dict` upstream (a stored path, or an object with a path or CDN url and a caption): both
shapes end in one `Media`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from devices.whatsapp.types import parse_datetime

MEDIA_KINDS = ("image", "video", "audio", "document", "sticker", "video_note")
RECEIPT_TYPES = ("delivered", "read", "read-self")
_JID_RE = re.compile(
    r"^(?P<user>[0-9A-Za-z.\-_]{1,64})(?::\d{1,3})?@"
    r"(?P<server>s\.whatsapp\.net|g\.us|lid|newsletter|broadcast|c\.us)$"
)


class EventPayloadError(ValueError):
    """The payload cannot be read as its event: the message says what is wrong."""


def jid_parse(value: Any, *, field: str, required: bool = True) -> str:
    """`value` as a bare JID (device suffix dropped), "" when absent and not required."""
    if value is None or value == "":
        if required:
            raise EventPayloadError("missing " + field)
        return ""
    if not isinstance(value, str):
        raise EventPayloadError(field + " is not a string")
    match = _JID_RE.match(value.strip())
    if match is None:
        raise EventPayloadError(field + " is not a JID: " + value[:80])
    server = "s.whatsapp.net" if match["server"] == "c.us" else match["server"]
    return match["user"] + "@" + server


def _text(payload: Mapping[str, Any], key: str) -> str:
    value = payload.get(key)
    if value is None:
        return ""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    raise EventPayloadError(key + " is not text")


def _required_text(payload: Mapping[str, Any], key: str) -> str:
    value = _text(payload, key)
    if not value:
        raise EventPayloadError("missing " + key)
    return value


def _flag(payload: Mapping[str, Any], key: str) -> bool:
    value = payload.get(key)
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes"}
    return bool(value)


def _timestamp(payload: Mapping[str, Any], fallback: datetime | None) -> datetime:
    raw = payload.get("timestamp")
    if raw in (None, ""):
        if fallback is None:
            raise EventPayloadError("missing timestamp")
        return fallback
    parsed = parse_datetime(raw)
    if parsed is None or parsed.tzinfo is None:
        raise EventPayloadError("timestamp does not parse: " + str(raw)[:40])
    return parsed


@dataclass(frozen=True)
class Media:
    """A media attachment: `path` under the upstream's `/statics/media/` when it downloaded
    the file, else `url` (WhatsApp's encrypted CDN: fetch through the upstream instead)."""

    kind: str
    path: str = ""
    url: str = ""
    caption: str = ""
    filename: str = ""
    mime_type: str = ""

    @classmethod
    def parse(cls, kind: str, value: Any) -> Media:
        if isinstance(value, str):
            return cls(kind=kind, path=value)
        if isinstance(value, Mapping):
            fields = {
                name: _text(value, key)
                for name, key in (
                    ("path", "path"), ("url", "url"), ("caption", "caption"),
                    ("filename", "filename"), ("mime_type", "mime_type"),
                )
            }  # fmt: skip
            return cls(kind=kind, **fields)
        raise EventPayloadError(kind + " is neither a path nor an object")


@dataclass(frozen=True)
class Location:
    latitude: float | None
    longitude: float | None
    name: str = ""
    address: str = ""
    live: bool = False

    @classmethod
    def parse(cls, value: Any, *, live: bool) -> Location:
        if not isinstance(value, Mapping):
            raise EventPayloadError("location is not an object")
        return cls(
            latitude=_coordinate(value, "degreesLatitude", 90),
            longitude=_coordinate(value, "degreesLongitude", 180),
            name=_text(value, "name"),
            address=_text(value, "address"),
            live=live,
        )


def _coordinate(value: Mapping[str, Any], key: str, bound: float) -> float | None:
    raw = value.get(key)
    if raw is None or raw == "":
        return None
    try:
        number = float(raw)
    except (TypeError, ValueError):
        raise EventPayloadError(key + " is not a number") from None
    if not -bound <= number <= bound:
        raise EventPayloadError(key + " is out of range")
    return number


@dataclass(frozen=True)
class ContactCard:
    display_name: str = ""
    vcard: str = ""
    phone_number: str = ""

    @classmethod
    def parse(cls, value: Any) -> ContactCard:
        if not isinstance(value, Mapping):
            raise EventPayloadError("contact is not an object")
        return cls(
            display_name=_text(value, "displayName"),
            vcard=_text(value, "vcard"),
            phone_number=_text(value, "phone_number"),
        )


@dataclass(frozen=True)
class _Sender:
    """Who an event comes from and where: the fields every message-family event carries."""

    chat_jid: str
    chat_lid: str
    sender_jid: str
    sender_lid: str
    sender_name: str  # the push name
    timestamp: datetime
    is_from_me: bool

    @property
    def is_group(self) -> bool:
        return self.chat_jid.endswith("@g.us")

    @staticmethod
    def fields(payload: Mapping[str, Any], fallback: datetime | None) -> dict[str, Any]:
        sender = jid_parse(payload.get("from"), field="from")
        return {
            # A 1:1 chat is named by its peer; some payloads (delete-for-me) omit it.
            "chat_jid": jid_parse(payload.get("chat_id"), field="chat_id", required=False)
            or sender,
            "chat_lid": jid_parse(payload.get("chat_lid"), field="chat_lid", required=False),
            "sender_jid": sender,
            "sender_lid": jid_parse(payload.get("from_lid"), field="from_lid", required=False),
            "sender_name": _text(payload, "from_name") or _text(payload, "sender_display_name"),
            "timestamp": _timestamp(payload, fallback),
            "is_from_me": _flag(payload, "is_from_me"),
        }


@dataclass(frozen=True)
class MessageEvent(_Sender):
    """`message`: text, media (with caption), location, contact cards, or something else."""

    id: str
    kind: str  # text, image, video, audio, document, sticker, location, contact, other
    text: str = ""
    media: Media | None = None
    location: Location | None = None
    contacts: tuple[ContactCard, ...] = ()
    replied_to_id: str = ""
    quoted_text: str = ""
    forwarded: bool = False
    view_once: bool = False

    @classmethod
    def parse(cls, payload: Mapping[str, Any], fallback: datetime | None) -> MessageEvent:
        media = next(
            (Media.parse(kind, payload[kind]) for kind in MEDIA_KINDS if payload.get(kind)),
            None,
        )
        location = None
        for key, live in (("location", False), ("live_location", True)):
            if payload.get(key):
                location = Location.parse(payload[key], live=live)
        contacts: tuple[ContactCard, ...] = ()
        if payload.get("contact"):
            contacts = (ContactCard.parse(payload["contact"]),)
        elif payload.get("contacts_array"):
            cards = payload["contacts_array"]
            if not isinstance(cards, list):
                raise EventPayloadError("contacts_array is not a list")
            contacts = tuple(ContactCard.parse(card) for card in cards)
        text = _text(payload, "body") or (media.caption if media else "")
        if media is not None:
            kind = "video" if media.kind == "video_note" else media.kind
        elif location is not None:
            kind = "location"
        elif contacts:
            kind = "contact"
        else:
            kind = "text" if text else "other"
        return cls(
            **_Sender.fields(payload, fallback),
            id=_required_text(payload, "id"),
            kind=kind,
            text=text,
            media=media,
            location=location,
            contacts=contacts,
            replied_to_id=_text(payload, "replied_to_id"),
            quoted_text=_text(payload, "quoted_body"),
            forwarded=_flag(payload, "forwarded"),
            view_once=_flag(payload, "view_once"),
        )


@dataclass(frozen=True)
class ReceiptEvent:
    """`message.ack`: one receipt for one or more message ids."""

    ids: tuple[str, ...]
    receipt_type: str  # delivered, read, read-self
    chat_jid: str
    sender_jid: str
    timestamp: datetime | None

    @classmethod
    def parse(cls, payload: Mapping[str, Any], fallback: datetime | None) -> ReceiptEvent:
        ids = payload.get("ids")
        if isinstance(ids, str):
            ids = [ids]
        if not isinstance(ids, list) or not ids:
            raise EventPayloadError("missing ids")
        if not all(isinstance(i, str) and i for i in ids):
            raise EventPayloadError("ids are not all message ids")
        receipt_type = _text(payload, "receipt_type")
        if receipt_type not in RECEIPT_TYPES:
            raise EventPayloadError("unknown receipt_type: " + receipt_type[:40])
        return cls(
            ids=tuple(ids),
            receipt_type=receipt_type,
            chat_jid=jid_parse(payload.get("chat_id"), field="chat_id", required=False),
            sender_jid=jid_parse(payload.get("from"), field="from", required=False),
            timestamp=_timestamp(payload, fallback) if payload.get("timestamp") else fallback,
        )


@dataclass(frozen=True)
class ReactionEvent(_Sender):
    """`message.reaction`: `reaction` is the emoji; empty means the reaction was removed."""

    id: str
    reacted_message_id: str
    reaction: str = ""

    @classmethod
    def parse(cls, payload: Mapping[str, Any], fallback: datetime | None) -> ReactionEvent:
        return cls(
            **_Sender.fields(payload, fallback),
            id=_text(payload, "id"),
            reacted_message_id=_required_text(payload, "reacted_message_id"),
            reaction=_text(payload, "reaction"),
        )


@dataclass(frozen=True)
class RevokeEvent(_Sender):
    """`message.revoked`: deleted for everyone."""

    id: str
    revoked_message_id: str
    revoked_from_me: bool = False

    @classmethod
    def parse(cls, payload: Mapping[str, Any], fallback: datetime | None) -> RevokeEvent:
        return cls(
            **_Sender.fields(payload, fallback),
            id=_text(payload, "id"),
            revoked_message_id=_required_text(payload, "revoked_message_id"),
            revoked_from_me=_flag(payload, "revoked_from_me"),
        )


@dataclass(frozen=True)
class EditEvent(_Sender):
    """`message.edited`: `id` is the edit's own id, `original_message_id` the edited one."""

    id: str
    original_message_id: str
    text: str = ""

    @classmethod
    def parse(cls, payload: Mapping[str, Any], fallback: datetime | None) -> EditEvent:
        return cls(
            **_Sender.fields(payload, fallback),
            id=_text(payload, "id"),
            original_message_id=_required_text(payload, "original_message_id"),
            text=_text(payload, "body"),
        )


@dataclass(frozen=True)
class DeleteEvent(_Sender):
    """`message.deleted`: deleted for this account only (on one of its devices)."""

    deleted_message_id: str

    @classmethod
    def parse(cls, payload: Mapping[str, Any], fallback: datetime | None) -> DeleteEvent:
        return cls(
            **_Sender.fields(payload, fallback),
            deleted_message_id=_required_text(payload, "deleted_message_id"),
        )


EVENT_PARSERS: dict[str, Callable[[Mapping[str, Any], datetime | None], Any]] = {
    "message": MessageEvent.parse,
    "message.ack": ReceiptEvent.parse,
    "message.reaction": ReactionEvent.parse,
    "message.revoked": RevokeEvent.parse,
    "message.edited": EditEvent.parse,
    "message.deleted": DeleteEvent.parse,
}


def parse_event(event: str, envelope: Mapping[str, Any]) -> Any:
    """The typed value of a recorded envelope `{event, device_id, timestamp?, payload}`;
    `EventPayloadError` when it cannot be read, `KeyError` for an event without a parser.
    The envelope's own timestamp stands in where a payload has none."""
    parser = EVENT_PARSERS[event]
    payload = envelope.get("payload")
    if not isinstance(payload, Mapping):
        raise EventPayloadError("payload is not an object")
    fallback = parse_datetime(envelope.get("timestamp"))
    if fallback is not None and fallback.tzinfo is None:
        fallback = None
    return parser(payload, fallback)
