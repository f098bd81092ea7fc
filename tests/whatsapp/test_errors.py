"""The error classification table of devices.whatsapp.errors, row by row."""

import pytest

from devices.whatsapp.errors import (
    WhatsAppAuthFailedError,
    WhatsAppDeviceAlreadyExistsError,
    WhatsAppDeviceAlreadyLoggedInError,
    WhatsAppDeviceNotFoundError,
    WhatsAppDeviceNotLoggedInError,
    WhatsAppError,
    WhatsAppRejectedError,
    WhatsAppUnavailableError,
    error_from_response,
)


@pytest.mark.parametrize(
    ("status", "code", "message", "path", "is_json", "cls", "expected_code"),
    [
        (401, None, "Unauthorized", "/devices", False, WhatsAppAuthFailedError, "auth_failed"),
        (
            401,
            "AUTHENTICATION_ERROR",
            "you are not logged in",
            "/send/message",
            True,
            WhatsAppDeviceNotLoggedInError,
            "AUTHENTICATION_ERROR",
        ),
        (
            500,
            "INVALID_WA_CLI",
            "your WhatsApp CLI is invalid or empty",
            "/send/message",
            True,
            WhatsAppDeviceNotLoggedInError,
            "INVALID_WA_CLI",
        ),
        (
            404,
            "DEVICE_NOT_FOUND",
            "device not found",
            "/send/message",
            True,
            WhatsAppDeviceNotFoundError,
            "DEVICE_NOT_FOUND",
        ),
        (
            404,
            "NOT_FOUND",
            "device not found",
            "/devices/x/webhook",
            True,
            WhatsAppDeviceNotFoundError,
            "NOT_FOUND",
        ),
        (
            404,
            "NOT_FOUND",
            "message not found",
            "/message/x/read",
            True,
            WhatsAppRejectedError,
            "NOT_FOUND",
        ),
        (
            500,
            "INTERNAL_SERVER_ERROR",
            "device tenant-9 not found",
            "/devices/tenant-9",
            True,
            WhatsAppDeviceNotFoundError,
            "INTERNAL_SERVER_ERROR",
        ),
        (
            500,
            "INTERNAL_SERVER_ERROR",
            "device tenant-9 already exists",
            "/devices",
            True,
            WhatsAppDeviceAlreadyExistsError,
            "INTERNAL_SERVER_ERROR",
        ),
        (
            500,
            "INTERNAL_SERVER_ERROR",
            "boom",
            "/send/message",
            True,
            WhatsAppUnavailableError,
            "INTERNAL_SERVER_ERROR",
        ),
        (
            500,
            "SESSION_SAVED_ERROR",
            "your session have been saved",
            "/devices/x/login",
            True,
            WhatsAppDeviceAlreadyLoggedInError,
            "SESSION_SAVED_ERROR",
        ),
        (
            504,
            "GATEWAY_TIMEOUT",
            "timeout",
            "/send/message",
            True,
            WhatsAppUnavailableError,
            "GATEWAY_TIMEOUT",
        ),
        (
            502,
            None,
            "<html>Bad gateway</html>",
            "/send/message",
            False,
            WhatsAppUnavailableError,
            "http_502",
        ),
        (
            429,
            "WA_REACHOUT_TIMELOCK",
            "reach-out timelock",
            "/send/message",
            True,
            WhatsAppUnavailableError,
            "WA_REACHOUT_TIMELOCK",
        ),
        (429, None, "slow down", "/send/message", False, WhatsAppUnavailableError, "rate_limited"),
        (
            408,
            "CONTEXT_ERROR",
            "context deadline",
            "/user/avatar",
            True,
            WhatsAppUnavailableError,
            "CONTEXT_ERROR",
        ),
        (
            400,
            "VALIDATION_ERROR",
            "phone: cannot be blank.",
            "/send/message",
            True,
            WhatsAppRejectedError,
            "VALIDATION_ERROR",
        ),
        (
            400,
            "INVALID_JID",
            "Phone 1 is not on whatsapp",
            "/send/message",
            True,
            WhatsAppRejectedError,
            "INVALID_JID",
        ),
        (
            400,
            "ALREADY_LOGGED_IN",
            "you are already logged in.",
            "/devices/x/login",
            True,
            WhatsAppDeviceAlreadyLoggedInError,
            "ALREADY_LOGGED_IN",
        ),
        (404, None, "Cannot GET /nope", "/nope", False, WhatsAppRejectedError, "http_404"),
    ],
)
def test_error_from_response(status, code, message, path, is_json, cls, expected_code):
    error = error_from_response(
        status=status, code=code, message=message, path=path, is_json=is_json
    )
    assert type(error) is cls
    assert error.code == expected_code
    assert error.status == status
    assert error.retryable is (cls is WhatsAppUnavailableError)


def test_class_hierarchy():
    assert issubclass(WhatsAppAuthFailedError, WhatsAppRejectedError)
    assert issubclass(WhatsAppDeviceNotLoggedInError, WhatsAppRejectedError)
    assert issubclass(WhatsAppDeviceNotFoundError, WhatsAppRejectedError)
    assert issubclass(WhatsAppDeviceAlreadyLoggedInError, WhatsAppRejectedError)
    assert issubclass(WhatsAppRejectedError, WhatsAppError)


def test_long_plain_text_is_clipped_and_str_is_readable():
    error = error_from_response(status=503, code=None, message="x" * 5000, is_json=False)
    assert len(error.message) <= 300
    assert str(error).startswith("http_503 (HTTP 503): ")
    assert "WhatsAppUnavailableError(code='http_503'" in repr(error)
