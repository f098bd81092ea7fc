"""Device, login, user and app calls of :class:`~devices.whatsapp.client.WhatsAppClient`.

Kept apart from the transport, like :mod:`.sending`: this module builds paths and bodies only and
never touches the HTTP library. Device routes name the slot in the path, user routes send
``X-Device-Id`` (CONTRACT §2.2).
"""

from __future__ import annotations

from urllib.parse import quote

from devices.whatsapp.phones import jid_for_phone, normalise_phone
from devices.whatsapp.sending import optional_fields
from devices.whatsapp.types import (
    AppInfo,
    DeviceInfo,
    DeviceStatus,
    DeviceWebhook,
    LoginQR,
    PairCode,
    UserCheck,
    UserInfo,
)


def quote_id(value: str) -> str:
    """Percent-encode an id for a path segment or the ``X-Device-Id`` header.

    GOWA URL-decodes ``X-Device-Id`` (non-ASCII ids are allowed) and header values must be
    latin-1 on the wire. ``@`` and ``:`` stay readable so JIDs look like JIDs; ``+`` is encoded
    because a query-style decoder would turn it into a space.
    """
    if not value:
        raise ValueError("id must not be empty")
    return quote(value, safe="@:")


class ManagementMixin:
    """``/devices/*``, ``/user/*`` and ``/app/info`` calls."""

    def device_list(self) -> list[DeviceInfo]:
        results = self._request("GET", "/devices")
        return [DeviceInfo.from_payload(item) for item in results or () if isinstance(item, dict)]

    def device_create(
        self,
        device_id: str | None = None,
        *,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        webhook_events: str | list[str] | tuple[str, ...] | None = None,
    ) -> DeviceInfo:
        body = optional_fields(
            device_id=device_id or None,
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            webhook_events=None if webhook_events is None else _events(webhook_events),
        )
        return DeviceInfo.from_payload(self._request("POST", "/devices", json=body))

    def device_get(self, device_id: str) -> DeviceInfo:
        return DeviceInfo.from_payload(self._request("GET", _device_path(device_id)))

    def device_delete(self, device_id: str) -> None:
        self._request("DELETE", _device_path(device_id))

    def device_login_qr(self, device_id: str) -> LoginQR:
        results = self._request("GET", _device_path(device_id, "/login"), require="qr_link")
        return LoginQR.from_payload(results)

    def device_login_code(self, device_id: str, phone: str) -> PairCode:
        # GOWA validates ^\+?[0-9]{1,15}$ here, so digits only, never a JID.
        results = self._request(
            "POST",
            _device_path(device_id, "/login/code"),
            params={"phone": normalise_phone(phone)},
            require="pair_code",
        )
        return PairCode.from_payload(results)

    def device_logout(self, device_id: str) -> None:
        self._request("POST", _device_path(device_id, "/logout"))

    def device_reconnect(self, device_id: str) -> None:
        self._request("POST", _device_path(device_id, "/reconnect"))

    def device_status(self, device_id: str) -> DeviceStatus:
        return DeviceStatus.from_payload(self._request("GET", _device_path(device_id, "/status")))

    def device_webhook_get(self, device_id: str) -> DeviceWebhook:
        results = self._request("GET", _device_path(device_id, "/webhook"))
        return DeviceWebhook.from_payload(results)

    def device_webhook_update(
        self,
        device_id: str,
        *,
        webhook_url: str,
        webhook_secret: str | None = None,
        webhook_events: str | list[str] | tuple[str, ...] | None = None,
        webhook_insecure_skip_verify: bool | None = None,
    ) -> DeviceWebhook:
        """Set the device's own webhook; ``webhook_url=""`` falls back to the global one."""
        body = optional_fields(
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            webhook_events=None if webhook_events is None else _events(webhook_events),
            webhook_insecure_skip_verify=webhook_insecure_skip_verify,
        )
        results = self._request("PATCH", _device_path(device_id, "/webhook"), json=body)
        return DeviceWebhook.from_payload(results)

    # --- users and app ---------------------------------------------------------------------

    def user_check(self, device_id: str, phone: str) -> UserCheck:
        """Note: GOWA answers ``false`` on lookup errors too (CONTRACT §9.12)."""
        results = self._request(
            "GET", "/user/check", device_id=device_id, params={"phone": jid_for_phone(phone)}
        )
        return UserCheck.from_payload(results)

    def user_info(self, device_id: str, phone: str) -> UserInfo:
        results = self._request(
            "GET", "/user/info", device_id=device_id, params={"phone": jid_for_phone(phone)}
        )
        return UserInfo.from_payload(results)

    def app_info(self) -> AppInfo:
        return AppInfo.from_payload(self._request("GET", "/app/info"))


def _device_path(device_id: str, suffix: str = "") -> str:
    return f"/devices/{quote_id(device_id)}{suffix}"


def _events(value: str | list[str] | tuple[str, ...]) -> str:
    if isinstance(value, str):
        return value
    return ",".join(item.strip() for item in value if item and item.strip())
