"""Exceptions of the upstream WhatsApp client (GOWA contract, CONTRACT.md §3).

Every failure of a call to the upstream surfaces as one :class:`WhatsAppError` subclass, so a
caller decides with ``except`` clauses (or ``error.retryable``), never by reading message text.
``code`` is the upstream's own code when it sent a JSON error (``VALIDATION_ERROR``,
``WA_REACHOUT_TIMELOCK``...), otherwise one of ours in snake_case (``connection_error``,
``read_timeout``, ``auth_failed``...). ``status`` is the HTTP status, or ``None`` when no response
arrived.

Every class here is named ``WhatsApp<Problem>Error``. They are the client's, not the API's: the
API answers with the ``devices.errors`` family, and ``devices.upstream.upstream_errors()`` is the
one place that turns one into the other.

Classification (first matching row wins):

========================================  ==================================  =====================
What happened                             Class                               code
========================================  ==================================  =====================
DNS failure, TLS handshake, connect       WhatsAppUnavailableError            connection_error,
timeout, refused/reset while connecting                                       connect_timeout
Read timeout / connection dropped after   WhatsAppUnavailableError            read_timeout,
the request went out, **GET**                                                 connection_dropped
(idempotent)
Same, any other method (sends, creates,   WhatsAppOutcomeUnknownError         read_timeout,
logins): the upstream may have acted                                          connection_dropped
401 without a JSON body (basic auth)      WhatsAppAuthFailedError             auth_failed
401 JSON ``AUTHENTICATION_ERROR``         WhatsAppDeviceNotLoggedInError      AUTHENTICATION_ERROR
500 ``INVALID_WA_CLI``                    WhatsAppDeviceNotLoggedInError      INVALID_WA_CLI
400 ``ALREADY_LOGGED_IN``, 500            WhatsAppDeviceAlreadyLoggedInError  ALREADY_LOGGED_IN,
``SESSION_SAVED_ERROR`` (a login on a                                         SESSION_SAVED_ERROR
paired slot, online or not)
404 ``DEVICE_NOT_FOUND``                  WhatsAppDeviceNotFoundError         DEVICE_NOT_FOUND
404 ``NOT_FOUND`` on                      WhatsAppDeviceNotFoundError         NOT_FOUND
/devices/{id}/webhook
500 ``INTERNAL_SERVER_ERROR`` "device X   WhatsAppDeviceNotFoundError         INTERNAL_SERVER_ERROR
not found" (GOWA's untyped Go error)
500 ``INTERNAL_SERVER_ERROR`` "device X   WhatsAppDeviceAlreadyExistsError    INTERNAL_SERVER_ERROR
already exists" (POST /devices)
429 (``WA_REACHOUT_TIMELOCK`` or any)     WhatsAppUnavailableError            upstream code or
                                                                              rate_limited
408 (``CONTEXT_ERROR``)                   WhatsAppUnavailableError            upstream code
any other 5xx, JSON or not (incl. 504     WhatsAppUnavailableError            upstream code or
``GATEWAY_TIMEOUT``, a proxy's 502/503)                                       http_<status>
any other 4xx (``VALIDATION_ERROR``,      WhatsAppRejectedError               upstream code or
``INVALID_JID``, ``DEVICE_ID_REQUIRED``,                                      http_<status>
plain-text 404 = unknown route)
2xx that is not a JSON envelope, or a     same rule as a dropped connection   bad_response
JSON envelope whose code is not SUCCESS   (GET: Unavailable, else OutcomeUnknown)
========================================  ==================================  =====================

``SESSION_SAVED_ERROR`` ("your session have been saved, please wait to connect") is GOWA
refusing a login because the slot already holds a paired session that is offline or still
reconnecting: retrying the login never helps, so it is the same definite answer as
``ALREADY_LOGGED_IN``.

``retryable`` is True only for :class:`WhatsAppUnavailableError`.
:class:`WhatsAppOutcomeUnknownError` is not retryable blindly: a send may have been delivered, so
the caller records the outcome as unknown (and may reconcile later) instead of resending. A 429
``WA_REACHOUT_TIMELOCK`` is retryable but only after a long pause (WhatsApp's anti-spam block,
CONTRACT §8), never in a tight loop.
"""

from __future__ import annotations

import re

