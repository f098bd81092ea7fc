"""Which device a device-scoped call is about, and whether it may act (CONTRACT §2.2, §3)."""

from __future__ import annotations

from urllib.parse import unquote

from aiohttp import web

from . import responses as r
from .context import sandbox_of
from .state import Client, Device

# The request key under which the resolved slot id is kept for /_sandbox/requests.
RESOLVED_DEVICE_ID = web.RequestKey("resolved_device_id", str)


def requested_device_id(request: web.BaseRequest) -> str:
    """`X-Device-Id` (trimmed, URL-decoded), else `?device_id=`; empty when neither is given."""
    header = request.headers.get("X-Device-Id", "").strip()
    if header:
        return unquote(header)
    return request.query.get("device_id", "").strip()


def resolve_device(request: web.Request) -> Device:
    """GOWA's device middleware: slot id, then account JID, then the only device."""
    devices = sandbox_of(request).devices
    wanted = requested_device_id(request)
    if wanted:
        device = devices.find(wanted)
        if device is None:
            raise r.GowaError(404, "DEVICE_NOT_FOUND", r.DEVICE_NOT_FOUND, {"device_id": wanted})
    else:
        device = devices.only()
        if device is None:
            raise r.GowaError(400, "DEVICE_ID_REQUIRED", r.DEVICE_ID_REQUIRED)
    request[RESOLVED_DEVICE_ID] = device.id
    return device


def require_logged_in(device: Device) -> None:
    """whatsmeow's login check before any WhatsApp call; three distinct failures."""
    if device.client is Client.NONE:
        raise r.GowaError(500, "INVALID_WA_CLI", r.INVALID_WA_CLI)
    device.lapse_login_if_due()
    if not device.connected:
        raise r.GowaError(401, "AUTHENTICATION_ERROR", r.NOT_CONNECTED)
    if not device.is_logged_in:
        raise r.GowaError(401, "AUTHENTICATION_ERROR", r.NOT_LOGGED_IN)


def require_can_log_in(device: Device) -> None:
    """A login on a paired slot is refused: online → ALREADY_LOGGED_IN, offline → saved session."""
    if device.client is Client.PAIRED:
        if device.connected:
            raise r.GowaError(400, "ALREADY_LOGGED_IN", r.ALREADY_LOGGED_IN)
        raise r.GowaError(500, "SESSION_SAVED_ERROR", r.SESSION_SAVED)
