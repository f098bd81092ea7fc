"""What one caller can create: a device quota per user, and write throttles on device creation
and on member changes (each with Retry-After)."""

import pytest
from factories.accounts import UserFactory
from factories.devices import DeviceMembershipFactory
from identity_provider import api_client_fixture, bearer, identity_provider_fixture  # noqa: F401

from devices.models import Device, DeviceMembership, Role
from devices.services.devices import device_create

pytestmark = pytest.mark.django_db


def _rates(settings, **rates):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
    }


def test_the_eleventh_device_is_refused_and_opens_nothing_upstream(as_user, sandbox, settings):
    assert settings.DEVICES_PER_USER_MAX == 10
    user = UserFactory()
    for n in range(10):
        DeviceMembershipFactory(user=user, role=Role.OWNER, device__name=f"Owned {n}")
    DeviceMembershipFactory(user=user, role=Role.ADMIN)  # a device one only helps run
    slots_before = sandbox.slot_ids()
    response = as_user(user).post("/api/v1/devices", {"name": "One too many"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "device_quota_exceeded"
    assert sandbox.slot_ids() == slots_before
    assert not Device.objects.filter(name="One too many").exists()


def test_staff_are_exempt_from_the_quota(sandbox, settings):
    settings.DEVICES_PER_USER_MAX = 1
    staff = UserFactory(is_staff=True)
    for n in range(2):
        device_create(name=f"Staff {n}", created_by=staff)
    assert DeviceMembership.objects.filter(user=staff, role=Role.OWNER).count() == 2


def test_a_device_deleted_frees_its_place(as_user, sandbox, settings):
    settings.DEVICES_PER_USER_MAX = 1
    user = UserFactory()
    client = as_user(user)
    first = client.post("/api/v1/devices", {"name": "First"}, format="json").json()
    assert client.post("/api/v1/devices", {"name": "Second"}, format="json").status_code == 409
    assert client.delete(f"/api/v1/devices/{first['id']}").status_code == 204
    assert client.post("/api/v1/devices", {"name": "Second"}, format="json").status_code == 201


def test_device_creation_is_throttled_per_user(as_user, sandbox, settings):
    _rates(settings, device_create="2/hour")
    user = UserFactory()
    client = as_user(user)
    for n in range(2):
        assert client.post("/api/v1/devices", {"name": f"D{n}"}, format="json").status_code == 201
    slots_before = sandbox.slot_ids()
    response = client.post("/api/v1/devices", {"name": "D2"}, format="json")
    assert (response.status_code, response.json()["code"]) == (429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert sandbox.slot_ids() == slots_before
    assert client.get("/api/v1/devices").status_code == 200  # reads are not counted
    other = as_user(UserFactory())
    assert other.post("/api/v1/devices", {"name": "Theirs"}, format="json").status_code == 201


def test_member_changes_are_throttled_per_owner(as_user, settings):
    _rates(settings, member_write="3/hour")
    owner = DeviceMembershipFactory(role=Role.OWNER)
    url = f"/api/v1/devices/{owner.device_id}/members"
    client = as_user(owner.user)
    email = UserFactory().email
    added = client.post(url, {"email": email, "role": "viewer"}, format="json")
    assert added.status_code == 202
    member = DeviceMembership.objects.get(device_id=owner.device_id, user__email=email)
    member_url = f"{url}/{member.pk}"
    assert client.patch(member_url, {"role": "admin"}, format="json").status_code == 200
    assert client.delete(member_url).status_code == 204
    response = client.post(url, {"email": UserFactory().email, "role": "viewer"}, format="json")
    assert (response.status_code, response.json()["code"]) == (429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert client.get(url).status_code == 200
