"""Reads on devices. The access-checking fetches (`devices_visible_to`,
`device_get_for_actor`) live in `devices.access`; these read inside a device already checked."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from accounts.models import User
from devices.errors import ApiKeyNotFoundError, MemberNotFoundError
from devices.models import Device, DeviceApiKey, DeviceMembership


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


def api_key_list(*, device: Device) -> QuerySet[DeviceApiKey]:
    return DeviceApiKey.objects.filter(device=device).select_related("created_by")


def api_key_get(*, device: Device, key_id: uuid.UUID) -> DeviceApiKey:
    api_key = api_key_list(device=device).filter(pk=key_id).first()
    if api_key is None:
        raise ApiKeyNotFoundError
    return api_key
