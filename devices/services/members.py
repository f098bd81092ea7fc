"""Device members: add by email (or invite), change role, remove, leave, and link by API key.

Every change that could leave a device without an owner runs under a lock on the device row,
so two owners demoting each other at once cannot both succeed.

Adding by email never tells the owner whether the address has an account: an active user
becomes a member at once, any other address gets a pending invitation, turned into a
membership when a user first signs in with that verified email (`invitations_accept`).
"""

from __future__ import annotations

import logging

from django.db import connection, transaction
from django.db.models import Value
from django.db.models.functions import Lower

from accounts.models import User
from core.access import role_at_least
from devices.errors import (
    AlreadyMemberError,
    InvalidApiKeyError,
    LastOwnerError,
)
from devices.models import Device, DeviceInvitation, DeviceMembership, Role
from devices.services.api_keys import api_key_authenticate

logger = logging.getLogger(__name__)


def _lock_device(device_id) -> None:
    Device.objects.select_for_update().filter(pk=device_id).values_list("pk", flat=True).first()


def member_is_last_owner(membership: DeviceMembership) -> bool:
    """Whether this membership, as stored, is its device's only owner (the stored role counts,
    not the one on `membership`: under the lock, that is what the other writers left)."""
    owners = DeviceMembership.objects.filter(device_id=membership.device_id, role=Role.OWNER)
    return list(owners.values_list("pk", flat=True)[:2]) == [membership.pk]


def _lock_email(email: str) -> None:
    """Serialise adding `email` with a first sign-in under it (PostgreSQL only): without it, an
    invitation made while the user's creation is not yet committed would never be accepted.
    Taken before any device lock, in both paths, so the two cannot deadlock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(LOWER(%s), 0))", [email])


def _with_email(queryset, email: str):
    """The rows of `queryset` whose `email` is `email`, compared as the users' unique
    constraint compares (the database's LOWER())."""
    return queryset.alias(email_lower=Lower("email")).filter(email_lower=Lower(Value(email)))


@transaction.atomic
def member_add(
    *, device: Device, email: str, role: str, invited_by: User | None = None
) -> DeviceMembership | DeviceInvitation:
    """Give `email` `role` on `device`: a membership for an active user with that email, else a
    pending invitation (a second add of the same address changes the invitation's role).
    Callers must answer the two alike. An address that is already a member: AlreadyMemberError.
    """
    email = email.strip().lower()
    _lock_email(email)
    user = _with_email(User.objects.filter(is_active=True), email).first()
    if user is not None:
        return member_store(membership=DeviceMembership(device=device, user=user, role=role))
    invitation, created = DeviceInvitation.objects.update_or_create(
        device=device, email=email, defaults={"role": role, "invited_by": invited_by}
    )
    logger.info(
        "invitation %s to device %s as %s %s",
        invitation.pk,
        device.pk,
        role,
        "created" if created else "updated",
    )
    return invitation


def invitation_delete(*, invitation: DeviceInvitation) -> None:
    invitation.delete()
    logger.info("invitation %s to device %s deleted", invitation.pk, invitation.device_id)


@transaction.atomic
def invitations_accept(*, user: User) -> list[DeviceMembership]:
    """Turn the pending invitations for `user`'s email into memberships, and delete them.

    A device the user is already a member of keeps the higher of the two roles (never lowered:
    that could take a device's last owner away). Run when a user gains a verified email.
    """
    if not user.email or not user.is_active:
        return []
    _lock_email(user.email)
    invitations = _with_email(DeviceInvitation.objects.order_by("device_id"), user.email)
    memberships = []
    for invitation in list(invitations):
        _lock_device(invitation.device_id)
        memberships.append(_membership_grant(invitation.device_id, user, invitation.role))
        invitation.delete()
        logger.info(
            "invitation %s accepted: user %s is on device %s as %s",
            invitation.pk,
            user.pk,
            invitation.device_id,
            memberships[-1].role,
        )
    return memberships


def invitations_accept_receiver(sender, *, user: User, **kwargs) -> None:
    """Receiver of `accounts.signals.user_email_verified` (connected in DevicesConfig.ready)."""
    invitations_accept(user=user)


def _membership_grant(device_id, user: User, role: str) -> DeviceMembership:
    """`user`'s membership of the device, created with `role` or raised to it, never lowered.
    The caller holds the device's lock."""
    membership, created = DeviceMembership.objects.get_or_create(
        device_id=device_id, user=user, defaults={"role": role}
    )
    if not created and not role_at_least(membership.role, role):
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
    return membership


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
    membership = _membership_grant(api_key.device_id, user, api_key.role)
    logger.info(
        "user %s linked to device %s as %s with key %s",
        user.pk,
        api_key.device_id,
        membership.role,
        api_key.prefix,
    )
    return membership
