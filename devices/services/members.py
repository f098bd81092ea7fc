"""Device members: add by email, change role, remove, leave, and link by API key.

Every change that could leave a device without an owner runs under a lock on the device row,
so two owners demoting each other at once cannot both succeed.
"""

from __future__ import annotations

import logging

from django.db import transaction

from accounts.models import User
from devices.errors import (
    AlreadyMemberError,
    InvalidApiKeyError,
    LastOwnerError,
    MemberUserNotFoundError,
)
from devices.models import Device, DeviceMembership, Role
from devices.services.api_keys import api_key_authenticate

logger = logging.getLogger(__name__)


def _lock_device(device: Device) -> None:
    Device.objects.select_for_update().filter(pk=device.pk).values_list("pk", flat=True).first()


def member_is_last_owner(membership: DeviceMembership) -> bool:
    """Whether this (stored) membership is its device's only owner."""
    if membership.role != Role.OWNER:
        return False
    return not (
        DeviceMembership.objects.filter(device_id=membership.device_id, role=Role.OWNER)
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def member_add(*, device: Device, email: str, role: str) -> DeviceMembership:
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        raise MemberUserNotFoundError
    _lock_device(device)
    if DeviceMembership.objects.filter(device=device, user=user).exists():
        raise AlreadyMemberError
    membership = DeviceMembership(device=device, user=user, role=role)
    membership.full_clean(validate_unique=False)
    membership.save()
    logger.info("user %s added to device %s as %s", user.pk, device.pk, role)
    return membership


@transaction.atomic
def member_update_role(*, membership: DeviceMembership, role: str) -> DeviceMembership:
    if role == membership.role:
        return membership
    _lock_device(membership.device)
    if member_is_last_owner(membership):
        raise LastOwnerError
    membership.role = role
    membership.full_clean(validate_unique=False)
    membership.save(update_fields=["role", "updated_at"])
    return membership


@transaction.atomic
def member_remove(*, membership: DeviceMembership) -> None:
    """Remove a member (also how a user leaves a device); the last owner cannot go."""
    _lock_device(membership.device)
    if member_is_last_owner(membership):
        raise LastOwnerError
    membership.delete()
    logger.info("user %s left device %s", membership.user_id, membership.device_id)


@transaction.atomic
def device_link_with_api_key(*, user: User, raw_key: str) -> DeviceMembership:
    """Make `user` an owner of the device whose full API key they present.

    Already a member: promoted to owner. The same error answers every unusable key (unknown,
    revoked, expired or read-only).
    """
    api_key = api_key_authenticate(raw_key=raw_key)
    if api_key is None or api_key.read_only:
        raise InvalidApiKeyError
    _lock_device(api_key.device)
    membership, created = DeviceMembership.objects.get_or_create(
        device=api_key.device, user=user, defaults={"role": Role.OWNER}
    )
    if not created and membership.role != Role.OWNER:
        membership.role = Role.OWNER
        membership.save(update_fields=["role", "updated_at"])
    logger.info(
        "user %s linked to device %s with key %s", user.pk, api_key.device_id, api_key.prefix
    )
    return membership
