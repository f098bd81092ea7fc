from __future__ import annotations

import factory

from devices.models import Device, DeviceApiKey, DeviceMembership, Role
from devices.services.api_keys import api_key_create
from factories.accounts import UserFactory


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Device

    name = factory.Sequence(lambda n: f"Device {n}")


class DeviceMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeviceMembership

    user = factory.SubFactory(UserFactory)
    device = factory.SubFactory(DeviceFactory)
    role = Role.VIEWER


def api_key_for(device: Device, *, read_only: bool = False, **kwargs) -> tuple[DeviceApiKey, str]:
    """A key made the production way; returns the row and the key itself."""
    return api_key_create(
        device=device, name=kwargs.pop("name", "test"), read_only=read_only, **kwargs
    )
