"""The upstream side of a device over the API: status, QR or code login, logout, reconnect.

Synchronous by design (the frontend shows the QR at once); an unreachable upstream is 503, a
timeout with an unknown outcome 504, and `GET /status` falls back to the stored state, marked
stale, rather than failing.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import error_responses, validated
from devices.access import ADMIN, VIEWER, device_from_request
from devices.api.serializers import (
    DeviceLoginCodeInputSerializer,
    DeviceLoginCodeOutputSerializer,
    DeviceLoginQROutputSerializer,
    DeviceOutputSerializer,
    DeviceStatusOutputSerializer,
)
from devices.services import lifecycle


class DeviceStatusApi(APIView):
    required_role = {"GET": VIEWER}

    @extend_schema(
        operation_id="devices_status",
        summary="Ask the upstream for the device's state and store it",
        responses={200: DeviceStatusOutputSerializer, **error_responses(404)},
    )
    def get(self, request: Request, device_id) -> Response:
        device = lifecycle.device_status_check(device=device_from_request(request))
        return Response(DeviceStatusOutputSerializer(device).data)


class DeviceLoginApi(APIView):
    required_role = {"POST": ADMIN}

    @extend_schema(
        operation_id="devices_login",
        summary="Start a QR login; returns the QR code as a PNG data URI with its expiry",
        request=None,
        responses={
            200: DeviceLoginQROutputSerializer,
            **error_responses(403, 404, 409, 502, 503, 504),
        },
    )
    def post(self, request: Request, device_id) -> Response:
        qr = lifecycle.device_login_qr(device=device_from_request(request))
        return Response(DeviceLoginQROutputSerializer(qr).data)


class DeviceLoginCodeApi(APIView):
    required_role = {"POST": ADMIN}

    @extend_schema(
        operation_id="devices_login_code",
        summary="Start a login by pairing code, entered on the phone",
        request=DeviceLoginCodeInputSerializer,
        responses={
            200: DeviceLoginCodeOutputSerializer,
            **error_responses(400, 403, 404, 409, 502, 503, 504),
        },
    )
    def post(self, request: Request, device_id) -> Response:
        data = validated(DeviceLoginCodeInputSerializer, request.data)
        pair = lifecycle.device_login_code(
            device=device_from_request(request), phone=data["phone_number"]
        )
        return Response(DeviceLoginCodeOutputSerializer(pair).data)


class DeviceLogoutApi(APIView):
    required_role = {"POST": ADMIN}

    @extend_schema(
        operation_id="devices_logout",
        summary="Log the WhatsApp account out (the device stays, ready to pair again)",
        request=None,
        responses={200: DeviceOutputSerializer, **error_responses(403, 404, 502, 503, 504)},
    )
    def post(self, request: Request, device_id) -> Response:
        device = lifecycle.device_logout(device=device_from_request(request))
        return Response(DeviceOutputSerializer(device).data)


class DeviceReconnectApi(APIView):
    required_role = {"POST": ADMIN}

    @extend_schema(
        operation_id="devices_reconnect",
        summary="Reconnect the device's WhatsApp session",
        request=None,
        responses={200: DeviceOutputSerializer, **error_responses(403, 404, 409, 502, 503, 504)},
    )
    def post(self, request: Request, device_id) -> Response:
        device = lifecycle.device_reconnect(device=device_from_request(request))
        return Response(DeviceOutputSerializer(device).data)
