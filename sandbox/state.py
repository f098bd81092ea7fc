"""In-memory device slots and the inspection logs.

Everything here is touched only from the server's event loop, so nothing is locked.
A slot mirrors GOWA's device instance: it exists from `POST /devices` (or a login on an unknown
id), gets a WhatsApp client when a login starts, and is paired once the phone side scans.
"""

from __future__ import annotations

import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from .identifiers import USER_SERVER, bare_jid, rfc3339, utc_now


class Client(Enum):
    """The whatsmeow client behind a slot, as far as a caller can observe it."""

    NONE = "none"  # fresh slot or logged out: sends fail with INVALID_WA_CLI
    PAIRING = "pairing"  # QR or pairing-code login in progress: sends fail with 401
    PAIRED = "paired"  # session stored; usable while connected


@dataclass
class WebhookConfig:
    """A device's own webhook; its secret and event filter apply only when `url` is set."""

    url: str | None = None
    secret: str = ""
    events: str = ""
    insecure_skip_verify: bool = False

    def as_results(self, device_id: str) -> dict[str, Any]:
        return {
            "device_id": device_id,
            "webhook_url": self.url or "",
            "webhook_secret": self.secret,
            "webhook_events": self.events,
            "webhook_insecure_skip_verify": self.insecure_skip_verify,
        }

    def accepts(self, event: str) -> bool:
        wanted = {name.strip().lower() for name in self.events.split(",") if name.strip()}
        return not wanted or event.lower() in wanted


@dataclass
class Device:
    id: str
    created_at: datetime = field(default_factory=utc_now)
    client: Client = Client.NONE
    connected: bool = False
    jid: str = ""  # bare account JID once paired
    device_number: int = 0  # the `:NN` companion suffix WhatsApp assigned at pairing
    phone_number: str = ""
    display_name: str = ""
    login_kind: str | None = None  # "qr" or "code" while a login is open
    login_phone: str = ""  # the phone a pairing code was requested for
    login_deadline: float = 0.0  # time.monotonic() after which the open login lapses
    webhook: WebhookConfig | None = None

    # --- derived views -------------------------------------------------------------------

    @property
    def companion_jid(self) -> str:
        user, _, server = self.jid.partition("@")
        return f"{user}:{self.device_number}@{server}" if self.jid else ""

    @property
    def is_logged_in(self) -> bool:
        return self.client is Client.PAIRED and self.connected

    def login_open(self) -> bool:
        self.lapse_login_if_due()
        return self.client is Client.PAIRING and self.login_kind is not None

    def state(self) -> str:
        """GOWA's deriveState: logged_in > connected > disconnected, from the live client."""
        self.lapse_login_if_due()
        if self.client is Client.NONE:
            return "disconnected"
        if self.is_logged_in:
            return "logged_in"
        return "connected" if self.connected else "disconnected"

    def info(self) -> dict[str, Any]:
        """DeviceInfo; Go's omitempty drops the empty phone_number, display_name and jid."""
        data: dict[str, Any] = {"id": self.id}
        if self.phone_number:
            data["phone_number"] = self.phone_number
        if self.display_name:
            data["display_name"] = self.display_name
        data["state"] = self.state()
        if self.jid:
            data["jid"] = self.jid
        data["created_at"] = rfc3339(self.created_at)
        return data

    def app_device(self) -> dict[str, str]:
        """The `{name, device, jid}` items of /app/devices and WS LIST_DEVICES."""
        return {"name": self.display_name or self.phone_number, "device": self.id, "jid": self.jid}

    # --- transitions ---------------------------------------------------------------------

    def start_login(self, kind: str, window: float, phone: str = "") -> None:
        """A new login disconnects any previous attempt and restarts the flow (GOWA)."""
        self.client = Client.PAIRING
        self.connected = True
        self.login_kind = kind
        self.login_phone = phone
        self.login_deadline = time.monotonic() + window

    def lapse_login_if_due(self) -> None:
        # whatsmeow gives up on the QR channel after its window; the client then disconnects.
        if (
            self.client is Client.PAIRING
            and self.login_kind
            and (time.monotonic() > self.login_deadline)
        ):
            self.login_kind = None
            self.connected = False

    def pair(self, phone: str, push_name: str, device_number: int) -> None:
        self.client = Client.PAIRED
        self.connected = True
        self.jid = f"{phone}@{USER_SERVER}"
        self.phone_number = phone
        self.display_name = push_name
        self.device_number = device_number
        self.login_kind = None
        self.login_phone = ""

    def clear_session(self) -> None:
        """Logout (API or phone): the slot stays, the WhatsApp session goes."""
        self.client = Client.NONE
        self.connected = False
        self.jid = ""
        self.phone_number = ""
        self.display_name = ""
        self.device_number = 0
        self.login_kind = None
        self.login_phone = ""


class DuplicateDevice(Exception):
    pass


class DeviceRegistry:
    def __init__(self) -> None:
        self._devices: dict[str, Device] = {}
        self._next_device_number = 11

    def __iter__(self) -> Iterator[Device]:
        return iter(list(self._devices.values()))

    def __len__(self) -> int:
        return len(self._devices)

    def add(self, device_id: str | None = None) -> Device:
        device_id = device_id or str(uuid.uuid4())
        if device_id in self._devices:
            raise DuplicateDevice(device_id)
        device = Device(id=device_id)
        self._devices[device_id] = device
        return device

    def get(self, device_id: str) -> Device | None:
        return self._devices.get(device_id)

    def get_or_create(self, device_id: str) -> Device:
        """GOWA's /devices/{id}/login quietly creates an unknown slot instead of failing."""
        return self._devices.get(device_id) or self.add(device_id)

    def remove(self, device_id: str) -> Device | None:
        return self._devices.pop(device_id, None)

    def find(self, value: str) -> Device | None:
        """Match a slot id first, then an account JID (full companion or bare)."""
        if value in self._devices:
            return self._devices[value]
        if "@" not in value:
            return None
        wanted = bare_jid(value)
        return next((d for d in self._devices.values() if d.jid and d.jid == wanted), None)

    def only(self) -> Device | None:
        return next(iter(self._devices.values())) if len(self._devices) == 1 else None

    def next_device_number(self) -> int:
        number = self._next_device_number
        self._next_device_number += 1
        return number

    def clear(self) -> None:
        self._devices.clear()


class ExpiringFiles:
    """Files under /statics that vanish after a while, like GOWA's QR PNGs on disk."""

    def __init__(self) -> None:
        self._files: dict[str, tuple[str, bytes, float | None]] = {}

    def put(self, name: str, content_type: str, data: bytes, ttl: float | None = None) -> None:
        expires = time.monotonic() + ttl if ttl is not None else None
        self._files[name] = (content_type, data, expires)

    def get(self, name: str) -> tuple[str, bytes] | None:
        entry = self._files.get(name)
        if entry is None:
            return None
        content_type, data, expires = entry
        if expires is not None and time.monotonic() >= expires:
            del self._files[name]
            return None
        return content_type, data

    def clear(self) -> None:
        self._files.clear()


class History:
    """A bounded log of dicts, newest last, for the control API's inspection routes."""

    def __init__(self, limit: int) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=limit)

    def append(self, entry: dict[str, Any]) -> dict[str, Any]:
        self._entries.append(entry)
        return entry

    def entries(self) -> list[dict[str, Any]]:
        return list(self._entries)

    def clear(self) -> None:
        self._entries.clear()
