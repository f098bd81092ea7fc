"""Devices: create (the creator becomes the owner), rename, delete.

Creating and deleting also create and remove the device's upstream slot (through
`devices.services.lifecycle`), ordered so that a failing upstream leaves nothing half-made.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from accounts.models import User
from core.services import model_update
from devices.errors import DeviceQuotaExceededError
from devices.models import Device, DeviceMembership, Role
from devices.services.lifecycle import (
    device_provision,
    device_remove_upstream,
    device_remove_upstream_quietly,
)

logger = logging.getLogger(__name__)


def device_create(*, name: str, created_by: User) -> Device:
    """Create the upstream slot first, then the rows; 503 (and nothing stored, nothing left
    upstream) if it is down or the create's answer is lost (see `device_provision`). A user
    who owns `DEVICES_PER_USER_MAX` devices is refused before anything is opened upstream."""
    device = Device(name=name, created_by=created_by)
    device.full_clean()
    device_quota_check(owner=created_by)
    device_provision(device=device)
    return device_store(device=device, owner=created_by)


def device_store(*, device: Device, owner: User) -> Device:
    """Save a device whose upstream slot exists, with `owner` as its owner.

    If the rows cannot be written the slot is removed again: no orphan is left upstream.
    """
    device.created_by = owner
    try:
        with transaction.atomic():
            # Under the owner's row lock: two creates racing past the first check cannot
            # both land.
            User.objects.select_for_update().filter(pk=owner.pk).values_list("pk").first()
            device_quota_check(owner=owner)
            device.save(force_insert=True)
            DeviceMembership.objects.create(user=owner, device=device, role=Role.OWNER)
    except Exception:
        device_remove_upstream_quietly(device=device)
        raise
    logger.info("device %s created by user %s", device.pk, owner.pk)
    return device


def device_quota_check(*, owner: User) -> None:
    if owner.is_staff:
        return
    owned = DeviceMembership.objects.filter(user=owner, role=Role.OWNER).count()
    if owned >= settings.DEVICES_PER_USER_MAX:
        raise DeviceQuotaExceededError()


def device_update(*, device: Device, name: str | None = None) -> Device:
    """Rename the device; only the name is written, so a state change meanwhile stays."""
    model_update(instance=device, data={} if name is None else {"name": name})
    return device


def device_delete(*, device: Device) -> None:
    """Remove the upstream slot (one already gone is fine), then the device with its
    memberships and keys (cascade). An unreachable upstream is 503 and deletes nothing."""
    device_id = device.pk
    device_remove_upstream(device=device)
    device.delete()
    logger.info("device %s deleted", device_id)
