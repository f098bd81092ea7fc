"""Reads on devices. The access-checking fetches (`devices_visible_to`,
`device_get_for_actor`) live in `devices.access`; these read inside a device already checked."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db.models import QuerySet

from accounts.models import User
from devices.errors import ApiKeyNotFoundError, InvitationNotFoundError, MemberNotFoundError
from devices.models import Device, DeviceApiKey, DeviceInvitation, DeviceMembership, UpstreamEvent


def member_list(*, device: Device) -> QuerySet[DeviceMembership]:
    return DeviceMembership.objects.filter(device=device).select_related("user")


def member_get(*, device: Device, member_id: uuid.UUID) -> DeviceMembership:
    membership = member_list(device=device).filter(pk=member_id).first()
    if membership is None:
        raise MemberNotFoundError
    return membership


def member_get_for_user(*, device: Device, user: User) -> DeviceMembership:
    """`user`'s own membership of `device` (how a user leaves it)."""
    membership = member_list(device=device).filter(user=user).first()
    if membership is None:
        raise MemberNotFoundError
    return membership


def invitation_list(*, device: Device) -> QuerySet[DeviceInvitation]:
    return DeviceInvitation.objects.filter(device=device)


def invitation_get(*, device: Device, invitation_id: uuid.UUID) -> DeviceInvitation:
    invitation = invitation_list(device=device).filter(pk=invitation_id).first()
    if invitation is None:
        raise InvitationNotFoundError
    return invitation


def api_key_list(*, device: Device) -> QuerySet[DeviceApiKey]:
    return DeviceApiKey.objects.filter(device=device).select_related("created_by")


def api_key_get(*, device: Device, key_id: uuid.UUID) -> DeviceApiKey:
    api_key = api_key_list(device=device).filter(pk=key_id).first()
    if api_key is None:
        raise ApiKeyNotFoundError
    return api_key


def upstream_events_for_replay(
    *, since: datetime, device: Device | None = None, event: str | None = None
) -> QuerySet[UpstreamEvent]:
    """Recorded events since `since`, oldest first, without their mismatches (they are never
    processed) and without their payloads (the drain reads those itself)."""
    events = UpstreamEvent.objects.filter(received_at__gte=since).exclude(
        status=UpstreamEvent.Status.MISMATCH
    )
    if device is not None:
        events = events.filter(device=device)
    if event:
        events = events.filter(event=event)
    return events.only("id").order_by("id")
