"""Members of a device (`/devices/{id}/members`, owners only), its pending invitations
(`/devices/{id}/invitations`, owners only) and the caller's own devices (`/users/me/devices`:
list, link by API key, leave).

Adding a member answers 202 with the same body whether or not the email has an account, so an
owner cannot probe which addresses use the platform; the owner sees the outcome in the member
and invitation lists of their own device."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import PaginatedListMixin, error_responses, paginated_response, validated
from devices.access import (
    OWNER,
    USER,
    Actor,
    device_from_request,
    device_get_for_actor,
    devices_visible_to,
)
from devices.api.serializers import (
    DeviceInvitationOutputSerializer,
    DeviceMemberAddedOutputSerializer,
    DeviceMemberCreateInputSerializer,
    DeviceMemberOutputSerializer,
    DeviceMemberUpdateInputSerializer,
    DeviceOutputSerializer,
    UserDeviceLinkInputSerializer,
)
from devices.selectors import (
    invitation_get,
    invitation_list,
    member_get,
    member_get_for_user,
    member_list,
)
from devices.services.members import (
    device_link_with_api_key,
    invitation_delete,
    member_add,
    member_remove,
    member_update_role,
)


class DeviceMemberListCreateApi(PaginatedListMixin, APIView):
    required_role = {"GET": OWNER, "POST": OWNER}
    throttle_scope = "member_write"

    @extend_schema(
        operation_id="devices_members_list",
        summary="Members of a device (owner)",
        responses={200: DeviceMemberOutputSerializer(many=True), **error_responses(400, 403, 404)},
    )
    def get(self, request: Request, device_id) -> Response:
        members = member_list(device=device_from_request(request))
        return paginated_response(request, self, members, DeviceMemberOutputSerializer)

    @extend_schema(
        operation_id="devices_members_create",
        summary=(
            "Add a member by email (owner): a user who has signed in gets the role now, any "
            "other address a pending invitation (re-adding it changes its role); both answer "
            "202 alike. 409 `already_member` for a current member"
        ),
        request=DeviceMemberCreateInputSerializer,
        responses={202: DeviceMemberAddedOutputSerializer, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request: Request, device_id) -> Response:
        data = validated(DeviceMemberCreateInputSerializer, request.data)
        member_add(
            device=device_from_request(request),
            invited_by=Actor.from_request(request).user,
            **data,
        )
        body = {**data, "status": "invited"}
        return Response(
            DeviceMemberAddedOutputSerializer(body).data, status=status.HTTP_202_ACCEPTED
        )


class DeviceInvitationListApi(PaginatedListMixin, APIView):
    required_role = {"GET": OWNER}

    @extend_schema(
        operation_id="devices_invitations_list",
        summary="Pending invitations of a device (owner): emails not yet signed in",
        responses={
            200: DeviceInvitationOutputSerializer(many=True),
            **error_responses(400, 403, 404),
        },
    )
    def get(self, request: Request, device_id) -> Response:
        invitations = invitation_list(device=device_from_request(request))
        return paginated_response(request, self, invitations, DeviceInvitationOutputSerializer)


class DeviceInvitationDetailApi(APIView):
    required_role = {"DELETE": OWNER}
    throttle_scope = "member_write"

    @extend_schema(
        operation_id="devices_invitations_destroy",
        summary="Withdraw a pending invitation (owner)",
        responses={204: None, **error_responses(403, 404)},
    )
    def delete(self, request: Request, device_id, invitation_id) -> Response:
        device = device_from_request(request)
        invitation_delete(invitation=invitation_get(device=device, invitation_id=invitation_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeviceMemberDetailApi(APIView):
    required_role = {"PATCH": OWNER, "DELETE": OWNER}
    throttle_scope = "member_write"

    @extend_schema(
        operation_id="devices_members_update",
        summary="Change a member's role (owner); the last owner cannot be demoted (409)",
        request=DeviceMemberUpdateInputSerializer,
        responses={200: DeviceMemberOutputSerializer, **error_responses(400, 403, 404, 409)},
    )
    def patch(self, request: Request, device_id, member_id) -> Response:
        data = validated(DeviceMemberUpdateInputSerializer, request.data)
        membership = member_get(device=device_from_request(request), member_id=member_id)
        membership = member_update_role(membership=membership, role=data["role"])
        return Response(DeviceMemberOutputSerializer(membership).data)

    @extend_schema(
        operation_id="devices_members_destroy",
        summary="Remove a member (owner); the last owner cannot be removed (409)",
        responses={204: None, **error_responses(403, 404, 409)},
    )
    def delete(self, request: Request, device_id, member_id) -> Response:
        member_remove(
            membership=member_get(device=device_from_request(request), member_id=member_id)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserDeviceListLinkApi(PaginatedListMixin, APIView):
    required_role = {"GET": USER, "POST": USER}
    throttle_scope = "device_link"

    @extend_schema(
        operation_id="users_me_devices_list",
        summary="The caller's devices, with the caller's role on each",
        responses={200: DeviceOutputSerializer(many=True), **error_responses(400, 403)},
    )
    def get(self, request: Request) -> Response:
        devices = devices_visible_to(actor=Actor.from_request(request))
        return paginated_response(request, self, devices, DeviceOutputSerializer)

    @extend_schema(
        operation_id="users_me_devices_link",
        summary=(
            "Link a device to the caller, proven by its API key: admin for a full key, "
            "viewer for a read-only one (never lowers a role already held)"
        ),
        request=UserDeviceLinkInputSerializer,
        responses={201: DeviceOutputSerializer, **error_responses(400, 403)},
    )
    def post(self, request: Request) -> Response:
        data = validated(UserDeviceLinkInputSerializer, request.data)
        actor = Actor.from_request(request)
        membership = device_link_with_api_key(user=actor.user, raw_key=data["api_key"])
        device = device_get_for_actor(actor=actor, device_id=membership.device_id)
        return Response(DeviceOutputSerializer(device).data, status=status.HTTP_201_CREATED)


class UserDeviceLeaveApi(APIView):
    required_role = {"DELETE": USER}

    @extend_schema(
        operation_id="users_me_devices_leave",
        summary="Leave a device; its last owner cannot (409)",
        responses={204: None, **error_responses(403, 404, 409)},
    )
    def delete(self, request: Request, device_id) -> Response:
        membership = member_get_for_user(
            device=device_from_request(request), user=Actor.from_request(request).user
        )
        member_remove(membership=membership)
        return Response(status=status.HTTP_204_NO_CONTENT)
