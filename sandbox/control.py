"""The control API under `/_sandbox`: the phone side, fault injection and inspection.

No authentication (it is not part of GOWA); JSON in and out; errors as
`{"code": ..., "message": ...}` with 400 (bad input), 404 (unknown device) or 409 (the device
is not in a state where that can happen, e.g. a scan without an open login).

Phone side (`{id}` is the slot id):
- `POST /devices/{id}/scan` `{"phone": "628…", "push_name"?}` completes an open QR or
  pairing-code login (409 NO_LOGIN_IN_PROGRESS otherwise; `phone` defaults to the number a
  pairing code was requested for), broadcasts WS `LOGIN_SUCCESS`; returns the DeviceInfo.
- Phone-side events, one route per event family (`/messages`, `/receipts`, `/reactions`,
  `/edits`, `/revokes`, `/deletes`, `/group-participants`, `/presence`, `/calls`, `/events`)
  and `POST /webhooks/raw` for a signed body as given: see control_events.py and
  sandbox/README.md.
- `POST /devices/{id}/remote-logout` → the user unlinked the device: session cleared, slot
  kept, WS `DEVICE_LOGGED_OUT` `{"device_id"}`; returns the DeviceInfo.
- `POST /devices/{id}/disconnect` → a paired device goes offline (sends answer 401 "…please
  reconnect") until `POST /devices/{id}/reconnect`; returns the DeviceInfo.

Faults and sockets:
- `POST /faults` `{"method"?, "path"? (fnmatch, e.g. "/send/*"), "status"?, "code"?,
  "message"?, "plain_text"?, "delay"?, "timeout_after_accept"?, "drop_connection"?,
  "run_handler"?, "times"?}` → `{"id", "fault"}`; `GET /faults`; `DELETE /faults` →
  `{"cleared": n}`. `timeout_after_accept` holds the request unanswered and `drop_connection`
  cuts it, both before the route runs (the upstream did nothing); add `"run_handler": true` to
  run the route first, so the upstream acts and only the answer is lost (or, with `status`,
  replaced). Details in faults.py.
- `POST /ws/drop` `{"clean": bool}` → `{"dropped": n}`; `GET /ws/stats` →
  `{"open", "total_accepted"}`.

Inspection and configuration:
- `GET /requests`, `GET /sent`, `GET /webhooks`, `GET /inbound` (the `message` events the
  phone side emitted) → lists, oldest first; any query parameter is an exact-match filter on
  the entries (`/sent?device_id=d1&kind=image`).
- `POST /reset` → forget devices, logs, faults and pending webhooks; restore the start config.
- `GET /config`, `PATCH /config` `{"ws_message_events"?, "auto_download_media"?,
  "webhook_url"?, "webhook_secret"?, "qr_duration"?, "login_window"?, "webhook_backoff_base"?,
  "webhook_timeout"?, "webhook_budget"?, "webhook_attempts"?}` → the configuration without
  credentials.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import responses as r
from .context import Sandbox, sandbox_of
from .events import control_error, to_jid
from .faults import FaultSpecError
from .identifiers import jid_user
from .state import Client, Device

PREFIX = "/_sandbox"
_CONFIG_FIELDS: dict[str, tuple[type, ...]] = {
    "ws_message_events": (bool,),
    "auto_download_media": (bool,),
    "webhook_url": (str, type(None)),
    "webhook_secret": (str,),
    "qr_duration": (int,),
    "login_window": (int, float),
    "webhook_backoff_base": (int, float),
    "webhook_timeout": (int, float),
    "webhook_budget": (int, float),
    "webhook_attempts": (int,),
}


def register(router: web.UrlDispatcher) -> None:
    router.add_post(PREFIX + "/devices/{device_id}/scan", scan)
    router.add_post(PREFIX + "/devices/{device_id}/remote-logout", remote_logout)
    router.add_post(PREFIX + "/devices/{device_id}/disconnect", disconnect)
    router.add_get(PREFIX + "/faults", list_faults)
    router.add_post(PREFIX + "/faults", add_fault)
    router.add_delete(PREFIX + "/faults", clear_faults)
    router.add_post(PREFIX + "/ws/drop", drop_websockets)
    router.add_get(PREFIX + "/ws/stats", websocket_stats)
    router.add_get(PREFIX + "/requests", list_requests)
    router.add_get(PREFIX + "/sent", list_sent)
    router.add_get(PREFIX + "/webhooks", list_webhooks)
    router.add_get(PREFIX + "/inbound", list_inbound)
    router.add_post(PREFIX + "/reset", reset)
    router.add_get(PREFIX + "/config", get_config)
    router.add_patch(PREFIX + "/config", patch_config)


async def read_json(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        data = await request.json()
    except ValueError:
        raise control_error(400, "BAD_REQUEST", "body must be JSON") from None
    if not isinstance(data, dict):
        raise control_error(400, "BAD_REQUEST", "body must be a JSON object")
    return data


def device_of(request: web.Request) -> tuple[Sandbox, Device]:
    sandbox = sandbox_of(request)
    device_id = request.match_info["device_id"]
    device = sandbox.devices.get(device_id)
    if device is None:
        raise control_error(404, "DEVICE_NOT_FOUND", f"device {device_id} not found")
    return sandbox, device


# --- phone side ---------------------------------------------------------------------------


async def scan(request: web.Request) -> web.Response:
    """Complete the open QR or pairing-code login as the phone would, then announce it."""
    sandbox, device = device_of(request)
    body = await read_json(request)
    if not device.login_open():
        raise control_error(409, "NO_LOGIN_IN_PROGRESS", "start a QR or pairing-code login first")
    phone = body.get("phone") or device.login_phone
    jid = to_jid(phone, "phone")
    push_name = body.get("push_name") or ""
    if not isinstance(push_name, str):
        raise control_error(400, "VALIDATION_ERROR", "push_name must be a string")
    device.pair(jid_user(jid), push_name, sandbox.devices.next_device_number())
    await sandbox.hub.broadcast(
        "LOGIN_SUCCESS", f"Successfully pair with {device.companion_jid}", None
    )
    return r.json_response(device.info())


async def remote_logout(request: web.Request) -> web.Response:
    """The user unlinked the device on the phone: session gone, slot kept."""
    sandbox, device = device_of(request)
    device.clear_session()
    await sandbox.hub.broadcast(
        "DEVICE_LOGGED_OUT", f"Device {device.id} was logged out", {"device_id": device.id}
    )
    return r.json_response(device.info())


async def disconnect(request: web.Request) -> web.Response:
    """The paired device lost its connection; `/devices/{id}/reconnect` brings it back."""
    _, device = device_of(request)
    if device.client is not Client.PAIRED:
        raise control_error(409, "DEVICE_NOT_LOGGED_IN", f"device {device.id} is not paired")
    device.connected = False
    return r.json_response(device.info())


# --- faults and sockets -------------------------------------------------------------------


async def add_fault(request: web.Request) -> web.Response:
    try:
        fault = sandbox_of(request).faults.add(await read_json(request))
    except (FaultSpecError, TypeError) as exc:
        raise control_error(400, "VALIDATION_ERROR", str(exc)) from None
    return r.json_response({"id": fault.id, "fault": fault.as_dict()})


async def list_faults(request: web.Request) -> web.Response:
    return r.json_response(sandbox_of(request).faults.list())


async def clear_faults(request: web.Request) -> web.Response:
    return r.json_response({"cleared": sandbox_of(request).faults.clear()})


async def drop_websockets(request: web.Request) -> web.Response:
    clean = (await read_json(request)).get("clean", True)
    if not isinstance(clean, bool):
        raise control_error(400, "VALIDATION_ERROR", "clean must be a boolean")
    dropped = await sandbox_of(request).hub.drop_all(clean=clean)
    return r.json_response({"dropped": dropped})


async def websocket_stats(request: web.Request) -> web.Response:
    return r.json_response(sandbox_of(request).hub.stats())


# --- inspection and configuration ---------------------------------------------------------


def _filtered(entries: list[dict[str, Any]], request: web.Request) -> list[dict[str, Any]]:
    """Optional exact-match filters from the query string, e.g. `?device_id=a&kind=image`."""
    wanted = dict(request.query)
    return [e for e in entries if all(str(e.get(k)) == v for k, v in wanted.items())]


async def list_requests(request: web.Request) -> web.Response:
    return r.json_response(_filtered(sandbox_of(request).requests.entries(), request))


async def list_sent(request: web.Request) -> web.Response:
    return r.json_response(_filtered(sandbox_of(request).sent.entries(), request))


async def list_webhooks(request: web.Request) -> web.Response:
    return r.json_response(_filtered(sandbox_of(request).webhook_log.entries(), request))


async def list_inbound(request: web.Request) -> web.Response:
    """The `message` events the phone side emitted, as `{device_id, payload}`."""
    return r.json_response(_filtered(sandbox_of(request).inbound.entries(), request))


async def reset(request: web.Request) -> web.Response:
    await sandbox_of(request).reset()
    return r.json_response({"reset": True})


async def get_config(request: web.Request) -> web.Response:
    return r.json_response(sandbox_of(request).config.public_view())


async def patch_config(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    changes = await read_json(request)
    for name, value in changes.items():
        types = _CONFIG_FIELDS.get(name)
        if types is None:
            raise control_error(400, "VALIDATION_ERROR", f"{name} cannot be changed")
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise control_error(400, "VALIDATION_ERROR", f"{name} has the wrong type")
    sandbox.config = sandbox.config.copy(**changes)
    return r.json_response(sandbox.config.public_view())
