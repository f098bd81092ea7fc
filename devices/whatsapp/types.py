"""Typed views of the upstream's payloads (CONTRACT.md §2-§6; phones and JIDs: `.phones`).

Every ``from_payload`` accepts the upstream's ``results`` object (or ``None`` when GOWA omitted
it) and tolerates missing or ``null`` fields: the upstream drops empty fields (Go
``omitempty``), so a missing string becomes ``""`` and a missing number/bool a neutral default.
Unknown fields are ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Self


def _map(payload: Any) -> Mapping[str, Any]:
    return payload if isinstance(payload, Mapping) else {}


def _str(payload: Mapping[str, Any], key: str) -> str:
    value = payload.get(key)
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _bool(payload: Mapping[str, Any], key: str) -> bool:
    value = payload.get(key)
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes"}
    return bool(value)


def _int(payload: Mapping[str, Any], key: str) -> int:
    value = payload.get(key)
    if isinstance(value, bool):
        return int(value)
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def parse_datetime(value: Any) -> datetime | None:
    """Parse an RFC 3339 timestamp as sent by Go (``Z`` or offset, up to 9 fraction digits).

    Returns ``None`` for a missing or unparseable value rather than failing the whole payload.
    """
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    # Go writes nanoseconds; datetime keeps microseconds. Cut the fraction to 6 digits.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _events_list(payload: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = payload.get(key)
    if isinstance(value, str):
        items: Iterable[Any] = value.split(",")
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        return ()
    return tuple(str(item).strip() for item in items if str(item).strip())


# How a field is read, by its annotation (this module's annotations are strings).
_READERS = {
    "str": _str,
    "bool": _bool,
    "int": _int,
    "datetime | None": lambda payload, key: parse_datetime(payload.get(key)),
    "tuple[str, ...]": _events_list,
}


class _Payload:
    """``from_payload`` for a dataclass whose fields are the payload's keys of the same names,
    each read by its annotation; ``given`` are the fields a subclass reads another way."""

    @classmethod
    def from_payload(cls, payload: Any, **given: Any) -> Self:
        data = _map(payload)
        read = {f.name: _READERS[f.type](data, f.name) for f in fields(cls) if f.name not in given}
        return cls(**read, **given)


# --- REST results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceInfo(_Payload):
    id: str
    state: str = ""
    jid: str = ""
    phone_number: str = ""
    display_name: str = ""
    created_at: datetime | None = None

    @classmethod
    def from_payload(cls, payload: Any) -> DeviceInfo:
        data = _map(payload)
        # POST /devices echoes "id"; some GOWA answers carry only "device_id".
        return super().from_payload(data, id=_str(data, "id") or _str(data, "device_id"))


@dataclass(frozen=True)
class DeviceStatus(_Payload):
    device_id: str
    is_connected: bool = False
    is_logged_in: bool = False


@dataclass(frozen=True)
class LoginQR(_Payload):
    device_id: str
    qr_link: str
    qr_duration: int = 0


@dataclass(frozen=True)
class PairCode(_Payload):
    device_id: str
    pair_code: str


@dataclass(frozen=True)
class SendResult(_Payload):
    message_id: str
    status: str = ""


@dataclass(frozen=True)
class UserCheck(_Payload):
    is_on_whatsapp: bool


@dataclass(frozen=True)
class UserDevice:
    """One entry of ``devices`` in ``/user/info`` (whatsmeow struct, PascalCase keys)."""

    user: str = ""
    agent: int = 0
    device: int = 0
    server: str = ""
    ad: bool = False

    @classmethod
    def from_payload(cls, payload: Any) -> UserDevice:
        data = _map(payload)
        return cls(
            user=_str(data, "User"),
            agent=_int(data, "Agent"),
            device=_int(data, "Device"),
            server=_str(data, "Server"),
            ad=_bool(data, "AD"),
        )


@dataclass(frozen=True)
class UserInfo:
    """``GET /user/info`` in the code's shape (CONTRACT §4.5): the first ``data`` entry."""

    name: str = ""
    verified_name: str = ""
    status: str = ""
    picture_id: str = ""
    devices: tuple[UserDevice, ...] = ()
    resolved_phone: str = ""
    resolved_lid: str = ""

    @classmethod
    def from_payload(cls, payload: Any) -> UserInfo:
        data = _map(payload)
        entries = data.get("data")
        first = _map(entries[0]) if isinstance(entries, list) and entries else {}
        devices = first.get("devices")
        return cls(
            name=_str(first, "name"),
            verified_name=_str(first, "verified_name"),
            status=_str(first, "status"),
            picture_id=_str(first, "picture_id"),
            devices=tuple(
                UserDevice.from_payload(item) for item in devices or () if isinstance(item, dict)
            ),
            resolved_phone=_str(data, "resolved_phone"),
            resolved_lid=_str(data, "resolved_lid"),
        )


