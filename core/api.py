"""API plumbing shared by every app: the error shape, pagination, input validation."""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, pagination, serializers
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.exceptions import ApplicationError, PayloadTooLargeError

logger = logging.getLogger(__name__)

# Stable codes for DRF's own exceptions; the rest fall back to DRF's `default_code`.
_DRF_CODES: dict[type[exceptions.APIException], str] = {
    exceptions.ValidationError: "validation_error",
    exceptions.ParseError: "malformed_request",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


def error_body(code: str, message: str, errors: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    return body


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Give every error the API's one shape: `{"code", "message", "errors"?}`."""
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLargeError()
    if isinstance(exc, ApplicationError):
        set_rollback()
        return Response(error_body(exc.code, exc.message, exc.errors), status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(serializers.as_serializer_error(exc))
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: let Django log it and answer 500

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    code = _code_for(exc)
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body = error_body(code, "The request has invalid fields.", errors)
    else:
        body = error_body(code, str(exc.detail))
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)


def _code_for(exc: exceptions.APIException) -> str:
    for cls in type(exc).__mro__:
        if cls in _DRF_CODES:
            return _DRF_CODES[cls]
    return str(getattr(exc, "default_code", "error"))


def json_error_response(request, code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status)


def handler404(request, exception=None):
    """Unknown URLs: JSON under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return json_error_response(request, "not_found", "Not found.", 404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler400(request, exception=None):
    """Requests Django refuses before any view (too large, too many fields): JSON under /api/."""
    if request.path.startswith("/api/"):
        if isinstance(exception, RequestDataTooBig):
            return json_error_response(
                request, PayloadTooLargeError.code, PayloadTooLargeError.default_message, 413
            )
        return json_error_response(request, "bad_request", "The request is malformed.", 400)
    from django.views.defaults import bad_request

    return bad_request(request, exception)


def handler500(request):
    if request.path.startswith("/api/"):
        return json_error_response(request, "server_error", "Internal server error.", 500)
    from django.views.defaults import server_error

    return server_error(request)


class InvalidCursorError(ApplicationError):
    code = "invalid_cursor"
    status_code = 400
    default_message = "The cursor is not one this list gave out."


class CursorPagination(pagination.CursorPagination):
    """Newest first; `?limit=` up to 100; opaque `?cursor=`.

    The cursor is client-controlled (base64 of a query string): its position, a `created_at`
    timestamp, is checked before it reaches the database, where an out-of-range date or time
    zone would fail as a 500.
    """

    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 100
    ordering = ("-created_at", "-id")

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise InvalidCursorError() from None
        if cursor is None or cursor.position is None:
            return cursor
        return cursor._replace(position=_cursor_position(cursor.position))


def _cursor_position(position: str) -> str:
    """The position as a UTC ISO timestamp, or InvalidCursorError."""
    try:
        moment = parse_datetime(position)
        if moment is None or moment.tzinfo is None:
            raise ValueError(position)
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidCursorError() from None
    if not 1970 <= moment.year <= 9000:
        raise InvalidCursorError()
    return moment.isoformat()


def validated(serializer_class: type[serializers.Serializer], data: Any, **kwargs) -> dict:
    """Validate `data` with `serializer_class` and return its validated data (400 otherwise)."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# ---- OpenAPI: the error shape, documented once for every route ----------------------------

ErrorOutputSerializer = inline_serializer(
    "ErrorOutput",
    fields={
        "code": serializers.CharField(),
        "message": serializers.CharField(),
        "errors": serializers.DictField(required=False),
    },
)

ERROR_DESCRIPTIONS = {
    400: "invalid input (`validation_error`, `malformed_request`, `invalid_cursor`, or a "
    "specific code)",
    401: "no or bad credentials (`not_authenticated`, `authentication_failed`)",
    403: "role too low on a visible device, or an API key on a user-only route",
    404: "no such object, or one the caller cannot see",
    409: "state conflict (e.g. `last_owner`, `device_already_logged_in`)",
    413: "`payload_too_large`",
    422: "`idempotency_key_reused`: the Idempotency-Key came with another request before",
    429: "throttled",
    502: "`upstream_rejected`: the WhatsApp server refused the request",
    503: "`upstream_unavailable`: the WhatsApp server cannot be reached",
    504: "`upstream_timeout`: no answer in time; the outcome is unknown",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """401 and 429 always, and the other statuses a route can answer with the error shape."""
    return {
        code: OpenApiResponse(ErrorOutputSerializer, description=ERROR_DESCRIPTIONS[code])
        for code in sorted({401, 429, *codes})
    }


class PaginatedListMixin:
    """For an APIView with a list: cursor pagination, also in its OpenAPI schema."""

    pagination_class = CursorPagination


def paginated_response(request, view, queryset, serializer_class) -> Response:
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)
