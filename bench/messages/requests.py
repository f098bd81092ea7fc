"""Load generator source (`bench.harness.load_generator`): `GET /api/v1/messages?<query>`
with an `X-API-Key`, the keys taken in turn (the API's throttle counts per key)."""

from __future__ import annotations

from typing import Any

from bench.harness.http_connection import http_request

LIST_PATH = "/api/v1/messages"


class MessageListRequests:
    def __init__(self, spec: dict[str, Any]) -> None:
        host = f"{spec['host']}:{spec['port']}"
        path = LIST_PATH + ("?" + spec["query"] if spec["query"] else "")
        self.requests = [
            http_request("GET", path, host=host, headers={"User-Agent": "bench", "X-API-Key": key})
            for key in spec["keys"]
        ]
        self.turn = 0

    def next(self) -> tuple[int, bytes]:
        self.turn = (self.turn + 1) % len(self.requests)
        return self.turn, self.requests[self.turn]
