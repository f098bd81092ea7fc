"""What every phone-side webhook event shares (CONTRACT §6.3-§6.4, §7).

The control API describes an event in a few fields; the builders in `event_message` and
`event_actions` turn that into GOWA's envelope and payload. Shared here: the envelope (a
top-level `timestamp` only for events outside the message family), who sent an event and in
which chat (`from`, `from_lid`, `chat_id`, `chat_lid`, the names), and `MessageBook`, which
remembers the messages the sandbox has seen so an edit, a reaction or a receipt can default
its chat and sender from the message it refers to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import responses as r
from .identifiers import (
    GROUP_SERVER,
    LID_SERVER,
    USER_SERVER,
    InvalidPhone,
    incoming_message_id,
    jid_user,
    lid_for,
    phone_to_jid,
    rfc3339,
    utc_now,
)
from .state import Device, ExpiringFiles, History

# Events of the message family carry their time in payload.timestamp only.
MESSAGE_FAMILY = frozenset(
    {"message", "message.reaction", "message.revoked", "message.edited", "message.deleted"}
)
# What a message sent through REST is, in the media vocabulary of GOWA's chat storage.
_SENT_MEDIA = {"image": "image", "video": "video", "audio": "audio", "file": "document",
               "sticker": "sticker"}  # fmt: skip
MEDIA_KEYS = ("image", "video", "video_note", "audio", "document", "sticker")


def control_error(status: int, code: str, message: str) -> r.GowaError:
    return r.GowaError(status, code, message)


def invalid(message: str) -> r.GowaError:
    return control_error(400, "VALIDATION_ERROR", message)


def envelope(
    device: Device, event: str, payload: dict[str, Any], timestamp: str = ""
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "event": event,
        "device_id": device.jid,
        "session_id": device.id,
        "payload": payload,
    }
    if event not in MESSAGE_FAMILY:
        data["timestamp"] = timestamp or rfc3339(utc_now())
    return data


def require_paired(device: Device) -> None:
    if not device.jid:
        raise control_error(409, "DEVICE_NOT_LOGGED_IN", f"device {device.id} is not paired")


def to_jid(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise invalid(f"{field} is required")
    try:
        return phone_to_jid(value)
    except InvalidPhone as exc:
        raise invalid(f"{field}: {exc}") from None


def optional_jid(spec: dict[str, Any], field: str) -> str:
    return to_jid(spec[field], field) if spec.get(field) else ""


def text_of(spec: dict[str, Any], field: str, default: str = "") -> str:
    value = spec.get(field, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise invalid(f"{field} must be a string")
    return value


def flag_of(spec: dict[str, Any], field: str, default: bool = False) -> bool:
    value = spec.get(field, default)
    if not isinstance(value, bool):
        raise invalid(f"{field} must be a boolean")
    return value


def with_extra(payload: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """`extra` is merged into the payload last: any field, replaced or added as given."""
    extra = spec.get("extra")
    if extra is None:
        return payload
    if not isinstance(extra, dict):
        raise invalid("extra must be an object")
    payload.update(extra)
    return payload


def is_group(jid: str) -> bool:
    return jid.endswith("@" + GROUP_SERVER)


def is_lid(jid: str) -> bool:
    return jid.endswith("@" + LID_SERVER)


@dataclass(frozen=True)
class PhoneSide:
    """What a builder may use: the device, the messages seen so far, the media store."""

    device: Device
    book: MessageBook
    media: ExpiringFiles
    auto_download_media: bool = True


# --- who and where ------------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    chat_id: str
    sender: str
    is_from_me: bool


def party_of(device: Device, spec: dict[str, Any], known: KnownMessage | None = None) -> Party:
    """The chat and sender of an event. `from` is the other party (the participant in a
    group); with `is_from_me` the sender is the account and `from` names the chat. A message
    the event refers to (`known`) supplies the chat, and in a 1:1 chat the other party."""
    is_from_me = flag_of(spec, "is_from_me")
    chat = optional_jid(spec, "chat_id") or (known.chat_id if known else "")
    other = optional_jid(spec, "from")
    if not other and known and not is_group(known.chat_id):
        other = known.chat_id
    if is_from_me:
        chat = chat or other
        if not chat:
            raise invalid("from or chat_id is required")
        return Party(chat, device.jid, True)
    if not other:
        raise invalid("from is required")
    return Party(chat or other, other, False)


def sender_fields(
    device: Device, sender: str, spec: dict[str, Any], is_from_me: bool
) -> dict[str, Any]:
    """`from`, `from_lid`, `from_name` (the push name) and `sender_display_name`.

    A LID sender whose phone is unknown stays `…@lid` in both `from` and `from_lid`. A phone
    sender gets a stable fake LID unless `from_lid` is false (or a given `…@lid`)."""
    fields: dict[str, Any] = {"from": sender}
    wanted = spec.get("from_lid", True)
    if is_lid(sender):
        fields["from_lid"] = sender
    elif isinstance(wanted, str) and wanted:
        fields["from_lid"] = to_jid(wanted, "from_lid")
    elif wanted is True and sender.endswith("@" + USER_SERVER):
        fields["from_lid"] = lid_for(sender)
    elif wanted not in (False, True, ""):
        raise invalid("from_lid must be a boolean or a LID")
    push_name = text_of(spec, "from_name") or (device.display_name if is_from_me else "")
    if push_name:
        fields["from_name"] = push_name
    fields["sender_display_name"] = text_of(spec, "display_name") or push_name or jid_user(sender)
    return fields


def message_family_payload(
    device: Device, spec: dict[str, Any], party: Party, default_id: str = ""
) -> dict[str, Any]:
    """The fields GOWA's buildEventPayload writes for every message-family event."""
    payload: dict[str, Any] = {
        "id": text_of(spec, "id") or default_id or incoming_message_id(),
        "chat_id": party.chat_id,
        "timestamp": text_of(spec, "timestamp") or rfc3339(utc_now()),
        "is_from_me": party.is_from_me,
    }
    chat_lid = spec.get("chat_lid")
    if is_lid(party.chat_id):
        payload["chat_lid"] = party.chat_id  # GOWA could not map it to a phone: both stay LID
    elif chat_lid and not is_group(party.chat_id):
        payload["chat_lid"] = (
            to_jid(chat_lid, "chat_lid") if isinstance(chat_lid, str) else lid_for(party.chat_id)
        )
    payload.update(sender_fields(device, party.sender, spec, party.is_from_me))
    return payload


