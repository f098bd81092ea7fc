"""`/message/{message_id}/…` actions (CONTRACT §4.3) and `/user/check|info` (§4.5)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from . import responses as r
from .binding import BindError, FieldType, bind
from .context import sandbox_of
from .identifiers import (
    GROUP_SERVER,
    USER_SERVER,
    go_time_string,
    jid_user,
    outgoing_message_id,
    rfc3339,
    utc_now,
)
from .rest_send import check_on_whatsapp, recipient_jid
from .scope import require_logged_in, resolve_device

# action → (extra body fields, fields that must not be blank)
_ACTIONS: dict[str, tuple[dict[str, FieldType], tuple[str, ...]]] = {
    "read": ({}, ()),
    "reaction": ({"emoji": "string"}, ()),  # an empty emoji removes the reaction
    "revoke": ({}, ()),
    "update": ({"message": "string"}, ("message",)),
    "delete": ({}, ()),
}


def register(router: web.UrlDispatcher) -> None:
    for action in _ACTIONS:
        router.add_post("/message/{message_id}/" + action, _handler_for(action))
    router.add_get("/user/check", user_check)
    router.add_get("/user/info", user_info)


def _handler_for(action: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        return await message_action(request, action)

    handler.__name__ = "message_" + action
    return handler


async def message_action(request: web.Request, action: str) -> web.Response:
    sandbox = sandbox_of(request)
    device = resolve_device(request)
    extra_fields, required = _ACTIONS[action]
    try:
        values, _ = await bind(request, {"phone": "string", **extra_fields}, "MessageRequest")
    except BindError as exc:
        raise r.internal_error(str(exc)) from None
    blank = [name for name in ("phone", *required) if not str(values.get(name) or "").strip()]
    if blank:
        raise r.validation_errors(dict.fromkeys(blank, "cannot be blank"))
    jid = recipient_jid(values["phone"])
    require_logged_in(device)

    target_id = request.match_info["message_id"]
    now = utc_now()
    new_id = target_id if action in ("read", "delete") else outgoing_message_id()
    sandbox.sent.append(
        {
            "device_id": device.id,
            "kind": action,
            "phone": values["phone"],
            "jid": jid,
            "fields": {k: v for k, v in values.items() if k != "phone"},
            "files": [],
            "message_id": new_id,
            "target_message_id": target_id,
            "timestamp": rfc3339(now),
        }
    )
    if action == "delete":
        return r.success("Message deleted successfully")
    status = _status_text(action, target_id, jid, now)
    return r.success(status, {"message_id": new_id, "status": status})


def _status_text(action: str, target_id: str, jid: str, now: Any) -> str:
    stamp = f"(server timestamp: {go_time_string(now)})"
    return {
        "read": f"Mark as read success {target_id}",
        "reaction": f"Reaction sent to {jid} {stamp}",
        "revoke": f"Revoke success {jid} {stamp}",
        "update": f"Update message success {jid} {stamp}",
    }[action]


def _query_phone(request: web.Request) -> tuple[str, str]:
    phone = request.query.get("phone", "").strip()
    if not phone:
        raise r.validation_errors({"phone": "cannot be blank"})
    return phone, recipient_jid(phone)


async def user_check(request: web.Request) -> web.Response:
    device = resolve_device(request)
    _, jid = _query_phone(request)
    require_logged_in(device)
    # GOWA answers true for groups and newsletters without asking WhatsApp.
    on_whatsapp = not jid.endswith("@" + USER_SERVER) or jid_user(jid).isdigit()
    return r.success("Success check user", {"is_on_whatsapp": on_whatsapp})


async def user_info(request: web.Request) -> web.Response:
    device = resolve_device(request)
    phone, jid = _query_phone(request)
    require_logged_in(device)
    check_on_whatsapp(phone, jid)
    server = jid.partition("@")[2] or GROUP_SERVER
    user = jid_user(jid)
    info = {
        "name": "",
        "verified_name": "",
        "status": "Hey there! I am using WhatsApp.",
        "picture_id": "",
        "devices": [{"User": user, "Agent": 0, "Device": 0, "Server": server, "AD": False}],
    }
    return r.success("Success get user info", {"data": [info]})
