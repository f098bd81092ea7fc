"""Send and message-action calls of :class:`~devices.whatsapp.client.WhatsAppClient`.

Kept apart from the transport so each module stays small; this module builds request bodies
only and never touches the HTTP library. All calls are device-scoped (``X-Device-Id``), use the
long send timeout, and return a :class:`SendResult` with the upstream's ``message_id``.

``phone`` may be a phone number in any common notation (normalised to
``<digits>@s.whatsapp.net``, ``ValueError`` when it is not international) or any JID
(``…@g.us`` for a group), passed through unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import quote

from devices.whatsapp.phones import jid_for_phone, normalise_phone
from devices.whatsapp.types import SendResult

__all__ = ["SendingMixin", "Upload"]

# (filename, content, content type), e.g. ("photo.jpg", b"...", "image/jpeg"). GOWA checks the
# part's Content-Type (image/jpeg|jpg|png for images, video/mp4..., CONTRACT §9.9).
Upload = tuple[str, bytes, str]


class _Requester(Protocol):
    def _request(self, method: str, path: str, **kwargs: Any) -> Any: ...


def optional_fields(**fields: Any) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}


def _form_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _coordinate(value: float | int | str | Decimal, *, limit: float, name: str) -> str:
    """GOWA binds latitude/longitude as JSON strings; a JSON number fails binding with a 500."""
    if isinstance(value, bool) or not isinstance(value, (float, int, str, Decimal)):
        raise TypeError("%(name)s must be a number or a numeric string" % {"name": name})
    text = value.strip() if isinstance(value, str) else str(value)
    try:
        number = float(text)
    except ValueError as exc:
        raise ValueError("%(name)s is not a number" % {"name": name}) from exc
    if not -limit <= number <= limit:
        raise ValueError("%(name)s out of range" % {"name": name})
    return text


def _parameters(values: dict[str, Any]) -> dict[str, Any]:
    """A send method's own parameters (its `locals()` on entry): they are named after GOWA's
    body fields, so each is passed on by name instead of being spelled out a second time."""
    return {name: value for name, value in values.items() if name != "self"}


def _mentions(mentions: Sequence[str]) -> list[str]:
    if isinstance(mentions, str):
        raise TypeError("mentions must be a list of phones, not a string")
    return [m if m == "@everyone" or "@" in m else normalise_phone(m) for m in mentions]


class SendingMixin:
    """``/send/*`` and ``/message/{id}/*`` calls."""

    def _send(self: _Requester, path: str, device_id: str, **kwargs: Any) -> SendResult:
        results = self._request("POST", path, device_id=device_id, send=True, **kwargs)
        return SendResult.from_payload(results)

    def _send_media(
        self,
        kind: str,
        device_id: str,
        phone: str,
        *,
        url: str | None,
        upload: Upload | None,
        **fields: Any,
    ) -> SendResult:
        if (url is None) == (upload is None):
            raise ValueError("pass exactly one of url= or upload=")
        body = {"phone": jid_for_phone(phone), **optional_fields(**fields)}
        if url is not None:
            body[f"{kind}_url"] = url
            return self._send(f"/send/{kind}", device_id, json=body)
        filename, content, content_type = upload  # type: ignore[misc]
        if not filename or not content_type:
            raise ValueError("upload needs a filename and a content type")
        data = {key: _form_value(value) for key, value in body.items()}
        files = {kind: (filename, content, content_type)}
        return self._send(f"/send/{kind}", device_id, data=data, files=files)

    def send_text(
        self,
        device_id: str,
        phone: str,
        message: str,
        *,
        reply_message_id: str | None = None,
        mentions: Sequence[str] | None = None,
        duration: int | None = None,
        is_forwarded: bool | None = None,
    ) -> SendResult:
        body = {"phone": jid_for_phone(phone), "message": message}
        body.update(
            optional_fields(
                reply_message_id=reply_message_id,
                mentions=None if mentions is None else _mentions(mentions),
                duration=duration,
                is_forwarded=is_forwarded,
            )
        )
        return self._send("/send/message", device_id, json=body)

    def send_image(
        self,
        device_id: str,
        phone: str,
        *,
        url: str | None = None,
        upload: Upload | None = None,
        caption: str | None = None,
        view_once: bool | None = None,
        compress: bool | None = None,
        hd: bool | None = None,
        reply_message_id: str | None = None,
        duration: int | None = None,
        is_forwarded: bool | None = None,
    ) -> SendResult:
        return self._send_media("image", **_parameters(locals()))

    def send_file(
        self,
        device_id: str,
        phone: str,
        *,
        url: str | None = None,
        upload: Upload | None = None,
        caption: str | None = None,
        reply_message_id: str | None = None,
        duration: int | None = None,
        is_forwarded: bool | None = None,
    ) -> SendResult:
        return self._send_media("file", **_parameters(locals()))

    def send_video(
        self,
        device_id: str,
        phone: str,
        *,
        url: str | None = None,
        upload: Upload | None = None,
        caption: str | None = None,
        view_once: bool | None = None,
        compress: bool | None = None,
        hd: bool | None = None,
        gif_playback: bool | None = None,
        reply_message_id: str | None = None,
        duration: int | None = None,
        is_forwarded: bool | None = None,
    ) -> SendResult:
        return self._send_media("video", **_parameters(locals()))

    def send_audio(
        self,
        device_id: str,
        phone: str,
        *,
        url: str | None = None,
        upload: Upload | None = None,
        ptt: bool | None = None,
        reply_message_id: str | None = None,
        duration: int | None = None,
        is_forwarded: bool | None = None,
    ) -> SendResult:
        return self._send_media("audio", **_parameters(locals()))

    def send_sticker(
        self,
        device_id: str,
        phone: str,
        *,
        url: str | None = None,
        upload: Upload | None = None,
        duration: int | None = None,
        is_forwarded: bool | None = None,
    ) -> SendResult:
        return self._send_media("sticker", **_parameters(locals()))

    def send_location(
        self,
        device_id: str,
        phone: str,
        latitude: float | str | Decimal,
        longitude: float | str | Decimal,
        *,
        duration: int | None = None,
        is_forwarded: bool | None = None,
    ) -> SendResult:
        body = {
            "phone": jid_for_phone(phone),
            "latitude": _coordinate(latitude, limit=90, name="latitude"),
            "longitude": _coordinate(longitude, limit=180, name="longitude"),
            **optional_fields(duration=duration, is_forwarded=is_forwarded),
        }
        return self._send("/send/location", device_id, json=body)

    def send_contact(
        self,
        device_id: str,
        phone: str,
        contact_name: str,
        contact_phone: str,
        *,
        duration: int | None = None,
        is_forwarded: bool | None = None,
    ) -> SendResult:
        body = {
            "phone": jid_for_phone(phone),
            "contact_name": contact_name,
            "contact_phone": contact_phone,
            **optional_fields(duration=duration, is_forwarded=is_forwarded),
        }
        return self._send("/send/contact", device_id, json=body)

    # --- actions on an existing message; ``phone`` is the chat --------------------------------

    def _message_action(
        self, action: str, device_id: str, message_id: str, phone: str, **extra: Any
    ) -> SendResult:
        if not message_id:
            raise ValueError("message_id must not be empty")
        path = f"/message/{quote(message_id, safe='')}/{action}"
        return self._send(path, device_id, json={"phone": jid_for_phone(phone), **extra})

    def message_read(self, device_id: str, message_id: str, phone: str) -> SendResult:
        """Mark read; GOWA supports 1:1 chats only (CONTRACT §4.3)."""
        return self._message_action("read", device_id, message_id, phone)

    def message_react(self, device_id: str, message_id: str, phone: str, emoji: str) -> SendResult:
        """React with ``emoji``; an empty string removes the reaction."""
        return self._message_action("reaction", device_id, message_id, phone, emoji=emoji)

    def message_revoke(self, device_id: str, message_id: str, phone: str) -> SendResult:
        """Delete for everyone."""
        return self._message_action("revoke", device_id, message_id, phone)

    def message_update(
        self, device_id: str, message_id: str, phone: str, message: str
    ) -> SendResult:
        """Edit an own text message (WhatsApp allows about 15 minutes)."""
        return self._message_action("update", device_id, message_id, phone, message=message)
