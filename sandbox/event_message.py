"""The `message` event for a message that reached, or was typed on, the phone (CONTRACT §6.4).

Shapes as GOWA's buildEventPayload writes them:
- text: `body`; a reply adds `replied_to_id` and `quoted_body`; `forwarded` and `view_once`
  appear only when true.
- image, video, video_note, document with auto-download on: a relative path string
  `statics/media/<unix>-<uuid>.<ext>`, or `{path, caption}` when captioned; off: `{url,
  caption}` (`{url, filename}` for a document). audio and sticker: a path string, or `{url}`.
  A caption is also the `body`. A failed download leaves the media key out.
- location: whatsmeow's LocationMessage struct (`degreesLatitude`, `degreesLongitude`,
  `name`?, `address`?); live_location: LiveLocationMessage (`degreesLatitude`,
  `degreesLongitude`, `caption`?, `sequenceNumber`?); unset protobuf fields are omitted.
- contact: `{displayName, vcard, phone_number?}`; contacts: `contacts_array` of those.
Struct values keep Go's field order on the wire (`GoStruct`); maps are sorted.
"""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Any

from .events import (
    PhoneSide,
    envelope,
    flag_of,
    invalid,
    message_family_payload,
    party_of,
    require_paired,
    text_of,
    with_extra,
)
from .gojson import GoStruct
from .pairing import qr_png

MESSAGE_KINDS = (
    "text", "image", "video", "video_note", "audio", "document", "sticker",
    "location", "live_location", "contact", "contacts",
)  # fmt: skip
_CAPTIONED = ("image", "video", "video_note", "document")
_DEFAULT_CONTACTS = (
    {"name": "Alice", "phone": "6281200000001"},
    {"name": "Bob", "phone": "6281200000002"},
)

# Placeholder media GOWA would have downloaded: (content type, extension, bytes).
_VIDEO = ("video/mp4", "mp4", b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
_MEDIA: dict[str, tuple[str, str, bytes]] = {
    "video": _VIDEO,
    "video_note": _VIDEO,
    "audio": ("audio/ogg", "ogg", b"OggS\x00\x02" + b"\x00" * 22),
    "document": ("application/pdf", "pdf", b"%PDF-1.4\n% sandbox document\n%%EOF\n"),
    "sticker": ("image/webp", "webp", b"RIFF\x0c\x00\x00\x00WEBPVP8 "),
}


def message_event(phone: PhoneSide, spec: dict[str, Any]) -> dict[str, Any]:
    device = phone.device
    require_paired(device)
    kind = spec.get("kind") or "text"
    if kind not in MESSAGE_KINDS:
        raise invalid("kind must be one of " + ", ".join(MESSAGE_KINDS))
    payload = message_family_payload(device, spec, party_of(device, spec))
    payload.update(_content(kind, spec, phone))
    for field in ("replied_to_id", "quoted_body"):
        if text_of(spec, field):
            payload[field] = spec[field]
    for field in ("forwarded", "view_once"):
        if flag_of(spec, field):
            payload[field] = True
    return envelope(device, "message", with_extra(payload, spec))


def _content(kind: str, spec: dict[str, Any], phone: PhoneSide) -> dict[str, Any]:
    if kind == "text":
        text = text_of(spec, "text")
        if not text:
            raise invalid("text is required for a text message")
        return {"body": text}
    if kind in ("location", "live_location"):
        return {kind: _location(kind, spec)}
    if kind == "contact":
        return {"contact": _card(_contact_specs(spec)[0])}
    if kind == "contacts":
        return {"contacts_array": [_card(card) for card in _contact_specs(spec)]}
    return _media(kind, spec, phone)


def _media(kind: str, spec: dict[str, Any], phone: PhoneSide) -> dict[str, Any]:
    caption = text_of(spec, "caption") if kind in _CAPTIONED else ""
    content: dict[str, Any] = {"body": caption} if caption else {}
    if flag_of(spec, "download_failed"):
        return content  # GOWA logs the failure and sends the event without the media key
    filename = text_of(spec, "filename") or "document.pdf"
    if not flag_of(spec, "auto_download", phone.auto_download_media):
        if kind == "document":
            content[kind] = {"url": _cdn_url(), "filename": filename}
        elif kind in _CAPTIONED:
            content[kind] = {"url": _cdn_url(), "caption": caption}
        else:
            content[kind] = {"url": _cdn_url()}
        return content
    path = _store_media(kind, filename, phone)
    content[kind] = {"path": path, "caption": caption} if caption else path
    return content


def _store_media(kind: str, filename: str, phone: PhoneSide) -> str:
    if kind == "image":
        content_type, extension, data = "image/png", "png", qr_png("sandbox image")
    else:
        content_type, extension, data = _MEDIA[kind]
    if kind == "document" and "." in filename:
        extension = filename.rsplit(".", 1)[1]
    name = f"media/{int(time.time())}-{uuid.uuid4()}.{extension}"
    phone.media.put(name, content_type, data)
    return "statics/" + name


def _cdn_url() -> str:
    """An encrypted-CDN URL of WhatsApp's shape; nothing is behind it."""
    path = "_".join(str(secrets.randbelow(10**15)) for _ in range(3))
    return (
        f"https://mmg.whatsapp.net/v/t62.7118-24/{path}_n.enc?ccb=11-4"
        f"&oh=01_{secrets.token_urlsafe(24)}&oe={secrets.token_hex(4).upper()}"
        "&_nc_sid=5e03e0&mms3=true"
    )


def _number(spec: dict[str, Any], field: str, default: float, bound: float) -> float:
    value = spec.get(field, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or abs(value) > bound:
        raise invalid(f"{field} must be a number between -{bound} and {bound}")
    return value


def _location(kind: str, spec: dict[str, Any]) -> GoStruct:
    location = GoStruct(
        degreesLatitude=_number(spec, "latitude", -6.2, 90),
        degreesLongitude=_number(spec, "longitude", 106.8, 180),
    )
    if kind == "location":
        for field in ("name", "address"):
            if text_of(spec, field):
                location[field] = spec[field]
        return location
    if text_of(spec, "caption"):
        location["caption"] = spec["caption"]
    sequence = spec.get("sequence_number")
    if sequence is not None:
        if isinstance(sequence, bool) or not isinstance(sequence, int):
            raise invalid("sequence_number must be an integer")
        location["sequenceNumber"] = sequence
    return location


def _contact_specs(spec: dict[str, Any]) -> list[dict[str, Any]]:
    cards = spec.get("contacts")
    if cards is None:
        if spec.get("kind") == "contacts":
            return list(_DEFAULT_CONTACTS)
        phone = spec.get("contact_phone") or "6280000000000"
        return [{"name": spec.get("contact_name") or "Sandbox Contact", "phone": phone}]
    if not isinstance(cards, list) or not cards or not all(isinstance(c, dict) for c in cards):
        raise invalid("contacts must be a non-empty list of {name, phone?}")
    return cards


def _card(card: dict[str, Any]) -> GoStruct:
    """GOWA's webhookContactPayload; phone_number (from the vCard's waid) is omitempty."""
    name = text_of(card, "name") or "Sandbox Contact"
    phone = str(card.get("phone") or "").removeprefix("+")
    tel = f"TEL;type=CELL;waid={phone}:+{phone}\n" if phone else ""
    vcard = f"BEGIN:VCARD\nVERSION:3.0\nN:;{name};;;\nFN:{name}\n{tel}END:VCARD"
    contact = GoStruct(displayName=name, vcard=vcard)
    if phone:
        contact["phone_number"] = phone
    return contact
