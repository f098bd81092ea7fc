"""Device members: add by email, change role, remove, leave, and link by API key.

Every change that could leave a device without an owner runs under a lock on the device row,
so two owners demoting each other at once cannot both succeed.
"""

from __future__ import annotations

import logging

from django.db import transaction

from accounts.models import User
from core.access import role_at_least
from devices.errors import (
    AlreadyMemberError,
    InvalidApiKeyError,
    LastOwnerError,
    MemberUserNotFoundError,
)
from devices.models import Device, DeviceMembership, Role
from devices.services.api_keys import api_key_authenticate

logger = logging.getLogger(__name__)


def _lock_device(device_id) -> None:
    Device.objects.select_for_update().filter(pk=device_id).values_list("pk", flat=True).first()


def member_is_last_owner(membership: DeviceMembership) -> bool:
    """Whether this membership, as stored, is its device's only owner (the stored role counts,
    not the one on `membership`: under the lock, that is what the other writers left)."""
    owners = DeviceMembership.objects.filter(device_id=membership.device_id, role=Role.OWNER)
    return list(owners.values_list("pk", flat=True)[:2]) == [membership.pk]


@transaction.atomic
def member_add(*, device: Device, email: str, role: str) -> DeviceMembership:
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        raise MemberUserNotFoundError
    return member_store(membership=DeviceMembership(device=device, user=user, role=role))


@transaction.atomic
def member_store(*, membership: DeviceMembership) -> DeviceMembership:
    """Save a new membership (device, user and role set) under the device's lock."""
    _lock_device(membership.device_id)
    if DeviceMembership.objects.filter(
        device_id=membership.device_id, user_id=membership.user_id
    ).exists():
        raise AlreadyMemberError
    membership.full_clean(validate_unique=False)
    membership.save(force_insert=True)
    logger.info(
        "user %s added to device %s as %s",
        membership.user_id,
        membership.device_id,
        membership.role,
    )
    return membership


@transaction.atomic
def member_update_role(*, membership: DeviceMembership, role: str) -> DeviceMembership:
    if role == membership.role:
        return membership
    _lock_device(membership.device_id)
    if role != Role.OWNER and member_is_last_owner(membership):
        raise LastOwnerError
    membership.role = role
    membership.full_clean(validate_unique=False)
    membership.save(update_fields=["role", "updated_at"])
    return membership


@transaction.atomic
def member_remove(*, membership: DeviceMembership) -> None:
    """Remove a member (also how a user leaves a device); the last owner cannot go."""
    _lock_device(membership.device_id)
    if member_is_last_owner(membership):
        raise LastOwnerError
    membership.delete()
    logger.info("user %s left device %s", membership.user_id, membership.device_id)


@transaction.atomic
def device_link_with_api_key(*, user: User, raw_key: str) -> DeviceMembership:
    """Make `user` a member of the device whose API key they present, with at most the key's
    own reach (PRODUCT.md §6): admin for a full key, viewer for a read-only one. A key cannot
    manage members, keys or the device's deletion, so a link never makes an owner.

    Already a member: raised to the key's role if below it, never lowered. The same error
    answers every unusable key (unknown, revoked or expired).
    """
    api_key = api_key_authenticate(raw_key=raw_key)
    if api_key is None:
        raise InvalidApiKeyError
    _lock_device(api_key.device_id)
    membership, created = DeviceMembership.objects.get_or_create(
        device=api_key.device, user=user, defaults={"role": api_key.role}
    )
    if not created and not role_at_least(membership.role, api_key.role):
        membership.role = api_key.role
        membership.save(update_fields=["role", "updated_at"])
    logger.info(
        "user %s linked to device %s as %s with key %s",
        user.pk, api_key.device_id, membership.role, api_key.prefix,
    )
    return membership
