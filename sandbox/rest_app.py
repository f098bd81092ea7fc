"""`/app/*` (device-scoped session routes, CONTRACT §4.1), `/health` and `/statics/*`."""

from __future__ import annotations

from aiohttp import web

from . import responses as r
from .config import GOWA_VERSION, MAX_FILE_SIZE, MAX_IMAGE_SIZE, MAX_VIDEO_SIZE
from .context import sandbox_of
from .pairing import start_code_login, start_qr_login
from .scope import resolve_device
from .state import Client


def register(router: web.UrlDispatcher) -> None:
    router.add_get("/health", health)
    router.add_get("/statics/{name:.+}", static_file)
    router.add_get("/app/login", app_login)
    router.add_get("/app/login-with-code", app_login_with_code)
    router.add_get("/app/logout", app_logout)
    router.add_get("/app/reconnect", app_reconnect)
    router.add_get("/app/status", app_status)
    router.add_get("/app/devices", app_devices)
    router.add_get("/app/info", app_info)


async def health(request: web.Request) -> web.Response:
    return r.plain_text("OK", 200)


async def static_file(request: web.Request) -> web.Response:
    found = sandbox_of(request).statics.get(request.match_info["name"])
    if found is None:
        # An expired QR is simply gone from disk in GOWA: fiber's plain 404.
        raise web.HTTPNotFound()
    content_type, data = found
    return web.Response(body=data, content_type=content_type)


async def app_login(request: web.Request) -> web.Response:
    device = resolve_device(request)
    return r.success("Login success", start_qr_login(sandbox_of(request), request, device))


async def app_login_with_code(request: web.Request) -> web.Response:
    device = resolve_device(request)
    results = start_code_login(sandbox_of(request), device, request.query.get("phone", ""))
    return r.success("Login with code success", results)


async def app_logout(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    device = resolve_device(request)
    if device.client is Client.NONE:
        raise r.GowaError(500, "INVALID_WA_CLI", r.INVALID_WA_CLI)
    device.clear_session()
    await sandbox.hub.broadcast(
        "DEVICE_LOGGED_OUT",
        f"Device {device.id} logged out",
        {"device_id": device.id, "devices": [d.app_device() for d in sandbox.devices]},
    )
    return r.success("Success logout", {"device_id": device.id})


async def app_reconnect(request: web.Request) -> web.Response:
    device = resolve_device(request)
    if device.client is Client.NONE:
        raise r.GowaError(500, "INVALID_WA_CLI", r.INVALID_WA_CLI)
    if device.client is not Client.PAIRED:
        raise r.GowaError(401, "AUTHENTICATION_ERROR", "reconnect error")
    device.connected = True
    return r.success("Reconnect success", {"device_id": device.id})


async def app_status(request: web.Request) -> web.Response:
    device = resolve_device(request)
    device.lapse_login_if_due()
    results = {
        "is_connected": device.client is not Client.NONE and device.connected,
        "is_logged_in": device.is_logged_in,
        "device_id": device.id,
        "jid": device.jid,
    }
    return r.success("Connection status retrieved", results)


async def app_devices(request: web.Request) -> web.Response:
    # Registered inside GOWA's device-scoped group: it needs a resolvable device too.
    resolve_device(request)
    devices = [device.app_device() for device in sandbox_of(request).devices]
    return r.success("Fetch device success", devices)


async def app_info(request: web.Request) -> web.Response:
    results = {
        "version": GOWA_VERSION,
        "os": "sandbox",
        "base_path": "",
        "max_file_size": MAX_FILE_SIZE,
        "max_video_size": MAX_VIDEO_SIZE,
        "max_image_size": MAX_IMAGE_SIZE,
        "chatwoot_enabled": False,
    }
    return r.success("Fetch app info success", results)
