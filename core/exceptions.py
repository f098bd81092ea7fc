"""The project's own error class: a stable `code`, an HTTP status, a human message.

Raised by services and selectors; `core.api.exception_handler` turns it into the one JSON error
shape of the API (`{"code", "message", "errors"}`). Clients switch on `code`, never on text.
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    code = "application_error"
    status_code = 400
    default_message = "The request could not be completed."

    def __init__(self, message: str | None = None, *, errors: dict[str, Any] | None = None):
        self.message = message or self.default_message
        self.errors = errors
        super().__init__(self.message)


class NotFoundError(ApplicationError):
    code = "not_found"
    status_code = 404
    default_message = "Not found."


class ConflictError(ApplicationError):
    code = "conflict"
    status_code = 409
    default_message = "The request conflicts with the current state."


class ServiceUnavailableError(ApplicationError):
    code = "service_unavailable"
    status_code = 503
    default_message = "A service this request needs is unavailable; try again shortly."


class PayloadTooLargeError(ApplicationError):
    code = "payload_too_large"
    status_code = 413
    default_message = "The request body is too large."
