"""`/devices` and `/devices/{id}`: the local side of a device (name, state, role)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import PaginatedListMixin, error_responses, paginated_response, validated
from devices.access import (
    ADMIN,
    AUTHENTICATED,
    OWNER,
    USER,
    VIEWER,
    Actor,
    device_from_request,
    device_get_for_actor,
    devices_visible_to,
)
from devices.api.serializers import (
    DeviceCreateInputSerializer,
    DeviceOutputSerializer,
    DeviceUpdateInputSerializer,
)
from devices.services.devices import device_create, device_delete, device_update


class DeviceListCreateApi(PaginatedListMixin, APIView):
    required_role = {"GET": AUTHENTICATED, "POST": USER}
    throttle_scope = "device_create"

    @extend_schema(
        operation_id="devices_list",
        summary="Devices the caller can see (an API key: its own device)",
        responses={200: DeviceOutputSerializer(many=True), **error_responses(400)},
    )
    def get(self, request: Request) -> Response:
        devices = devices_visible_to(actor=Actor.from_request(request))
        return paginated_response(request, self, devices, DeviceOutputSerializer)

    @extend_schema(
        operation_id="devices_create",
        summary="Create a device; the caller becomes its owner (users only)",
        description=(
            "A user owns at most `DEVICES_PER_USER_MAX` devices (409 `device_quota_exceeded`; "
            "staff are exempt); creates are also limited per user (429 with `Retry-After`)."
        ),
        request=DeviceCreateInputSerializer,
        responses={201: DeviceOutputSerializer, **error_responses(400, 403, 409, 429)},
    )
    def post(self, request: Request) -> Response:
        data = validated(DeviceCreateInputSerializer, request.data)
        actor = Actor.from_request(request)
        device = device_create(name=data["name"], created_by=actor.user)
        device = device_get_for_actor(actor=actor, device_id=device.pk)
        return Response(DeviceOutputSerializer(device).data, status=status.HTTP_201_CREATED)


class DeviceDetailApi(APIView):
    required_role = {"GET": VIEWER, "PATCH": ADMIN, "DELETE": OWNER}

    @extend_schema(
        operation_id="devices_retrieve",
        summary="A device",
        responses={200: DeviceOutputSerializer, **error_responses(404)},
    )
    def get(self, request: Request, device_id) -> Response:
        return Response(DeviceOutputSerializer(device_from_request(request)).data)

    @extend_schema(
        operation_id="devices_update",
        summary="Rename a device (admin)",
        request=DeviceUpdateInputSerializer,
        responses={200: DeviceOutputSerializer, **error_responses(400, 403, 404)},
    )
    def patch(self, request: Request, device_id) -> Response:
        data = validated(DeviceUpdateInputSerializer, request.data)
        device = device_update(device=device_from_request(request), **data)
        return Response(DeviceOutputSerializer(device).data)

    @extend_schema(
        operation_id="devices_destroy",
        summary="Delete a device with its members and keys (owner)",
        responses={204: None, **error_responses(403, 404)},
    )
    def delete(self, request: Request, device_id) -> Response:
        device_delete(device=device_from_request(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
