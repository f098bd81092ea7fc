"""API keys of a device (`/devices/{id}/api-keys`): owners only; a new key is shown once."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import PaginatedListMixin, error_responses, paginated_response, validated
from devices.access import OWNER, Actor, device_from_request
from devices.api.serializers import (
    DeviceApiKeyCreatedOutputSerializer,
    DeviceApiKeyCreateInputSerializer,
    DeviceApiKeyOutputSerializer,
)
from devices.selectors import api_key_get, api_key_list
from devices.services.api_keys import api_key_create, api_key_revoke


class DeviceApiKeyListCreateApi(PaginatedListMixin, APIView):
    required_role = {"GET": OWNER, "POST": OWNER}

    @extend_schema(
        operation_id="devices_api_keys_list",
        summary="API keys of a device, revoked ones included (owner); prefixes only",
        responses={200: DeviceApiKeyOutputSerializer(many=True), **error_responses(400, 403, 404)},
    )
    def get(self, request: Request, device_id) -> Response:
        keys = api_key_list(device=device_from_request(request))
        return paginated_response(request, self, keys, DeviceApiKeyOutputSerializer)

    @extend_schema(
        operation_id="devices_api_keys_create",
        summary="Create an API key (owner); the response is the only time `key` is shown",
        request=DeviceApiKeyCreateInputSerializer,
        responses={201: DeviceApiKeyCreatedOutputSerializer, **error_responses(400, 403, 404)},
    )
    def post(self, request: Request, device_id) -> Response:
        data = validated(DeviceApiKeyCreateInputSerializer, request.data)
        api_key, raw_key = api_key_create(
            device=device_from_request(request),
            created_by=Actor.from_request(request).user,
            **data,
        )
        api_key.key = raw_key
        # The secret is in this answer only: no cache along the way may keep it.
        return Response(
            DeviceApiKeyCreatedOutputSerializer(api_key).data,
            status=status.HTTP_201_CREATED,
            headers={"Cache-Control": "no-store"},
        )


class DeviceApiKeyDetailApi(APIView):
    required_role = {"DELETE": OWNER}

    @extend_schema(
        operation_id="devices_api_keys_revoke",
        summary="Revoke an API key (owner); idempotent",
        responses={204: None, **error_responses(403, 404)},
    )
    def delete(self, request: Request, device_id, key_id) -> Response:
        api_key_revoke(api_key=api_key_get(device=device_from_request(request), key_id=key_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
