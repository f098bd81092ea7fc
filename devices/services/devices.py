"""Devices, local side: create (the creator becomes the owner), rename, delete.

The upstream slot (create, log out, delete) is the devices-lifecycle services' part.
"""

from __future__ import annotations

import logging

from django.db import transaction

from accounts.models import User
from devices.models import Device, DeviceMembership, Role

logger = logging.getLogger(__name__)


@transaction.atomic
def device_create(*, name: str, created_by: User) -> Device:
    device = Device(name=name, created_by=created_by)
    device.full_clean()
    device.save()
    DeviceMembership.objects.create(user=created_by, device=device, role=Role.OWNER)
    logger.info("device %s created by user %s", device.pk, created_by.pk)
    return device


def device_update(*, device: Device, name: str | None = None) -> Device:
    fields = []
    if name is not None and name != device.name:
        device.name = name
        fields.append("name")
    if fields:
        device.full_clean()
        device.save(update_fields=[*fields, "updated_at"])
    return device


def device_delete(*, device: Device) -> None:
    """Delete the device with its memberships and keys (cascade)."""
    device_id = device.pk
    device.delete()
    logger.info("device %s deleted", device_id)
