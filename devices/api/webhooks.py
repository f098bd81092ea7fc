"""`POST /api/v1/webhooks/whatsapp`: the upstream's signed events (HMAC, not a user)."""

from django.core.exceptions import RequestDataTooBig
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import PayloadTooLargeError
from devices.api.serializers import WebhookReceiptOutputSerializer
from devices.services.webhooks import webhook_receive


@method_decorator(csrf_exempt, name="dispatch")
class WhatsAppWebhookApi(APIView):
    """Events from the upstream WhatsApp server, signed with `X-Hub-Signature-256`."""

    # Authenticated by the HMAC over the raw body, not by a user or an API key.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        summary="Receive an upstream event",
        description=(
            "GOWA's webhook envelope `{event, device_id, session_id?, timestamp?, payload}`, "
            "signed as `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>` with "
            "the device's webhook secret (or the global one). Every event is recorded once; "
            "a redelivery answers `duplicate`."
        ),
        request=OpenApiTypes.OBJECT,
        parameters=[
            OpenApiParameter(
                "X-Hub-Signature-256", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True
            )
        ],
        responses={
            200: WebhookReceiptOutputSerializer,
            400: OpenApiResponse(description="`malformed_event`: not an upstream event"),
            401: OpenApiResponse(description="`invalid_signature`"),
            413: OpenApiResponse(description="`payload_too_large`"),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        try:
            body = request._request.body  # the raw bytes the signature covers
        except RequestDataTooBig:
            raise PayloadTooLargeError() from None
        event, created = webhook_receive(
            body=body, signature=request.headers.get("X-Hub-Signature-256")
        )
        receipt = {"status": "recorded" if created else "duplicate", "event_id": event.pk}
        return Response(WebhookReceiptOutputSerializer(receipt).data, status=status.HTTP_200_OK)
