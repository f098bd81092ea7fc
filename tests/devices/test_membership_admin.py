"""Staff keep the API's rule in the admin: a device that has an owner keeps at least one."""

import pytest
from django.contrib.messages import get_messages
from factories.devices import DeviceFactory, DeviceMembershipFactory

from devices.models import Device, DeviceMembership, Role
from devices.services import lifecycle

pytestmark = pytest.mark.django_db

LIST = "/admin/devices/devicemembership/"


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_last_owner_cannot_be_demoted(admin_client):
    owner = DeviceMembershipFactory(role=Role.OWNER)
    response = admin_client.post(
        f"{LIST}{owner.pk}/change/",
        {"user": owner.user_id, "device": owner.device_id, "role": Role.ADMIN},
    )
    assert response.status_code == 200  # the form again, with the error
    assert "at least one owner" in response.content.decode()
    owner.refresh_from_db()
    assert owner.role == Role.OWNER


def test_an_owner_with_a_co_owner_can_be_demoted(admin_client):
    owner = DeviceMembershipFactory(role=Role.OWNER)
    DeviceMembershipFactory(device=owner.device, role=Role.OWNER)
    response = admin_client.post(
        f"{LIST}{owner.pk}/change/",
        {"user": owner.user_id, "device": owner.device_id, "role": Role.VIEWER},
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.role == Role.VIEWER


def test_the_last_owner_cannot_be_deleted(admin_client):
    owner = DeviceMembershipFactory(role=Role.OWNER)
    response = admin_client.post(f"{LIST}{owner.pk}/delete/", {"post": "yes"}, follow=True)
    assert response.redirect_chain[-1][0] == f"{LIST}{owner.pk}/change/"
    assert any("at least one owner" in m for m in _messages(response))
    assert DeviceMembership.objects.filter(pk=owner.pk).exists()


def test_a_membership_cannot_be_moved_to_another_device(admin_client):
    owner = DeviceMembershipFactory(role=Role.OWNER)
    elsewhere = DeviceFactory()
    response = admin_client.post(
        f"{LIST}{owner.pk}/change/",
        {"user": owner.user_id, "device": elsewhere.pk, "role": Role.OWNER},
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.device_id != elsewhere.pk


@pytest.mark.parametrize("how", ["delete page", "bulk action"])
def test_a_device_with_its_owner_can_still_be_deleted(admin_client, sandbox, how):
    """Deleting the whole device takes its memberships with it; only the membership's own
    deletion is held back for the last owner."""
    device = lifecycle.device_provision(device=DeviceFactory())
    owner = DeviceMembershipFactory(device=device, role=Role.OWNER)
    if how == "delete page":
        url, data = f"/admin/devices/device/{device.pk}/delete/", {"post": "yes"}
    else:
        url = "/admin/devices/device/"
        data = {"action": "delete_selected", "_selected_action": [device.pk], "post": "yes"}
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert not Device.objects.filter(pk=device.pk).exists()
    assert not DeviceMembership.objects.filter(pk=owner.pk).exists()


def test_deleting_every_owner_at_once_keeps_one(admin_client):
    device = DeviceFactory()
    owners = [DeviceMembershipFactory(device=device, role=Role.OWNER) for _ in range(2)]
    viewer = DeviceMembershipFactory(device=device, role=Role.VIEWER)
    response = admin_client.post(
        LIST,
        {
            "action": "delete_selected",
            "_selected_action": [m.pk for m in [*owners, viewer]],
            "post": "yes",
        },
        follow=True,
    )
    assert response.status_code == 200
    left = DeviceMembership.objects.filter(device=device)
    assert [m.role for m in left] == [Role.OWNER]
    assert any("at least one owner" in m for m in _messages(response))


def test_the_device_page_cannot_remove_its_only_owner(admin_client):
    owner = DeviceMembershipFactory(role=Role.OWNER)
    response = admin_client.post(
        f"/admin/devices/device/{owner.device_id}/change/",
        {
            "name": owner.device.name,
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": owner.pk,
            "memberships-0-device": owner.device_id,
            "memberships-0-user": owner.user_id,
            "memberships-0-role": Role.OWNER,
            "memberships-0-DELETE": "on",
            "api_keys-TOTAL_FORMS": "0",
            "api_keys-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "at least one owner" in response.content.decode()
    assert DeviceMembership.objects.filter(pk=owner.pk).exists()
