"""A minimal HTTP/1.1 client connection for asyncio: one request at a time, keep-alive when
the server allows it, bodies by Content-Length or chunked. Hand-written so the load generator
spends its CPU on requests, not on a client library."""

from __future__ import annotations

import asyncio


def http_request(
    method: str, path: str, *, host: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> bytes:
    """The bytes of one request; `Content-Length` is added when there is a body."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def parse_response(buf: bytearray) -> tuple[int, bytes, bool, int] | None:
    """(status, body, server closes, bytes used) of the first complete response in `buf`, or
    None while it is incomplete."""
    head_end = buf.find(b"\r\n\r\n")
    if head_end < 0:
        return None
    lines = bytes(buf[:head_end]).decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    close = lines[0].startswith("HTTP/1.0")
    length, chunked = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding":
            chunked = "chunked" in value.lower()
        elif name == "connection":
            close = value.strip().lower() == "close"
    start = head_end + 4
    if not chunked:
        if len(buf) < start + length:
            return None
        return status, bytes(buf[start : start + length]), close, start + length
    body, pos = bytearray(), start
    while True:
        line_end = buf.find(b"\r\n", pos)
        if line_end < 0:
            return None
        size = int(bytes(buf[pos:line_end]).split(b";")[0], 16)
        if len(buf) < line_end + 2 + size + 2:
            return None
        body += buf[line_end + 2 : line_end + 2 + size]
        pos = line_end + 2 + size + 2
        if size == 0:
            return status, bytes(body), close, pos


class HttpConnection(asyncio.Protocol):
    """`await conn.request(data)` gives (status, body, server closes)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("connection closed mid-response"))

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.waiter is None or self.waiter.done():
            return
        parsed = parse_response(self.buffer)
        if parsed is not None:
            status, body, close, used = parsed
            del self.buffer[:used]
            self.waiter.set_result((status, body, close))

    def request(self, data: bytes) -> asyncio.Future:
        self.waiter = self.loop.create_future()
        self.transport.write(data)  # type: ignore[union-attr]
        return self.waiter

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()
