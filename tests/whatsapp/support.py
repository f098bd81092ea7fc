"""Test helpers: a scriptable local HTTP server (real sockets, no mocks), ports, polling."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests
from aiohttp import WSMsgType, web


@dataclass
class Reply:
    """What the scripted server answers: a body, or hang (never answer), or drop the socket."""

    status: int = 200
    body: bytes | str | dict | list | None = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hang: float = 0.0
    drop: bool = False


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class ScriptedServer:
    """``ThreadingHTTPServer`` answering from ``routes[(METHOD, path)]`` (path without query)."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Reply] = {}
        self.seen: list[Seen] = []
        self._release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?", 1)[0]
                server.seen.append(Seen(self.command, self.path, dict(self.headers), body))
                reply = server.routes.get((self.command, path)) or Reply(
                    status=404, body=f"Cannot {self.command} {path}"
                )
                if reply.hang:
                    server._release.wait(reply.hang)
                    self.close_connection = True
                    return
                if reply.drop:
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                payload, content_type = _encode(reply)
                self.send_response(reply.status)
                if content_type:
                    self.send_header("Content-Type", content_type)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = do_DELETE = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def start(self) -> ScriptedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def json(self, method: str, path: str, body: Any, status: int = 200) -> None:
        self.routes[(method, path)] = Reply(status=status, body=body)

    def success(self, method: str, path: str, results: Any = ..., status: int = 200) -> None:
        envelope: dict[str, Any] = {"code": "SUCCESS", "message": "ok"}
        if results is not ...:
            envelope["results"] = results
        self.json(method, path, envelope, status=status)

    @property
    def last(self) -> Seen:
        return self.seen[-1]


def _encode(reply: Reply) -> tuple[bytes, str | None]:
    body = reply.body
    if isinstance(body, (dict, list)):
        return json.dumps(body).encode(), reply.content_type or "application/json"
    if isinstance(body, str):
        return body.encode(), reply.content_type or "text/plain; charset=utf-8"
    return body or b"", reply.content_type


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float = 5.0, interval: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


class SocketScript:
    """A tiny aiohttp WebSocket server in a thread, for stream tests that need odd frames.

    ``frames`` are sent to each new connection right after the upgrade (``str`` as text,
    ``bytes`` as binary); then the server keeps the socket open, answering pings only when
    ``answer_pings`` is set, and counting the pings it saw.
    """

    def __init__(self, frames: list[str | bytes] | None = None, *, answer_pings: bool = True):
        self.frames = list(frames or [])
        self.answer_pings = answer_pings
        self.pings = 0
        self.connections = 0
        self.auth_headers: list[str] = []
        self.queries: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._sockets: set[web.WebSocketResponse] = set()

        async def handler(request: web.Request) -> web.StreamResponse:
            self.connections += 1
            self.auth_headers.append(request.headers.get("Authorization", ""))
            self.queries.append(request.rel_url.raw_query_string)
            ws = web.WebSocketResponse(autoping=False)
            await ws.prepare(request)
            self._sockets.add(ws)
            try:
                for frame in self.frames:
                    if isinstance(frame, bytes):
                        await ws.send_bytes(frame)
                    else:
                        await ws.send_str(frame)
                async for message in ws:
                    if message.type == WSMsgType.PING:
                        self.pings += 1
                        if self.answer_pings:
                            await ws.pong(message.data)
            finally:
                self._sockets.discard(ws)
            return ws

        app = web.Application()
        app.router.add_get("/ws", handler)
        self._runner = web.AppRunner(app)
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.url = ""

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}/ws"
        self._ready.set()
        self._loop.run_forever()

    def start(self) -> SocketScript:
        self._thread.start()
        self._ready.wait(5)
        return self

    def push(self, text: str) -> None:
        """Send a text frame to every open socket."""

        async def send() -> None:
            for ws in list(self._sockets):
                await ws.send_str(text)

        asyncio.run_coroutine_threadsafe(send(), self._loop).result(5)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()


class SandboxControl:
    """The sandbox's unauthenticated control API (``/_sandbox``), over plain requests."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = self.http.request(
            method, self.base_url + "/_sandbox" + path, json=body, timeout=10
        )
        assert response.ok, (method, path, response.status_code, response.text)
        return response.json()

    def get(self, path: str) -> Any:
        return self._call("GET", path)

    def post(self, path: str, body: Any = None) -> Any:
        return self._call("POST", path, body)

    def patch(self, path: str, body: Any = None) -> Any:
        return self._call("PATCH", path, body)

    def delete(self, path: str) -> Any:
        return self._call("DELETE", path)

    def fault(self, **spec: Any) -> Any:
        return self.post("/faults", spec)

    def scan(self, device_id: str, phone: str = "6281111111111", push_name: str = "Shop") -> Any:
        return self.post(f"/devices/{device_id}/scan", {"phone": phone, "push_name": push_name})
