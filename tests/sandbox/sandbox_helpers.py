"""Helpers shared by the sandbox tests: an HTTP client for GOWA and control routes, and a
webhook receiver. Fixtures that build them live in conftest.py."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import requests
import websocket

AUTH = ("admin", "admin")
ACCOUNT_PHONE = "6281111111111"
CONTACT_PHONE = "6282222222222"


class Gowa:
    """A thin requests wrapper: GOWA routes with Basic auth, control routes without."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()
        self.http.auth = AUTH

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(self.base_url + path, timeout=kwargs.pop("timeout", 5), **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.post(self.base_url + path, timeout=kwargs.pop("timeout", 5), **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.patch(self.base_url + path, timeout=kwargs.pop("timeout", 5), **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.delete(self.base_url + path, timeout=kwargs.pop("timeout", 5), **kwargs)

    def control(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return requests.request(
            method, self.base_url + "/_sandbox" + path, timeout=kwargs.pop("timeout", 5), **kwargs
        )

    # --- flows several tests share ------------------------------------------------------

    def create_device(self, device_id: str, **webhook: Any) -> dict[str, Any]:
        response = self.post("/devices", json={"device_id": device_id, **webhook})
        assert response.status_code == 200, response.text
        return response.json()["results"]

    def paired_device(
        self, device_id: str, phone: str = ACCOUNT_PHONE, push_name: str = "Ana", **webhook: Any
    ) -> dict[str, Any]:
        self.create_device(device_id, **webhook)
        assert self.get(f"/devices/{device_id}/login").status_code == 200
        scanned = self.control(
            "POST", f"/devices/{device_id}/scan", json={"phone": phone, "push_name": push_name}
        )
        assert scanned.status_code == 200, scanned.text
        return scanned.json()

    def websocket(self, query: str = "", **kwargs: Any) -> websocket.WebSocket:
        url = self.base_url.replace("http://", "ws://") + "/ws" + query
        header = kwargs.pop("header", [_basic_header()])
        return websocket.create_connection(url, header=header, timeout=5, **kwargs)


def _basic_header() -> str:
    request = requests.Request("GET", "http://x", auth=AUTH).prepare()
    return "Authorization: " + request.headers["Authorization"]


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookReceiver:
    """A tiny HTTP server recording every POST; `statuses` scripts the next answers."""

    url: str
    deliveries: list[Delivery] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Delivery]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.deliveries) >= count, timeout=timeout)
            return list(self.deliveries)

    def clear(self) -> None:
        with self.arrived:
            self.deliveries.clear()
            self.statuses.clear()
