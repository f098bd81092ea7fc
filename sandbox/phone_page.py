"""`GET /_sandbox/`: a small page that plays the phone for people (demos, `make run`).

It lists the sandbox's devices and drives the control API: scan a login, send an inbound
message, log a device out remotely. Tests use the JSON control API directly.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from .context import sandbox_of
from .control import PREFIX

PAGE = Path(__file__).with_name("phone.html")


async def phone_page(request: web.Request) -> web.Response:
    return web.Response(text=PAGE.read_text(encoding="utf-8"), content_type="text/html")


async def device_list(request: web.Request) -> web.Response:
    """The devices as the phone page shows them (no credentials, like the rest of /_sandbox)."""
    devices = [
        {**device.info(), "login_open": device.login_open()}
        for device in sandbox_of(request).devices
    ]
    return web.json_response(devices)


def register(router: web.UrlDispatcher) -> None:
    router.add_get(PREFIX + "/", phone_page)
    router.add_get(PREFIX + "/devices", device_list)
