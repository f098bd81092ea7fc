"""Envelopes as the upstream signs them (CONTRACT.md §6), for the messaging tests."""

from __future__ import annotations

import itertools

ACCOUNT = "6281111111111@s.whatsapp.net"
SLOT = "slot-msg"
PEER = "6282222222222@s.whatsapp.net"
_ids = itertools.count(1)


def envelope(event: str, payload: dict, *, slot: str = SLOT, account: str = ACCOUNT) -> dict:
    return {"event": event, "device_id": account, "session_id": slot, "payload": payload}


def text(body: str = "Hello", *, sender: str = PEER, chat: str | None = None, **extra) -> dict:
    payload = {
        "id": extra.pop("id", None) or "3EB0%012d" % next(_ids),
        "from": sender,
        "chat_id": chat or sender,
        "from_name": extra.pop("from_name", "Ana"),
        "body": body,
        "timestamp": extra.pop("timestamp", "2026-01-22T10:30:00Z"),
        "is_from_me": extra.pop("is_from_me", False),
        **extra,
    }
    return envelope("message", payload)


def ack(ids: list[str], receipt_type: str, *, timestamp: str = "2026-01-22T10:31:00Z") -> dict:
    return envelope(
        "message.ack",
        {"ids": ids, "receipt_type": receipt_type, "chat_id": PEER, "from": PEER,
         "timestamp": timestamp},
    )  # fmt: skip


def change(event: str, **payload) -> dict:
    base = {"from": PEER, "chat_id": PEER, "timestamp": "2026-01-22T10:35:00Z"}
    return envelope(event, {**base, **payload})
