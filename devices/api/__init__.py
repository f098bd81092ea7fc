"""The devices API. Shared by its views: the error responses every route documents, and cursor
pagination for APIViews."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from core.api import CursorPagination

ErrorOutputSerializer = inline_serializer(
    "ErrorOutput",
    fields={
        "code": serializers.CharField(),
        "message": serializers.CharField(),
        "errors": serializers.DictField(required=False),
    },
)


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """401 always, and the other statuses a route can answer with the error shape."""
    descriptions = {
        400: "invalid input (`validation_error`, or a specific code)",
        401: "no or bad credentials (`not_authenticated`, `authentication_failed`)",
        403: "role too low on a visible device, or an API key on a user-only route",
        404: "no such object, or one the caller cannot see",
        409: "state conflict (`last_owner`, `already_member`)",
        429: "throttled",
    }
    return {
        code: OpenApiResponse(ErrorOutputSerializer, description=descriptions[code])
        for code in sorted({401, 429, *codes})
    }


class PaginatedListMixin:
    """For an APIView with a list: cursor pagination, also in its OpenAPI schema."""

    pagination_class = CursorPagination


def paginated_response(request, view, queryset, serializer_class) -> Response:
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)
