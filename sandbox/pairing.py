"""Starting a login (QR or pairing code) and the files GOWA serves under /statics.

The QR image is a real PNG of a WhatsApp-like pairing string (`2@…,…,…,…`), so a client can
decode or display it; the phone side of the sandbox "scans" it through the control API.
"""

from __future__ import annotations

import base64
import io
import re
import secrets
import uuid
from typing import Any

import segno
from aiohttp import web

from . import responses as r
from .context import Sandbox
from .scope import require_can_log_in
from .state import Device

# GOWA writes 512x512 PNGs; segno scales by whole modules, so aim close to that.
QR_TARGET_PIXELS = 512
# whatsmeow's pairing-code alphabet (no 0, O, I or U), shown as XXXX-XXXX.
PAIR_CODE_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTVWXYZ"
LOGIN_PHONE = re.compile(r"^\+?[0-9]{1,15}$")


def qr_png(content: str) -> bytes:
    code = segno.make(content, error="l")
    width, _ = code.symbol_size(scale=1, border=4)
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=max(1, QR_TARGET_PIXELS // width), border=4)
    return buffer.getvalue()


def pairing_string() -> str:
    """Shaped like whatsmeow's QR payload: ref, noise key, identity key, adv secret."""
    parts = [base64.b64encode(secrets.token_bytes(32)).decode() for _ in range(3)]
    return "2@" + secrets.token_urlsafe(48) + "," + ",".join(parts)


def pair_code() -> str:
    chars = "".join(secrets.choice(PAIR_CODE_ALPHABET) for _ in range(8))
    return chars[:4] + "-" + chars[4:]


def start_qr_login(sandbox: Sandbox, request: web.Request, device: Device) -> dict[str, Any]:
    """Open a QR login; the PNG link is built from the caller's scheme and Host header."""
    require_can_log_in(device)
    device.start_login("qr", sandbox.config.login_window)
    duration = sandbox.config.qr_duration
    name = f"qrcode/scan-qr-{uuid.uuid4()}.png"
    sandbox.statics.put(name, "image/png", qr_png(pairing_string()), ttl=duration)
    link = f"{request.scheme}://{request.host}/statics/{name}"
    return {"device_id": device.id, "qr_link": link, "qr_duration": duration}


def validate_login_phone(phone: str) -> str:
    """The phone of a pairing-code login: international digits, no leading 0."""
    phone = phone.strip()
    if not phone:
        raise r.validation_errors({"phone": "cannot be blank"})
    if not LOGIN_PHONE.match(phone) or phone.removeprefix("+").startswith("0"):
        raise r.validation_errors({"phone": "must be in a valid format"})
    return phone.removeprefix("+")


def start_code_login(sandbox: Sandbox, device: Device, phone: str) -> dict[str, Any]:
    digits = validate_login_phone(phone)
    require_can_log_in(device)
    device.start_login("code", sandbox.config.login_window, phone=digits)
    return {"device_id": device.id, "pair_code": pair_code()}
