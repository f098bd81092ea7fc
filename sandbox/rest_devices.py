"""`/devices…`: slot management by path id (CONTRACT §2.3), quirks included.

These routes take the slot id from the path and never resolve by JID. An unknown id is a plain
Go error in GOWA, hence 500 "device X not found" (only `/webhook` answers 404), and a login on
an unknown id quietly creates the slot.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import responses as r
from .binding import BindError, FieldType, bind
from .context import Sandbox, sandbox_of
from .pairing import start_code_login, start_qr_login
from .state import Client, Device, DuplicateDevice, WebhookConfig

_WEBHOOK_FIELDS: dict[str, FieldType] = {
    "webhook_url": "string",
    "webhook_secret": "string",
    "webhook_events": "string",
    "webhook_insecure_skip_verify": "bool",
}


def register(router: web.UrlDispatcher) -> None:
    router.add_get("/devices", list_devices)
    router.add_post("/devices", add_device)
    router.add_get("/devices/{device_id}", get_device)
    router.add_delete("/devices/{device_id}", remove_device)
    router.add_get("/devices/{device_id}/login", login_device)
    router.add_post("/devices/{device_id}/login/code", login_device_with_code)
    router.add_post("/devices/{device_id}/logout", logout_device)
    router.add_post("/devices/{device_id}/reconnect", reconnect_device)
    router.add_get("/devices/{device_id}/status", device_status)
    router.add_get("/devices/{device_id}/webhook", get_device_webhook)
    router.add_patch("/devices/{device_id}/webhook", update_device_webhook)


def _path_device(request: web.Request) -> tuple[Sandbox, Device]:
    sandbox = sandbox_of(request)
    device_id = request.match_info["device_id"]
    device = sandbox.devices.get(device_id)
    if device is None:
        raise r.internal_error(f"device {device_id} not found")
    return sandbox, device


async def _body(request: web.Request, fields: dict[str, FieldType]) -> dict[str, Any]:
    """JSON or form fields; unlike the send routes, a bind failure here is a 400."""
    try:
        values, _ = await bind(request, fields, "request")
    except BindError:
        raise r.GowaError(400, "BAD_REQUEST", "Invalid request body") from None
    return values


async def list_devices(request: web.Request) -> web.Response:
    devices = [device.info() for device in sandbox_of(request).devices]
    # GOWA appends to a nil slice, so an empty list is serialised as null.
    return r.success("List devices", devices or None)


async def add_device(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    data = await _body(request, {"device_id": "string", **_WEBHOOK_FIELDS})
    try:
        device = sandbox.devices.add(data.get("device_id") or None)
    except DuplicateDevice as exc:
        raise r.internal_error(f"device {exc} already exists") from None
    results: dict[str, Any] = {
        "id": device.id,
        "display_name": device.display_name,
        "jid": device.jid,
        "state": device.state(),
        "created_at": device.info()["created_at"],
    }
    if any(data.get(name) for name in _WEBHOOK_FIELDS):
        device.webhook = _webhook_from(data)
        results.update(device.webhook.as_results(device.id))
        del results["device_id"]
    return r.success("Device added", results)


async def get_device(request: web.Request) -> web.Response:
    _, device = _path_device(request)
    return r.success("Device info", device.info())


async def remove_device(request: web.Request) -> web.Response:
    sandbox, device = _path_device(request)
    sandbox.devices.remove(device.id)
    return r.success("Device removed")


async def login_device(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    device = sandbox.devices.get_or_create(request.match_info["device_id"])
    return r.success("Login success", start_qr_login(sandbox, request, device))


async def login_device_with_code(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    device = sandbox.devices.get_or_create(request.match_info["device_id"])
    results = start_code_login(sandbox, device, request.query.get("phone", ""))
    return r.success("Login with code started", results)


async def logout_device(request: web.Request) -> web.Response:
    sandbox, device = _path_device(request)
    device.clear_session()
    await sandbox.hub.broadcast(
        "DEVICE_LOGGED_OUT",
        f"Device {device.id} logged out (slot kept)",
        {"device_id": device.id, "devices": [d.info() for d in sandbox.devices]},
    )
    return r.success("Logout requested")


async def reconnect_device(request: web.Request) -> web.Response:
    _, device = _path_device(request)
    if device.client is Client.NONE:
        raise r.internal_error(f"device {device.id} client not initialized")
    if device.client is not Client.PAIRED:
        raise r.internal_error(f"device {device.id} is not logged in (session deleted)")
    device.connected = True
    return r.success("Reconnect requested")


async def device_status(request: web.Request) -> web.Response:
    _, device = _path_device(request)
    # GOWA answers false/false until a session is stored, even while a QR login is open.
    online = device.is_logged_in
    results = {"device_id": device.id, "is_connected": online, "is_logged_in": online}
    return r.success("Device status", results)


async def get_device_webhook(request: web.Request) -> web.Response:
    device = _webhook_device(request)
    config = device.webhook or WebhookConfig()
    return r.success("Device webhook retrieved", config.as_results(device.id))


async def update_device_webhook(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    data = await _body(request, _WEBHOOK_FIELDS)
    if "webhook_url" not in data:  # absent or null; "" is allowed and clears it
        raise r.GowaError(400, "BAD_REQUEST", "webhook_url is required")
    device = _webhook_device(request)
    device.webhook = _webhook_from(data)
    await sandbox.hub.broadcast(
        "DEVICE_WEBHOOK_CONFIG_UPDATED",
        f"Device {device.id} webhook config updated",
        {"device_id": device.id},
    )
    return r.success("Device webhook updated", device.webhook.as_results(device.id))


def _webhook_device(request: web.Request) -> Device:
    device = sandbox_of(request).devices.get(request.match_info["device_id"])
    if device is None:
        raise r.GowaError(404, "NOT_FOUND", "device not found")
    return device


def _webhook_from(data: dict[str, Any]) -> WebhookConfig:
    # An empty URL clears the override: the device falls back to the global webhook.
    return WebhookConfig(
        url=data.get("webhook_url") or None,
        secret=data.get("webhook_secret") or "",
        events=data.get("webhook_events") or "",
        insecure_skip_verify=bool(data.get("webhook_insecure_skip_verify")),
    )
