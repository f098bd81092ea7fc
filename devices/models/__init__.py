"""Devices: one WhatsApp account on an upstream server, who may use it, and its raw events."""

from core.access import ROLE_RANK, Role
from devices.models.access import DeviceApiKey, DeviceInvitation, DeviceMembership
from devices.models.device import Device
from devices.models.events import UpstreamEvent

__all__ = [
    "ROLE_RANK",
    "Device",
    "DeviceApiKey",
    "DeviceInvitation",
    "DeviceMembership",
    "Role",
    "UpstreamEvent",
]
