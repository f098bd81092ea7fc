"""Webhook events as GOWA emits them for what happens on the phone side (CONTRACT §6.3-§6.4).

The control API describes an incoming message or receipt in a few fields; these builders turn
that into GOWA's envelope and payload, including the awkward parts: media as a relative
`statics/media/…` path (or `{path, caption}` with a caption), protobuf-style location keys,
and a top-level `timestamp` only for non-message events such as `message.ack`.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from . import responses as r
from .identifiers import (
    USER_SERVER,
    InvalidPhone,
    incoming_message_id,
    jid_user,
    lid_for,
    phone_to_jid,
    rfc3339,
    utc_now,
)
from .pairing import qr_png
from .state import Device, ExpiringFiles, History

MESSAGE_KINDS = ("text", "image", "video", "audio", "document", "sticker", "location", "contact")
RECEIPT_TYPES = {
    "delivered": "means the message was delivered to the device "
    "(but the user might not have noticed).",
    "read": "the user opened the chat and saw the message.",
    "read-self": "the current user read a message from a different device, "
    "and has read receipts disabled in privacy settings.",
}
# Events of the message family carry their time in payload.timestamp only.
_MESSAGE_FAMILY = {
    "message",
    "message.reaction",
    "message.revoked",
    "message.edited",
    "message.deleted",
}

# Placeholder media GOWA would have downloaded: (content type, extension, bytes).
_MEDIA: dict[str, tuple[str, str, bytes]] = {
    "video": ("video/mp4", "mp4", b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"),
    "audio": ("audio/ogg", "ogg", b"OggS\x00\x02" + b"\x00" * 22),
    "document": ("application/pdf", "pdf", b"%PDF-1.4\n% sandbox document\n%%EOF\n"),
    "sticker": ("image/webp", "webp", b"RIFF\x0c\x00\x00\x00WEBPVP8 "),
}


def control_error(status: int, code: str, message: str) -> r.GowaError:
    return r.GowaError(status, code, message)


def envelope(device: Device, event: str, payload: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "event": event,
        "device_id": device.jid,
        "session_id": device.id,
        "payload": payload,
    }
    if event not in _MESSAGE_FAMILY:
        data["timestamp"] = rfc3339(utc_now())
    return data


def require_paired(device: Device) -> None:
    if not device.jid:
        raise control_error(409, "DEVICE_NOT_LOGGED_IN", f"device {device.id} is not paired")


def to_jid(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise control_error(400, "VALIDATION_ERROR", f"{field} is required")
    try:
        return phone_to_jid(value)
    except InvalidPhone as exc:
        raise control_error(400, "VALIDATION_ERROR", f"{field}: {exc}") from None


def message_event(device: Device, spec: dict[str, Any], media: ExpiringFiles) -> dict[str, Any]:
    """The `message` event for a message that reached (or was typed on) the phone."""
    require_paired(device)
    kind = spec.get("kind") or "text"
    if kind not in MESSAGE_KINDS:
        raise control_error(
            400, "VALIDATION_ERROR", "kind must be one of " + ", ".join(MESSAGE_KINDS)
        )
    is_from_me = bool(spec.get("is_from_me", False))
    chat_id = to_jid(spec["chat_id"], "chat_id") if spec.get("chat_id") else None
    if is_from_me and chat_id and not spec.get("from"):
        sender = device.jid
    else:
        other = to_jid(spec.get("from"), "from")
        sender = device.jid if is_from_me else other
        chat_id = chat_id or other

    from_name = spec.get("from_name") or (device.display_name if is_from_me else "")
    payload: dict[str, Any] = {
        "id": spec.get("id") or incoming_message_id(),
        "chat_id": chat_id,
        "from": sender,
        "sender_display_name": from_name or jid_user(sender),
        "timestamp": spec.get("timestamp") or rfc3339(utc_now()),
        "is_from_me": is_from_me,
    }
    if sender.endswith("@" + USER_SERVER):
        payload["from_lid"] = lid_for(sender)
    if from_name:
        payload["from_name"] = from_name
    payload.update(_content(kind, spec, media))
    extra = spec.get("extra") or {}
    if not isinstance(extra, dict):
        raise control_error(400, "VALIDATION_ERROR", "extra must be an object")
    payload.update(extra)
    return envelope(device, "message", payload)


def _content(kind: str, spec: dict[str, Any], media: ExpiringFiles) -> dict[str, Any]:
    caption = spec.get("caption") or ""
    if kind == "text":
        text = spec.get("text")
        if not isinstance(text, str) or not text:
            raise control_error(400, "VALIDATION_ERROR", "text is required for a text message")
        return {"body": text}
    if kind == "location":
        return {
            "location": {
                "degreesLatitude": spec.get("latitude", -6.2),
                "degreesLongitude": spec.get("longitude", 106.8),
                "name": spec.get("name", ""),
                "address": spec.get("address", ""),
            }
        }
    if kind == "contact":
        name = spec.get("contact_name") or "Sandbox Contact"
        phone = str(spec.get("contact_phone") or "6280000000000").removeprefix("+")
        vcard = (
            f"BEGIN:VCARD\nVERSION:3.0\nN:;{name};;;\nFN:{name}\n"
            f"TEL;type=CELL;waid={phone}:+{phone}\nEND:VCARD"
        )
        return {"contact": {"displayName": name, "vcard": vcard, "phone_number": phone}}
    path = _store_media(kind, spec, media)
    # Audio and stickers have no caption; the others become {path, caption} when captioned.
    if caption and kind in ("image", "video", "document"):
        return {kind: {"path": path, "caption": caption}, "body": caption}
    return {kind: path}


def _store_media(kind: str, spec: dict[str, Any], media: ExpiringFiles) -> str:
    if kind == "image":
        content_type, extension, data = "image/png", "png", qr_png("sandbox image")
    else:
        content_type, extension, data = _MEDIA[kind]
    filename = spec.get("filename")
    if kind == "document" and isinstance(filename, str) and "." in filename:
        extension = filename.rsplit(".", 1)[1]
    name = f"media/{int(time.time())}-{uuid.uuid4()}.{extension}"
    media.put(name, content_type, data)
    return "statics/" + name


def receipt_event(device: Device, spec: dict[str, Any], sent: History) -> dict[str, Any]:
    """`message.ack` for messages this device sent: delivered, read, or read-self."""
    require_paired(device)
    ids = spec.get("message_ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise control_error(400, "VALIDATION_ERROR", "message_ids must be a non-empty list")
    receipt_type = spec.get("receipt_type", "delivered")
    if receipt_type not in RECEIPT_TYPES:
        raise control_error(
            400, "VALIDATION_ERROR", "receipt_type must be one of " + ", ".join(RECEIPT_TYPES)
        )
    if receipt_type == "read-self":
        sender = device.jid
    elif spec.get("from"):
        sender = to_jid(spec["from"], "from")
    else:
        sender = _recipient_of(device, ids[0], sent)
    chat_id = to_jid(spec["chat_id"], "chat_id") if spec.get("chat_id") else sender
    payload: dict[str, Any] = {
        "ids": ids,
        "chat_id": chat_id,
        "from": sender,
        "sender_display_name": jid_user(sender),
        "receipt_type": receipt_type,
        "receipt_type_description": RECEIPT_TYPES[receipt_type],
    }
    if sender.endswith("@" + USER_SERVER):
        payload["from_lid"] = lid_for(sender)
    return envelope(device, "message.ack", payload)


def _recipient_of(device: Device, message_id: str, sent: History) -> str:
    for entry in reversed(sent.entries()):
        if entry["device_id"] == device.id and entry["message_id"] == message_id:
            return entry["jid"]
    raise control_error(
        400, "VALIDATION_ERROR", "from is required: no message sent with id " + message_id
    )


def custom_event(device: Device, spec: dict[str, Any]) -> dict[str, Any]:
    """Any other GOWA event (reaction, revoke, group.participants…) with a given payload."""
    require_paired(device)
    event = spec.get("event")
    payload = spec.get("payload")
    if not isinstance(event, str) or not event or not isinstance(payload, dict):
        raise control_error(400, "VALIDATION_ERROR", "event (string) and payload are required")
    return envelope(device, event, payload)
