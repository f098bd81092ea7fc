"""`/messages` and `/messages/{id}`: what a device received and sent."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import requirement_for
from core.api import CursorPagination, error_responses, paginated_response, validated
from devices.access import ADMIN, AUTHENTICATED, VIEWER, Actor, device_get_for_actor
from messaging.api.serializers import (
    MessageListFilterSerializer,
    MessageOutputSerializer,
    MessageSendInputSerializer,
)
from messaging.errors import IdempotencyKeyInvalidError
from messaging.selectors import (
    contact_of_device,
    message_get_for_actor,
    message_of_device,
    messages_for_actor,
)
from messaging.services.outbox import Draft, message_cancel, message_queue, message_retry

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="Up to 200 characters, unique per device: a replay returns the first "
    "message; the same key with another body is 422.",
)  # fmt: skip


class MessageCursorPagination(CursorPagination):
    """Newest first by the message's own time, then id: stable however many share a second."""

    ordering = ("-timestamp", "-id")


class MessageListApi(APIView):
    required_role = {"GET": AUTHENTICATED, "POST": ADMIN}
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

    @extend_schema(
        operation_id="messages_send",
        summary="Queue a message to send (admin or full key)",
        description=(
            "Stored as `queued` and sent by a worker, paced per device; follow its `status` "
            "(queued, sending, sent, delivered, read; failed with `error_code`; unknown when "
            "the upstream took the request and never answered). The device must be logged "
            "in (409 `device_not_logged_in`); a blocked contact is 409 `contact_blocked`."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=MessageSendInputSerializer,
        responses={202: MessageOutputSerializer, **error_responses(400, 403, 404, 409, 422)},
    )
    def post(self, request: Request) -> Response:
        actor = Actor.from_request(request)
        body = request.data if isinstance(request.data, dict) else {}
        if body.get("device_id") is not None:
            # Who may send through the device is checked before the body is read: a caller
            # without access learns nothing from field errors.
            device_get_for_actor(
                actor=actor, device_id=body["device_id"],
                min_role=requirement_for(self, request).min_role,
            )  # fmt: skip
        data = validated(MessageSendInputSerializer, request.data)
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 200:
            raise IdempotencyKeyInvalidError()
        device = device_get_for_actor(actor=actor, device_id=data["device_id"], min_role=ADMIN)
        contact = contact_of_device(device=device, contact_id=data.get("contact_id"))
        reply_to = message_of_device(device=device, message_id=data.get("reply_to"))
        draft = Draft(
            kind=data["type"], text=data.get("text", ""), media_url=data.get("media_url", ""),
            caption=data.get("caption", ""), filename=data.get("filename", ""),
            latitude=data.get("latitude"), longitude=data.get("longitude"),
            contact_name=data.get("contact_name", ""),
            contact_phone=data.get("contact_phone", ""), reply_to=reply_to,
        )  # fmt: skip
        message, _ = message_queue(
            device=device, draft=draft, to=data.get("to", ""), contact=contact, actor=actor,
            idempotency_key=key, fingerprint_of=request.data,
        )  # fmt: skip
        return Response(MessageOutputSerializer(message).data, status=status.HTTP_202_ACCEPTED)


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


class MessageRetryApi(APIView):
    required_role = {"POST": ADMIN}

    @extend_schema(
        operation_id="messages_retry",
        summary="Send a failed (or unknown) message again (admin or full key)",
        request=None,
        responses={202: MessageOutputSerializer, **error_responses(403, 404, 409)},
    )
    def post(self, request: Request, message_id) -> Response:
        message = message_get_for_actor(
            actor=Actor.from_request(request), message_id=message_id, min_role=ADMIN
        )
        message = message_retry(message=message)
        return Response(MessageOutputSerializer(message).data, status=status.HTTP_202_ACCEPTED)


class MessageCancelApi(APIView):
    required_role = {"POST": ADMIN}

    @extend_schema(
        operation_id="messages_cancel",
        summary="Cancel a message still queued (admin or full key)",
        request=None,
        responses={200: MessageOutputSerializer, **error_responses(403, 404, 409)},
    )
    def post(self, request: Request, message_id) -> Response:
        message = message_get_for_actor(
            actor=Actor.from_request(request), message_id=message_id, min_role=ADMIN
        )
        return Response(MessageOutputSerializer(message_cancel(message=message)).data)
