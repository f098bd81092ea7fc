"""Phase G's backlog: a realistic mix of recorded upstream events for the drain to process.

`backlog_envelopes(indices, ...)` gives, per index, one GOWA envelope as the webhook or the
listener delivers it, distinct per index and the same for the same index:

- 1:1 texts (60 %) from `SENDERS` distinct people (phone JID with its LID beside it, a push
  name), 2 % of all events the account's own messages from its phone (`is_from_me`);
- media (20 %): an image object with a caption, an audio as a bare path, a document object;
- group texts (10 %) in one of `GROUPS` groups, from a participant of the same pool of people;
- receipts (10 %, `message.ack`): half `read` for a message recorded a little earlier, half
  `delivered` for one recorded a little later (a receipt that overtook its message: kept as an
  early receipt until the message is stored, when it lands in a later batch).

`expected(count)` says what a drain of indices 0..count-1 must leave: messages, receipts,
contacts, receipts left waiting for a message beyond the backlog.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

SENDERS = 300
GROUPS = 20
CYCLE = 20  # the mix repeats every 20 indices
# index % CYCLE -> kind
_KINDS = (
    ["text"] * 12 + ["image", "image", "audio", "document", "group", "group"] + ["read", "early"]
)
RECEIPT_KINDS = ("read", "early")
READ_BACK, EARLY_AHEAD = 7, 3  # a receipt's message: that many indices before / after it
_START = dt.datetime(2026, 1, 22, tzinfo=dt.UTC)


def kind_of(index: int) -> str:
    return _KINDS[index % CYCLE]


def message_id(index: int, tag: str) -> str:
    return f"3EB0{tag}G{index:011X}"


def _person(n: int) -> tuple[str, str, str]:
    return f"628330{n:07d}@s.whatsapp.net", f"25166{n:010d}@lid", f"Person {n}"


def _stamp(index: int) -> str:
    return (_START + dt.timedelta(milliseconds=10 * index)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _payload(index: int, tag: str) -> tuple[str, dict[str, Any]]:
    kind = kind_of(index)
    if kind in RECEIPT_KINDS:
        target = index - READ_BACK if kind == "read" else index + EARLY_AHEAD
        jid, _, _ = _person((target * 7) % SENDERS)
        return "message.ack", {
            "ids": [message_id(target, tag)],
            "receipt_type": "read" if kind == "read" else "delivered",
            "chat_id": jid,
            "from": jid,
            "timestamp": _stamp(index),
        }
    jid, lid, name = _person((index * 7) % SENDERS)
    payload: dict[str, Any] = {
        "id": message_id(index, tag),
        "chat_id": jid,
        "from": jid,
        "from_lid": lid,
        "from_name": name,
        "is_from_me": index % 50 == 0,
        "timestamp": _stamp(index),
    }
    if kind == "group":
        payload["chat_id"] = f"1203630{index % GROUPS:011d}@g.us"
    if kind in ("text", "group"):
        payload["body"] = f"backlog message {index}: see you at {index % 24:02d}:00 tomorrow"
    elif kind == "image":
        payload["image"] = {
            "path": f"statics/media/{index}.jpg",
            "caption": f"photo {index}",
            "mime_type": "image/jpeg",
        }
    elif kind == "audio":
        payload["audio"] = f"statics/media/{index}.ogg"
    else:
        payload["document"] = {
            "path": f"statics/media/{index}.pdf",
            "filename": f"invoice-{index}.pdf",
            "mime_type": "application/pdf",
        }
    return "message", payload


def backlog_envelopes(
    indices: Iterable[int], *, tag: str, jid: str, session_id: str
) -> list[dict[str, Any]]:
    out = []
    for index in indices:
        event, payload = _payload(index, tag)
        out.append({"device_id": jid, "event": event, "payload": payload, "session_id": session_id})
    return out


def expected(count: int) -> dict[str, int]:
    """What indices 0..count-1 hold: message events, receipt events, and the people and
    groups the messages name (contacts expected: the people, groups are none)."""
    receipts = sum(1 for i in range(count) if kind_of(i) in RECEIPT_KINDS)
    people = {(i * 7) % SENDERS for i in range(count) if kind_of(i) not in RECEIPT_KINDS}
    # Early receipts whose message lies beyond the backlog stay early receipts.
    orphans = sum(1 for i in range(count) if kind_of(i) == "early" and i + EARLY_AHEAD >= count)
    return {
        "messages": count - receipts,
        "receipts": receipts,
        "people": len(people),
        "orphan_receipts": orphans,
    }