@dataclass(frozen=True)
class DeviceWebhook(_Payload):
    device_id: str
    webhook_url: str = ""
    webhook_secret: str = field(default="", repr=False)
    webhook_events: tuple[str, ...] = ()
    webhook_insecure_skip_verify: bool = False


@dataclass(frozen=True)
class AppInfo(_Payload):
    version: str = ""
    os: str = ""
    base_path: str = ""
    max_file_size: int = 0
    max_video_size: int = 0
    max_image_size: int = 0
    chatwoot_enabled: bool = False


# --- WebSocket frames (CONTRACT §5, and the webhook envelope of §6.3) ------------------------


@dataclass(frozen=True)
class LifecycleEvent:
    """A GOWA ``/ws`` frame: ``{"code", "message", "result"}``.

    ``device_id`` is taken from ``result`` when it is an object carrying one; ``LOGIN_SUCCESS``
    has ``result: null`` and so no device id (refresh ``GET /devices`` to learn which slot).
    """

    code: str
    message: str = ""
    result: Any = None
    device_id: str = ""

    @classmethod
    def from_payload(cls, payload: Any) -> LifecycleEvent:
        data = _map(payload)
        result = data.get("result")
        device_id = _str(result, "device_id") if isinstance(result, Mapping) else ""
        return cls(
            code=_str(data, "code"),
            message=_str(data, "message"),
            result=result,
            device_id=device_id,
        )


@dataclass(frozen=True)
class EnvelopeEvent:
    """The webhook envelope ``{event, device_id, session_id?, timestamp?, payload}``.

    ``device_id`` is the account JID, ``session_id`` the slot id (may be empty). ``timestamp``
    is the envelope's, or ``payload.timestamp`` for message-family events that have none.
    """

    event: str
    device_id: str = ""
    session_id: str = ""
    timestamp: datetime | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_payload(cls, payload: Any) -> EnvelopeEvent:
        data = _map(payload)
        body = _map(data.get("payload"))
        timestamp = parse_datetime(data.get("timestamp")) or parse_datetime(body.get("timestamp"))
        return cls(
            event=_str(data, "event"),
            device_id=_str(data, "device_id"),
            session_id=_str(data, "session_id"),
            timestamp=timestamp,
            payload=dict(body),
        )


@dataclass(frozen=True)
class StreamIdle:
    """Not a frame: yielded by ``WhatsAppEventStream.events(idle_after=...)`` when the wait
    the caller asked for passed with no frame (``closed`` False), and once when the socket has
    closed, before the reconnect and its backoff wait (``closed`` True). It gives a caller that
    holds frames back (the listener's batches) the moment to hand them on."""

    closed: bool = False


def parse_ws_frame(text: str | bytes) -> LifecycleEvent | EnvelopeEvent:
    """Parse one text frame from the upstream socket.

    A JSON object with a string ``code`` is a lifecycle event; one with a string ``event`` is a
    webhook-style envelope. Anything else raises ``ValueError``.
    """
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError("frame is not UTF-8") from exc
    try:
        data = json.loads(text)
    except (TypeError, json.JSONDecodeError, RecursionError) as exc:  # nested absurdly deep too
        raise ValueError("frame is not JSON") from exc
    if not isinstance(data, dict):
        raise ValueError("frame is not a JSON object")
    if isinstance(data.get("event"), str) and data["event"]:
        return EnvelopeEvent.from_payload(data)
    if isinstance(data.get("code"), str) and data["code"]:
        return LifecycleEvent.from_payload(data)
    raise ValueError("frame has neither 'code' nor 'event'")
