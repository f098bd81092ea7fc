"""`/messages` and `/messages/{id}`: what a device received and sent."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import CursorPagination, error_responses, paginated_response, validated
from devices.access import AUTHENTICATED, VIEWER, Actor
from messaging.api.serializers import MessageListFilterSerializer, MessageOutputSerializer
from messaging.selectors import message_get_for_actor, messages_for_actor


class MessageCursorPagination(CursorPagination):
    """Newest first by the message's own time, then id: stable however many share a second."""

    ordering = ("-timestamp", "-id")


class MessageListApi(APIView):
    required_role = {"GET": AUTHENTICATED}
    pagination_class = MessageCursorPagination

    @extend_schema(
        operation_id="messages_list",
        summary="Messages of the caller's devices, newest first",
        description=(
            "Across every device the caller can see, or one with `device_id` (404 if it is "
            "not visible). Messages flagged by an ignore rule are left out unless "
            "`include_ignored=true`. Cursor pagination; no counts."
        ),
        parameters=[MessageListFilterSerializer],
        responses={200: MessageOutputSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request: Request) -> Response:
        filters = validated(MessageListFilterSerializer, request.query_params)
        messages = messages_for_actor(actor=Actor.from_request(request), **filters)
        return paginated_response(request, self, messages, MessageOutputSerializer)


class MessageDetailApi(APIView):
    required_role = {"GET": VIEWER}

    @extend_schema(
        operation_id="messages_retrieve",
        summary="A message",
        responses={200: MessageOutputSerializer, **error_responses(404)},
    )
    def get(self, request: Request, message_id) -> Response:
        message = message_get_for_actor(actor=Actor.from_request(request), message_id=message_id)
        return Response(MessageOutputSerializer(message).data)
