"""The events of the ingest bench: GOWA `message` webhooks, distinct per index.

`webhook_body(i, ...)` is the same bytes for the same index, so a body can be re-sent exactly;
the listener's envelope for a frame is the same JSON (`envelopes`). `WebhookRequests` is the
load generator's source of signed webhook requests; `scratch_row` the equivalent
`devices_upstreamevent` row for the raw PostgreSQL baselines.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from typing import Any

from bench.harness.http_connection import http_request

WEBHOOK_PATH = "/api/v1/webhooks/whatsapp"
DEVICE_JID = "6281100000001@s.whatsapp.net"
DEVICE_SLOT = "bench-ingest-slot"
# Columns of `devices_upstreamevent` a webhook fills, for the raw baselines.
EVENT_COLUMNS = (
    "device_id", "source", "event", "account_jid", "session_id", "dedupe_key", "payload",
    "status", "error", "received_at",
)  # fmt: skip


def webhook_body(index: int, *, tag: str, jid: str, session_id: str) -> bytes:
    """GOWA's incoming 1:1 text `message` envelope (CONTRACT §6.3/6.4), distinct per index.

    Compact JSON with sorted keys, as GOWA (Go `encoding/json` of a map) sends it.
    """
    sender = f"628220{index % 1000:07d}@s.whatsapp.net"
    sent_at = dt.datetime(2026, 1, 22, tzinfo=dt.UTC) + dt.timedelta(milliseconds=index)
    payload = {
        "body": f"bench message {index}: hello from the ingest benchmark",
        "chat_id": sender,
        "from": sender,
        "from_lid": f"25155{index % 1000:010d}@lid",
        "from_name": "Bench",
        "id": f"3EB0{tag}{index:012X}",
        "is_from_me": False,
        "sender_display_name": "Bench sender",
        "timestamp": sent_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    envelope = {"device_id": jid, "event": "message", "payload": payload, "session_id": session_id}
    return json.dumps(envelope, sort_keys=True, separators=(",", ":")).encode()


def envelopes(indices: Iterable[int], *, tag: str, jid: str, session_id: str) -> list[dict]:
    """The envelopes `listen_whatsapp` builds from frames: event, device_id, session_id,
    payload (the webhook's JSON)."""
    return [json.loads(webhook_body(i, tag=tag, jid=jid, session_id=session_id)) for i in indices]


def dedupe_key(body: bytes) -> str:
    """The key `devices.services.events.event_dedupe_key` derives for a `message` event."""
    envelope = json.loads(body)
    raw = f"{envelope['device_id']}|message|{envelope['payload']['id']}"
    return hashlib.sha256(raw.encode()).hexdigest()


def scratch_row(index: int, *, device: dict, tag: str) -> tuple:
    """The `devices_upstreamevent` row (`EVENT_COLUMNS`) a webhook with this index records."""
    body = webhook_body(index, tag=tag, jid=device["jid"], session_id=device["session_id"])
    return (
        device["id"],
        "webhook",
        "message",
        device["jid"],
        device["session_id"],
        dedupe_key(body),
        body.decode(),
        "received",
        "",
        dt.datetime.now(dt.UTC),
    )


class WebhookRequests:
    """Load generator source (`bench.harness.load_generator`): signed webhook requests, new
    ones from `start_index` on, or with `replay` exactly those indices again.

    Signed with `devices.whatsapp.signing.sign` (pure hashlib: no Django settings) and the
    device's secret; the answer is the JSON `status` field of a 200 (`recorded`, `duplicate`).
    """

    def __init__(self, spec: dict[str, Any]) -> None:
        from devices.whatsapp.signing import sign

        self.sign = sign
        self.spec = spec
        self.host = f"{spec['host']}:{spec['port']}"
        self.next_index = spec.get("start_index", 0)
        self.replay = list(spec["replay"]) if spec.get("replay") is not None else None

    def next(self) -> tuple[int, bytes] | None:
        spec = self.spec
        if self.replay is not None:
            if not self.replay:
                return None
            index = self.replay.pop()
        else:
            index, self.next_index = self.next_index, self.next_index + 1
        body = webhook_body(index, tag=spec["tag"], jid=spec["jid"], session_id=spec["session_id"])
        headers = {
            "User-Agent": "Go-http-client/1.1",
            "Content-Type": "application/json",
            "X-Hub-Signature-256": self.sign(spec["secret"], body),
        }
        return index, http_request("POST", WEBHOOK_PATH, host=self.host, headers=headers, body=body)

    def answer(self, status: int, body: bytes) -> str:
        if status != 200:
            return "-"
        with contextlib.suppress(ValueError, AttributeError):
            return str(json.loads(body).get("status", "-"))
        return "-"
