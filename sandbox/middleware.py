"""The request pipeline, outermost first: record → GOWA errors → faults → basic auth.

Basic auth sits inside the fault layer so an injected outage hits every caller alike, and
outside the router so an unknown path without credentials is a 401, as with fiber.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hmac
import json
import logging
from collections.abc import Iterable
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from . import responses as r
from .context import sandbox_of
from .faults import Fault
from .identifiers import rfc3339, utc_now
from .scope import RESOLVED_DEVICE_ID, requested_device_id

logger = logging.getLogger(__name__)

CONTROL_PREFIX = "/_sandbox"
# Set on a request whose connection a fault cut: it got no HTTP answer at all.
DROPPED = web.RequestKey("dropped", bool)
Handler = Any  # aiohttp's middleware handler type


def _is_control(path: str) -> bool:
    return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")


def _is_public(path: str) -> bool:
    """Mounted before GOWA's basic auth: health, static files (QR PNGs, media)."""
    return path == "/health" or path.startswith("/statics/") or _is_control(path)


@web.middleware
async def record_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    if _is_control(request.path):
        return await handler(request)
    entry = sandbox_of(request).requests.append(
        {
            "method": request.method,
            "path": request.path,
            # Credentials stay out of the log, whether sent as a header or (on /ws) a query.
            "query": _without_credentials(request.query.items()),
            "headers": _without_credentials(request.headers.items()),
            "json": await _peek_json(request),
            # Path id for /devices/{id}…, else the scoping header or query; the resolved slot id
            # replaces it once a device-scoped handler has resolved one.
            "device_id": request.match_info.get("device_id")
            or requested_device_id(request)
            or None,
            "status": None,  # stays None when no answer was sent
            "received_at": rfc3339(utc_now()),
        }
    )
    try:
        response = await handler(request)
        if not request.get(DROPPED):
            entry["status"] = response.status
        return response
    finally:
        entry["device_id"] = request.get(RESOLVED_DEVICE_ID, entry["device_id"])


def _without_credentials(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {name: value for name, value in items if name.lower() != "authorization"}


async def _peek_json(request: web.Request) -> Any:
    """The JSON body, or the text fields of a form; the handler can still read it after."""
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        form = await request.post()
        return {k: v for k, v in form.items() if not isinstance(v, FileField)}
    if not request.body_exists:
        return None
    raw = await request.read()
    try:
        return json.loads(raw) if raw.strip() else None
    except ValueError:
        return None


@web.middleware
async def gowa_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except r.GowaError as exc:
        return exc.to_response()
    except web.HTTPNotFound:
        return r.plain_text(f"Cannot {request.method} {request.rel_url.raw_path}", 404)
    except web.HTTPMethodNotAllowed:
        return r.plain_text("Method Not Allowed", 405)
    except web.HTTPException:
        raise
    except Exception as exc:
        # GOWA's panic recovery answers any unexpected error as a JSON 500.
        logger.exception("sandbox handler failed on %s %s", request.method, request.path)
        return r.internal_error(str(exc) or type(exc).__name__).to_response()


@web.middleware
async def inject_faults(request: web.Request, handler: Handler) -> web.StreamResponse:
    if _is_control(request.path):
        return await handler(request)
    sandbox = sandbox_of(request)
    fault = sandbox.faults.take(request.method, request.path)
    if fault is None:
        return await handler(request)
    if fault.delay:
        await _wait_or_stop(sandbox.stopping, fault.delay)
    if fault.run_handler:
        await _act_and_forget(request, handler)
    if fault.drop_connection:
        return _drop(request)
    if fault.timeout_after_accept:
        await _hold_until_abandoned(request, sandbox.stopping)
        return _drop(request)
    if fault.status is not None:
        return _fault_response(fault)
    return await handler(request)


async def _act_and_forget(request: web.Request, handler: Handler) -> None:
    """Run the real route for its effects (a slot created, a message sent); the answer it
    gives, success or GOWA error, is thrown away: the fault decides what the client sees."""
    with contextlib.suppress(r.GowaError, web.HTTPException):
        await handler(request)


def _fault_response(fault: Fault) -> web.Response:
    if fault.plain_text:
        return r.plain_text(fault.error_message(), fault.status or 500)
    error = r.GowaError(fault.status or 500, fault.error_code(), fault.error_message())
    return error.to_response()


def _drop(request: web.Request) -> web.Response:
    """Cut the TCP connection without an HTTP answer (the response below is never written)."""
    request[DROPPED] = True
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=499)


async def _wait_or_stop(stopping: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), timeout=seconds)


async def _hold_until_abandoned(request: web.Request, stopping: asyncio.Event) -> None:
    """Never answer: wait until the client hangs up or the server stops."""
    while not stopping.is_set():
        transport = request.transport
        if transport is None or transport.is_closing():
            return
        await _wait_or_stop(stopping, 0.05)


@web.middleware
async def basic_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
    if _is_public(request.path) or _authorised(request):
        return await handler(request)
    return r.plain_text(
        "Unauthorized", 401, headers={"WWW-Authenticate": 'Basic realm="Restricted"'}
    )


def _authorised(request: web.Request) -> bool:
    config = sandbox_of(request).config
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if not scheme and request.path == "/ws":
        # Browsers cannot set headers on a WebSocket: GOWA takes ?authorization=<base64>,
        # where a `+` may have arrived as a space.
        token = request.query.get("authorization", "").strip()
        token = token[6:] if token.lower().startswith("basic ") else token
        scheme, token = "basic", token.replace(" ", "+")
    if scheme.lower() != "basic" or not token:
        return False
    try:
        decoded = base64.b64decode(token, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return False
    user, _, password = decoded.partition(":")
    # Compare both parts every time so timing does not tell which one was wrong.
    user_ok = hmac.compare_digest(user.encode(), config.user.encode())
    password_ok = hmac.compare_digest(password.encode(), config.password.encode())
    return user_ok and password_ok


MIDDLEWARES = [record_requests, gowa_errors, inject_faults, basic_auth]