_DEVICE_NOT_FOUND_RE = re.compile(r"device .* not found", re.IGNORECASE)
_DEVICE_EXISTS_RE = re.compile(r"device .* already exists", re.IGNORECASE)
_DEVICE_WEBHOOK_PATH_RE = re.compile(r"/devices/[^/]+/webhook/?$")
_NOT_LOGGED_IN_CODES = {("INVALID_WA_CLI", 500), ("AUTHENTICATION_ERROR", 401)}
_ALREADY_LOGGED_IN_CODES = {("ALREADY_LOGGED_IN", 400), ("SESSION_SAVED_ERROR", 500)}

# Longest upstream text kept in an error message; plain-text bodies can be whole HTML pages.
_MAX_MESSAGE = 300


class WhatsAppError(Exception):
    """A call to the upstream WhatsApp server failed."""

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        code: str,
        status: int | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        if retryable is not None:
            self.retryable = retryable

    def __str__(self) -> str:
        status = "" if self.status is None else " (HTTP %(status)s)" % {"status": self.status}
        return "%(code)s%(status)s: %(message)s" % {
            "code": self.code,
            "status": status,
            "message": self.message,
        }

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, status={self.status!r}, "
            f"message={self.message!r})"
        )


class WhatsAppUnavailableError(WhatsAppError):
    """The upstream could not be reached or failed transiently; retry later with backoff."""

    retryable = True


class WhatsAppRejectedError(WhatsAppError):
    """The upstream answered with a definite refusal; retrying the same request is pointless."""


class WhatsAppOutcomeUnknownError(WhatsAppError):
    """The request went out but no answer came back: it may or may not have taken effect."""


class WhatsAppAuthFailedError(WhatsAppRejectedError):
    """Plain-text 401 from the upstream's basic auth: the platform's credentials are wrong."""


class WhatsAppDeviceNotLoggedInError(WhatsAppRejectedError):
    """The device slot exists but has no logged-in WhatsApp session (CONTRACT §3)."""


class WhatsAppDeviceAlreadyLoggedInError(WhatsAppRejectedError):
    """A login on a slot that already holds a paired session, online or offline."""


class WhatsAppDeviceNotFoundError(WhatsAppRejectedError):
    """The upstream has no device slot with that id."""


class WhatsAppDeviceAlreadyExistsError(WhatsAppRejectedError):
    """``POST /devices`` with an id that is already registered."""


def _clip(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > _MAX_MESSAGE:
        return text[: _MAX_MESSAGE - 1] + "…"
    return text


def error_from_response(
    *,
    status: int,
    code: str | None,
    message: str,
    path: str = "",
    is_json: bool = True,
) -> WhatsAppError:
    """Build the error for a non-2xx HTTP answer (see the table in the module docstring).

    ``code`` is the envelope's ``code`` (``None`` for a non-JSON body), ``message`` the
    envelope's ``message`` or the plain-text body, ``path`` the request path (without query).
    """
    message = _clip(message or "")
    if not is_json or not code:
        code = None

    if status == 401 and code is None:
        return WhatsAppAuthFailedError(
            message or "upstream rejected the basic-auth credentials",
            code="auth_failed",
            status=status,
        )
    if code is not None and (code, status) in _NOT_LOGGED_IN_CODES:
        return WhatsAppDeviceNotLoggedInError(message, code=code, status=status)
    if code is not None and (code, status) in _ALREADY_LOGGED_IN_CODES:
        return WhatsAppDeviceAlreadyLoggedInError(message, code=code, status=status)
    if status == 404 and code == "DEVICE_NOT_FOUND":
        return WhatsAppDeviceNotFoundError(message, code=code, status=status)
    if status == 404 and code == "NOT_FOUND" and _DEVICE_WEBHOOK_PATH_RE.search(path):
        return WhatsAppDeviceNotFoundError(message, code=code, status=status)
    if status == 500 and code == "INTERNAL_SERVER_ERROR":
        if _DEVICE_NOT_FOUND_RE.search(message):
            return WhatsAppDeviceNotFoundError(message, code=code, status=status)
        if _DEVICE_EXISTS_RE.search(message):
            return WhatsAppDeviceAlreadyExistsError(message, code=code, status=status)
    if status == 429:
        return WhatsAppUnavailableError(message, code=code or "rate_limited", status=status)
    if status == 408 or status >= 500:
        return WhatsAppUnavailableError(message, code=code or f"http_{status}", status=status)
    return WhatsAppRejectedError(message, code=code or f"http_{status}", status=status)
