"""Phone-side events of the control API: one route per event family, and a raw escape hatch.

`POST /_sandbox/devices/{id}/<route>` with a JSON body of optional parts → `{"event":
<envelope>}`, delivered as a signed webhook like GOWA's (and on /ws when `ws_message_events`
is on). The device must be paired (409 DEVICE_NOT_LOGGED_IN). Every route takes the same
"who and where" fields: `from` (a phone or JID; `…@lid` for a sender whose phone is unknown),
`chat_id` (a group JID makes `from` the participant), `is_from_me` (`from` then names the
chat), `from_name` (push name), `display_name` (saved contact name), `from_lid` (false to
leave it out, or a `…@lid`), `chat_lid` (true, or a `…@lid`), `id`, `timestamp`, and
`extra` (merged into the payload last). The routes, their own fields and examples are in
sandbox/README.md; `GET /_sandbox/event-routes` lists them with an example body each.

`POST /_sandbox/webhooks/raw` `{"body": <any JSON>} | {"text": "<any text>"} | {"base64":
"…"}`, optional `"device"` (a slot id: its webhook target and secret), `"event"` (the name
the target's event filter and the log see; default `body.event`), `"signature"` (replaces the
computed `X-Hub-Signature-256`) → `{"sent": <text>, "deliveries": [<log entries>]}`: the
bytes go out signed through the real delivery (retries included), and onto /ws as a text frame
when `ws_message_events` is on. `body` is written the Go way; `text` and `base64` verbatim.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from aiohttp import web

from . import responses as r
from .context import sandbox_of
from .control import PREFIX, device_of, read_json
from .event_actions import (
    call_event,
    custom_event,
    delete_event,
    edit_event,
    group_participants_event,
    presence_event,
    reaction_event,
    receipt_event,
    revoke_event,
)
from .event_message import message_event
from .events import PhoneSide, control_error, invalid
from .gojson import encode_body

Builder = Callable[[PhoneSide, dict[str, Any]], dict[str, Any]]
_CONTACT = "6282222222222"
_GROUP = "120363402106000000@g.us"
# route → (event, builder, an example body); the phone page offers these examples.
EVENT_ROUTES: dict[str, tuple[str, Builder, dict[str, Any]]] = {
    "messages": ("message", message_event, {"from": _CONTACT, "text": "Hello"}),
    "receipts": (
        "message.ack",
        receipt_event,
        {"message_ids": ["3EB0C127D7BACC83D6A1"], "receipt_type": "read", "from": _CONTACT},
    ),
    "reactions": (
        "message.reaction",
        reaction_event,
        {"message_id": "3EB0C127D7BACC83D6A1", "from": _CONTACT, "reaction": "👍"},
    ),
    "edits": (
        "message.edited",
        edit_event,
        {"message_id": "94D13237B4D7F33EE4A63228BBD79EC0", "from": _CONTACT, "text": "fixed"},
    ),
    "revokes": (
        "message.revoked",
        revoke_event,
        {"message_id": "94D13237B4D7F33EE4A63228BBD79EC0", "from": _CONTACT},
    ),
    "deletes": (
        "message.deleted",
        delete_event,
        {"message_id": "94D13237B4D7F33EE4A63228BBD79EC0", "from": _CONTACT},
    ),
    "group-participants": (
        "group.participants",
        group_participants_event,
        {"chat_id": _GROUP, "type": "join", "jids": ["6283333333333"]},
    ),
    "presence": ("chat_presence", presence_event, {"from": _CONTACT, "state": "composing"}),
    "calls": ("call.offer", call_event, {"from": _CONTACT}),
    "events": (
        "(any)",
        custom_event,
        {"event": "group.joined", "payload": {"chat_id": _GROUP, "type": "join", "jids": []}},
    ),
}


def register(router: web.UrlDispatcher) -> None:
    for route, (_, build, _) in EVENT_ROUTES.items():
        router.add_post(f"{PREFIX}/devices/{{device_id}}/{route}", _emitter(build))
    router.add_get(PREFIX + "/event-routes", list_event_routes)
    router.add_post(PREFIX + "/webhooks/raw", raw_webhook)


def _emitter(build: Builder) -> Callable[[web.Request], Any]:
    async def emit(request: web.Request) -> web.Response:
        sandbox, device = device_of(request)
        event = build(sandbox.phone(device), await read_json(request))
        await sandbox.emit(device, event)
        return r.json_response({"event": event})

    return emit


async def list_event_routes(request: web.Request) -> web.Response:
    return r.json_response(
        [
            {"path": f"{PREFIX}/devices/{{id}}/{route}", "event": event, "example": example}
            for route, (event, _, example) in EVENT_ROUTES.items()
        ]
    )


async def raw_webhook(request: web.Request) -> web.Response:
    """A body exactly as given, signed and delivered like any event (bad-input tests)."""
    sandbox = sandbox_of(request)
    spec = await read_json(request)
    device = None
    if spec.get("device"):
        device = sandbox.devices.get(str(spec["device"]))
        if device is None:
            raise control_error(404, "DEVICE_NOT_FOUND", f"device {spec['device']} not found")
    body = _raw_bytes(spec)
    described = spec.get("body")
    event = spec.get("event")
    if event is None:
        event = described.get("event") if isinstance(described, dict) else ""
    signature = spec.get("signature")
    if not isinstance(event, str) or not isinstance(signature, (str, type(None))):
        raise invalid("event and signature must be strings")
    entries = sandbox.webhooks.send(device, event, body, described, signature)
    text = body.decode("utf-8", "replace")
    if sandbox.config.ws_message_events:
        await sandbox.hub.send_text(text)
    return r.json_response({"sent": text, "deliveries": entries})


def _raw_bytes(spec: dict[str, Any]) -> bytes:
    given = [key for key in ("body", "text", "base64") if key in spec]
    if len(given) != 1:
        raise invalid("give exactly one of body, text or base64")
    value = spec[given[0]]
    if given[0] == "body":
        return encode_body(value)
    if not isinstance(value, str):
        raise invalid(given[0] + " must be a string")
    if given[0] == "text":
        return value.encode()
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise invalid("base64 does not decode") from None
