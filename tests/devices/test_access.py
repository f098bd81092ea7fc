"""The permission layer's selectors and permission class, without HTTP."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from factories.accounts import UserFactory
from factories.devices import DeviceFactory, DeviceMembershipFactory, api_key_for
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from core.access import ADMIN, OWNER, VIEWER, requirement_of
from core.exceptions import ApplicationError
from devices.access import (
    Actor,
    device_get_for_actor,
    devices_visible_to,
)
from devices.errors import DeviceNotFoundError, RoleTooLowError
from devices.models import Role

pytestmark = pytest.mark.django_db


def test_a_user_sees_the_devices_they_are_a_member_of_with_their_role():
    user = UserFactory()
    mine = DeviceMembershipFactory(user=user, role=Role.ADMIN).device
    shared = DeviceMembershipFactory(user=user, role=Role.VIEWER).device
    DeviceMembershipFactory(device=shared, role=Role.OWNER)  # another member: still one row
    DeviceFactory()  # someone else's
    visible = {d.pk: d.caller_role for d in devices_visible_to(actor=Actor(user=user))}
    assert visible == {mine.pk: "admin", shared.pk: "viewer"}


def test_an_api_key_sees_only_its_device_as_admin_or_viewer():
    device = DeviceFactory()
    DeviceFactory()
    full, _ = api_key_for(device)
    read_only, _ = api_key_for(device, read_only=True)
    assert [(d.pk, d.caller_role) for d in devices_visible_to(actor=Actor(api_key=full))] == [
        (device.pk, "admin")
    ]
    assert devices_visible_to(actor=Actor(api_key=read_only)).get().caller_role == "viewer"


def test_nobody_sees_nothing():
    DeviceFactory()
    assert list(devices_visible_to(actor=Actor())) == []


def test_device_get_for_actor_is_404_when_invisible_and_403_when_role_too_low():
    viewer = DeviceMembershipFactory(role=Role.VIEWER)
    actor = Actor(user=viewer.user)
    assert device_get_for_actor(actor=actor, device_id=viewer.device_id).pk == viewer.device_id
    with pytest.raises(RoleTooLowError):
        device_get_for_actor(actor=actor, device_id=viewer.device_id, min_role=ADMIN)
    with pytest.raises(DeviceNotFoundError):
        device_get_for_actor(actor=actor, device_id=DeviceFactory().pk)
    with pytest.raises(DeviceNotFoundError):
        device_get_for_actor(actor=actor, device_id="not-a-uuid")


def test_a_full_key_is_never_an_owner():
    device = DeviceFactory()
    full, _ = api_key_for(device)
    with pytest.raises(RoleTooLowError):
        device_get_for_actor(actor=Actor(api_key=full), device_id=device.pk, min_role=OWNER)


def test_role_vocabulary():
    assert requirement_of("viewer").api_keys is True
    assert requirement_of("owner").api_keys is False
    assert requirement_of("user").api_keys is False
    assert requirement_of("authenticated").min_role == VIEWER
    with pytest.raises(ImproperlyConfigured):
        requirement_of("superuser")


class _Undeclared(APIView):
    required_role = {"GET": "viewer"}

    def get(self, request):
        return Response({})

    def post(self, request):  # no declaration: must fail closed
        return Response({})


def test_a_method_without_a_declared_role_fails_closed():
    request = APIRequestFactory().post("/x", {}, format="json")
    force_authenticate(request, user=UserFactory())
    with pytest.raises(ImproperlyConfigured):
        _Undeclared.as_view()(request)
    request = APIRequestFactory().get("/x")
    force_authenticate(request, user=UserFactory())
    assert _Undeclared.as_view()(request).status_code == 200


def test_errors_are_application_errors_with_stable_codes():
    assert issubclass(RoleTooLowError, ApplicationError)
    assert (RoleTooLowError.code, RoleTooLowError.status_code) == ("permission_denied", 403)
    assert (DeviceNotFoundError.code, DeviceNotFoundError.status_code) == ("not_found", 404)


def test_listing_devices_takes_one_query(django_assert_num_queries):
    user = UserFactory()
    for _ in range(5):
        DeviceMembershipFactory(user=user)
    with django_assert_num_queries(1):
        assert len(list(devices_visible_to(actor=Actor(user=user)))) == 5
