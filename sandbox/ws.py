"""The `/ws` hub: one global broadcast to every socket, like GOWA's (CONTRACT §5).

Frames are `{"code", "message", "result"}`. A client frame `{"code": "FETCH_DEVICES"}` makes
the hub broadcast `LIST_DEVICES` to everyone; a text frame that is not a JSON object closes the
socket. When message events are switched on, webhook envelopes are pushed here as well.
"""

from __future__ import annotations

import json

from aiohttp import WSMsgType, web

from .context import sandbox_of
from .responses import plain_text
from .scope import resolve_device


async def websocket_handler(request: web.Request) -> web.StreamResponse:
    sandbox = sandbox_of(request)
    # GOWA's device middleware runs before the upgrade: no device, no socket.
    resolve_device(request)
    socket = web.WebSocketResponse()
    if not socket.can_prepare(request).ok:
        return plain_text("Upgrade Required", 426)
    await socket.prepare(request)
    sandbox.hub.add(socket, request)
    try:
        async for frame in socket:
            if frame.type != WSMsgType.TEXT:
                continue
            try:
                data = json.loads(frame.data)
            except ValueError:
                break
            if not isinstance(data, dict) or not isinstance(data.get("code", ""), str):
                break
            if data.get("code") == "FETCH_DEVICES":
                devices = [device.app_device() for device in sandbox.devices] or None
                await sandbox.hub.broadcast("LIST_DEVICES", "Device found", devices)
    finally:
        sandbox.hub.discard(socket)
    return socket
