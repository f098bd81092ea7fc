"""The error classification table of devices.whatsapp.errors, row by row."""

import pytest

from devices.whatsapp.errors import (
    DeviceAlreadyExists,
    DeviceAlreadyLoggedIn,
    DeviceNotFound,
    DeviceNotLoggedIn,
    UpstreamAuthFailed,
    UpstreamError,
    UpstreamRejected,
    UpstreamUnavailable,
    error_from_response,
)


@pytest.mark.parametrize(
    ("status", "code", "message", "path", "is_json", "cls", "expected_code"),
    [
        (401, None, "Unauthorized", "/devices", False, UpstreamAuthFailed, "auth_failed"),
        (
            401,
            "AUTHENTICATION_ERROR",
            "you are not logged in",
            "/send/message",
            True,
            DeviceNotLoggedIn,
            "AUTHENTICATION_ERROR",
        ),
        (
            500,
            "INVALID_WA_CLI",
            "your WhatsApp CLI is invalid or empty",
            "/send/message",
            True,
            DeviceNotLoggedIn,
            "INVALID_WA_CLI",
        ),
        (
            404,
            "DEVICE_NOT_FOUND",
            "device not found",
            "/send/message",
            True,
            DeviceNotFound,
            "DEVICE_NOT_FOUND",
        ),
        (
            404,
            "NOT_FOUND",
            "device not found",
            "/devices/x/webhook",
            True,
            DeviceNotFound,
            "NOT_FOUND",
        ),
        (
            404,
            "NOT_FOUND",
            "message not found",
            "/message/x/read",
            True,
            UpstreamRejected,
            "NOT_FOUND",
        ),
        (
            500,
            "INTERNAL_SERVER_ERROR",
            "device tenant-9 not found",
            "/devices/tenant-9",
            True,
            DeviceNotFound,
            "INTERNAL_SERVER_ERROR",
        ),
        (
            500,
            "INTERNAL_SERVER_ERROR",
            "device tenant-9 already exists",
            "/devices",
            True,
            DeviceAlreadyExists,
            "INTERNAL_SERVER_ERROR",
        ),
        (
            500,
            "INTERNAL_SERVER_ERROR",
            "boom",
            "/send/message",
            True,
            UpstreamUnavailable,
            "INTERNAL_SERVER_ERROR",
        ),
        (
            500,
            "SESSION_SAVED_ERROR",
            "your session have been saved",
            "/devices/x/login",
            True,
            DeviceAlreadyLoggedIn,
            "SESSION_SAVED_ERROR",
        ),
        (
            504,
            "GATEWAY_TIMEOUT",
            "timeout",
            "/send/message",
            True,
            UpstreamUnavailable,
            "GATEWAY_TIMEOUT",
        ),
        (
            502,
            None,
            "<html>Bad gateway</html>",
            "/send/message",
            False,
            UpstreamUnavailable,
            "http_502",
        ),
        (
            429,
            "WA_REACHOUT_TIMELOCK",
            "reach-out timelock",
            "/send/message",
            True,
            UpstreamUnavailable,
            "WA_REACHOUT_TIMELOCK",
        ),
        (429, None, "slow down", "/send/message", False, UpstreamUnavailable, "rate_limited"),
        (
            408,
            "CONTEXT_ERROR",
            "context deadline",
            "/user/avatar",
            True,
            UpstreamUnavailable,
            "CONTEXT_ERROR",
        ),
        (
            400,
            "VALIDATION_ERROR",
            "phone: cannot be blank.",
            "/send/message",
            True,
            UpstreamRejected,
            "VALIDATION_ERROR",
        ),
        (
            400,
            "INVALID_JID",
            "Phone 1 is not on whatsapp",
            "/send/message",
            True,
            UpstreamRejected,
            "INVALID_JID",
        ),
        (
            400,
            "ALREADY_LOGGED_IN",
            "you are already logged in.",
            "/devices/x/login",
            True,
            DeviceAlreadyLoggedIn,
            "ALREADY_LOGGED_IN",
        ),
        (404, None, "Cannot GET /nope", "/nope", False, UpstreamRejected, "http_404"),
    ],
)
def test_error_from_response(status, code, message, path, is_json, cls, expected_code):
    error = error_from_response(
        status=status, code=code, message=message, path=path, is_json=is_json
    )
    assert type(error) is cls
    assert error.code == expected_code
    assert error.status == status
    assert error.retryable is (cls is UpstreamUnavailable)


def test_class_hierarchy():
    assert issubclass(UpstreamAuthFailed, UpstreamRejected)
    assert issubclass(DeviceNotLoggedIn, UpstreamRejected)
    assert issubclass(DeviceNotFound, UpstreamRejected)
    assert issubclass(DeviceAlreadyLoggedIn, UpstreamRejected)
    assert issubclass(UpstreamRejected, UpstreamError)


def test_long_plain_text_is_clipped_and_str_is_readable():
    error = error_from_response(status=503, code=None, message="x" * 5000, is_json=False)
    assert len(error.message) <= 300
    assert str(error).startswith("http_503 (HTTP 503): ")
    assert "UpstreamUnavailable(code='http_503'" in repr(error)
