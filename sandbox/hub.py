"""The broadcast hub behind `/ws`: every frame goes to every open socket, as in GOWA."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import WSCloseCode, web


class WebSocketHub:
    def __init__(self) -> None:
        self._sockets: dict[web.WebSocketResponse, web.BaseRequest] = {}
        self.total_accepted = 0

    def add(self, socket: web.WebSocketResponse, request: web.BaseRequest) -> None:
        self._sockets[socket] = request
        self.total_accepted += 1

    def discard(self, socket: web.WebSocketResponse) -> None:
        self._sockets.pop(socket, None)

    def stats(self) -> dict[str, int]:
        return {"open": len(self._sockets), "total_accepted": self.total_accepted}

    async def broadcast(self, code: str, message: str, result: Any) -> None:
        await self.send_json({"code": code, "message": message, "result": result})

    async def send_json(self, frame: dict[str, Any]) -> None:
        await self.send_text(json.dumps(frame, ensure_ascii=False))

    async def send_text(self, text: str) -> None:
        for socket in list(self._sockets):
            try:
                await socket.send_str(text)
            except (ConnectionError, RuntimeError):
                # A socket that cannot take a frame is gone; GOWA drops it from the hub too.
                self.discard(socket)

    async def drop_all(self, clean: bool) -> int:
        """Close every socket: with a 1001 close frame, or by cutting the TCP connection."""
        sockets = list(self._sockets.items())
        for socket, request in sockets:
            self.discard(socket)
            if clean:
                await socket.close(code=WSCloseCode.GOING_AWAY, message=b"server going away")
            elif request.transport is not None:
                request.transport.abort()
        return len(sockets)