# --- the messages the sandbox knows -------------------------------------------------------


@dataclass(frozen=True)
class KnownMessage:
    chat_id: str
    sender: str
    is_from_me: bool
    content: str = ""
    timestamp: str = ""
    media_type: str = ""
    filename: str = ""


class MessageBook:
    """Messages by id: those sent through REST (`/sent`) and those the phone side emitted."""

    def __init__(self, sent: History, inbound: History) -> None:
        self._sent = sent
        self._inbound = inbound

    def remember(self, device: Device, event: dict[str, Any]) -> None:
        if event.get("event") == "message" and isinstance(event.get("payload"), dict):
            self._inbound.append({"device_id": device.id, "payload": event["payload"]})

    def find(self, device: Device, message_id: str) -> KnownMessage | None:
        for entry in reversed(self._inbound.entries()):
            payload = entry["payload"]
            if entry["device_id"] == device.id and payload.get("id") == message_id:
                return _known_inbound(payload)
        for entry in reversed(self._sent.entries()):
            if entry["device_id"] == device.id and entry["message_id"] == message_id:
                return _known_sent(device, entry)
        return None

    def find_any(self, device: Device, message_ids: list[str]) -> KnownMessage | None:
        return next(
            (known for i in message_ids if (known := self.find(device, i)) is not None), None
        )


def _known_inbound(payload: dict[str, Any]) -> KnownMessage:
    media = next((key for key in MEDIA_KEYS if key in payload), "")
    described = payload.get(media)
    filename = described.get("filename", "") if isinstance(described, dict) else ""
    return KnownMessage(
        chat_id=payload["chat_id"],
        sender=payload["from"],
        is_from_me=bool(payload.get("is_from_me")),
        content=str(payload.get("body") or ""),
        timestamp=str(payload.get("timestamp") or ""),
        media_type=media,
        filename=filename if isinstance(filename, str) else "",
    )


def _known_sent(device: Device, entry: dict[str, Any]) -> KnownMessage:
    fields = entry.get("fields") or {}
    files = entry.get("files") or []
    return KnownMessage(
        chat_id=entry["jid"],
        sender=device.jid,
        is_from_me=True,
        content=str(fields.get("message") or fields.get("caption") or ""),
        timestamp=str(entry.get("timestamp") or ""),
        media_type=_SENT_MEDIA.get(entry.get("kind", ""), ""),
        filename=str(files[0].get("filename") or "") if files else "",
    )
