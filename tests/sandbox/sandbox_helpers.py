"""Helpers shared by the sandbox tests: an HTTP client for GOWA and control routes, and a
webhook receiver. Fixtures that build them live in conftest.py."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests
import websocket

AUTH = ("admin", "admin")
ACCOUNT_PHONE = "6281111111111"
CONTACT_PHONE = "6282222222222"
ACCOUNT_JID = f"{ACCOUNT_PHONE}@s.whatsapp.net"
CONTACT_JID = f"{CONTACT_PHONE}@s.whatsapp.net"
GROUP = "120363402106000000@g.us"
GOWA_DEFAULT_SECRET = "secret"  # GOWA's own default webhook secret


class Like:
    """Equal to any string the pattern matches in full: for generated ids, times and paths."""

    def __init__(self, pattern: str) -> None:
        self.pattern = re.compile(pattern)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and self.pattern.fullmatch(other) is not None

    def __hash__(self) -> int:
        return hash(self.pattern)

    def __repr__(self) -> str:
        return f"Like({self.pattern.pattern!r})"


LID = Like(r"\d{15}@lid")
STAMP = Like(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
INCOMING_ID = Like(r"[0-9A-F]{32}")
MEDIA_PATH = Like(r"statics/media/\d+-[0-9a-f-]{36}\.\w+")
CDN_URL = Like(r"https://mmg\.whatsapp\.net/v/\S+\.enc\?\S+")


def from_contact(**fields: Any) -> dict[str, Any]:
    """The message-family fields of an event the contact sent in the 1:1 chat, plus `fields`."""
    return {
        "id": INCOMING_ID,
        "chat_id": CONTACT_JID,
        "from": CONTACT_JID,
        "from_lid": LID,
        "sender_display_name": CONTACT_PHONE,
        "timestamp": STAMP,
        "is_from_me": False,
        **fields,
    }


def from_account(**fields: Any) -> dict[str, Any]:
    """The same for an event typed on the account's own phone (paired as "Ana")."""
    return from_contact(
        **{"from": ACCOUNT_JID},
        from_name="Ana",
        sender_display_name="Ana",
        is_from_me=True,
        **fields,
    )


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


def verified(delivery: Delivery, secret: str = GOWA_DEFAULT_SECRET) -> dict[str, Any]:
    """Check the signature over the raw bytes, as a receiver must, then parse."""
    expected = "sha256=" + hmac.new(secret.encode(), delivery.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(delivery.headers["X-Hub-Signature-256"], expected)
    assert delivery.headers["Content-Type"] == "application/json"
    return json.loads(delivery.body)


@dataclass
class Phone:
    """The phone side of one paired device whose webhooks go to `receiver`."""

    gowa: Gowa
    receiver: WebhookReceiver
    device_id: str = "tenant-1"
    last: Delivery | None = None

    def send(self, route: str, **body: Any) -> dict[str, Any]:
        """POST a control route; return the envelope as delivered, verified and parsed.

        The control API's answer and the delivered webhook must be the same event."""
        count = len(self.receiver.deliveries) + 1
        answer = self.gowa.control("POST", f"/devices/{self.device_id}/{route}", json=body)
        assert answer.status_code == 200, answer.text
        deliveries = self.receiver.wait_for(count)
        assert len(deliveries) == count, "no webhook arrived"
        self.last = deliveries[-1]
        event = verified(self.last)
        assert event == answer.json()["event"]
        return event

    def payload(self, route: str, **body: Any) -> dict[str, Any]:
        return self.send(route, **body)["payload"]

    def refused(self, route: str, **body: Any) -> tuple[int, str]:
        answer = self.gowa.control("POST", f"/devices/{self.device_id}/{route}", json=body)
        return answer.status_code, answer.json()["code"]


def webhook_log(gowa: Gowa, count: int, status: str = "delivered") -> list[dict[str, Any]]:
    deadline = time.monotonic() + 5
    while True:
        entries = gowa.control("GET", "/webhooks").json()
        if len(entries) >= count and all(e["status"] == status for e in entries[:count]):
            return entries
        assert time.monotonic() < deadline, entries
        time.sleep(0.02)
