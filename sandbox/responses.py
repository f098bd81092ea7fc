"""GOWA's response envelope and error shapes (CONTRACT §3).

Success: `{"code": "SUCCESS", "message": ..., "results": ...}` with `results` left out when Go
would leave it out (a nil interface). Errors raised anywhere in a handler as `GowaError` become
`{"code": ..., "message": ...}` (plus `results` where GOWA sends one) with GOWA's HTTP status.
The numeric `status` field of the OpenAPI file is never serialised, as in GOWA.
"""

from __future__ import annotations

import json
from typing import Any, Final

from aiohttp import web


class _Omitted:
    """Marker for "no results key at all", distinct from `None` which serialises as null."""

    def __repr__(self) -> str:
        return "OMITTED"


OMITTED: Final = _Omitted()

# Texts GOWA uses for the "not logged in" family (src/pkg/error, src/pkg/utils).
NOT_LOGGED_IN = "you are not logged in"
NOT_CONNECTED = "you are not connect to services server, please reconnect"
INVALID_WA_CLI = "your WhatsApp CLI is invalid or empty"
ALREADY_LOGGED_IN = "you are already logged in."
SESSION_SAVED = "your session have been saved, please wait to connect 2 second and refresh again"
DEVICE_ID_REQUIRED = "device_id is required via X-Device-Id header or device_id query"
DEVICE_NOT_FOUND = (
    "device not found; create a device first from /api/devices or provide a valid X-Device-Id"
)


class GowaError(Exception):
    """An error answered in GOWA's JSON error shape."""

    def __init__(self, status: int, code: str, message: str, results: Any = OMITTED) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.results = results

    def to_response(self) -> web.Response:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.results is not OMITTED:
            body["results"] = self.results
        return json_response(body, status=self.status)


def internal_error(message: str) -> GowaError:
    """An untyped Go error surfaced by GOWA's panic recovery: always 500."""
    return GowaError(500, "INTERNAL_SERVER_ERROR", message)


def validation_error(message: str) -> GowaError:
    return GowaError(400, "VALIDATION_ERROR", message)


def validation_errors(errors: dict[str, str]) -> GowaError:
    """ozzo-validation's text: fields sorted, `field: reason` joined by `; `, final period."""
    text = "; ".join(f"{name}: {reason}" for name, reason in sorted(errors.items()))
    return validation_error(text + ".")


def success(message: str, results: Any = OMITTED, status: int = 200) -> web.Response:
    body: dict[str, Any] = {"code": "SUCCESS", "message": message}
    if results is not OMITTED:
        body["results"] = results
    return json_response(body, status=status)


def json_response(body: Any, status: int = 200) -> web.Response:
    return web.Response(
        body=json.dumps(body, ensure_ascii=False).encode(),
        status=status,
        content_type="application/json",
        charset="utf-8",
    )


def plain_text(text: str, status: int, headers: dict[str, str] | None = None) -> web.Response:
    """fiber's default non-JSON answers (basic-auth failure, unknown route, 426)."""
    return web.Response(text=text, status=status, content_type="text/plain", headers=headers)
