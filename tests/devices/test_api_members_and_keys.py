"""`/devices/{id}/members` and `/devices/{id}/api-keys`: owners only."""

import pytest
from factories.accounts import UserFactory
from factories.devices import DeviceFactory, DeviceMembershipFactory, api_key_for
from identity_provider import api_client_fixture, bearer, identity_provider_fixture  # noqa: F401

from devices.models import DeviceApiKey, DeviceMembership, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(api_client, identity_provider):
    """An owner of a device, and api_client authenticated as them."""
    membership = DeviceMembershipFactory(role=Role.OWNER)
    api_client.credentials(**bearer(identity_provider, membership.user))
    return membership


def test_owner_adds_a_member_by_email_case_insensitively(api_client, owner):
    bob = UserFactory(email="bob@example.com")
    url = f"/api/v1/devices/{owner.device_id}/members"
    response = api_client.post(url, {"email": "Bob@Example.com", "role": "admin"}, format="json")
    assert response.status_code == 202
    assert response.json() == {"email": "bob@example.com", "role": "admin", "status": "invited"}
    listed = api_client.get(url).json()["results"]
    assert {(m["user_id"], m["email"]) for m in listed} == {
        (owner.user.pk, owner.user.email),
        (bob.pk, "bob@example.com"),
    }
    again = api_client.post(url, {"email": "bob@example.com"}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "already_member")


def test_the_last_owner_cannot_be_demoted_or_removed(api_client, owner):
    url = f"/api/v1/devices/{owner.device_id}/members/{owner.pk}"
    for response in (
        api_client.patch(url, {"role": "viewer"}, format="json"),
        api_client.delete(url),
    ):
        assert response.status_code == 409
        assert response.json()["code"] == "last_owner"
    second = DeviceMembershipFactory(device=owner.device, role=Role.OWNER)
    assert api_client.patch(url, {"role": "viewer"}, format="json").json()["role"] == "viewer"
    second_url = f"/api/v1/devices/{owner.device_id}/members/{second.pk}"
    assert api_client.delete(second_url).status_code == 403  # the caller is a viewer now
    second.refresh_from_db()
    assert second.role == Role.OWNER


def test_owner_changes_roles_and_removes_members(api_client, owner):
    viewer = DeviceMembershipFactory(device=owner.device, role=Role.VIEWER)
    url = f"/api/v1/devices/{owner.device_id}/members/{viewer.pk}"
    assert api_client.patch(url, {"role": "admin"}, format="json").json()["role"] == "admin"
    assert api_client.patch(url, {"role": "god"}, format="json").status_code == 400
    assert api_client.delete(url).status_code == 204
    assert not DeviceMembership.objects.filter(pk=viewer.pk).exists()


def test_a_member_of_another_device_is_404_through_this_one(api_client, owner):
    elsewhere = DeviceMembershipFactory()
    url = f"/api/v1/devices/{owner.device_id}/members/{elsewhere.pk}"
    assert api_client.delete(url).status_code == 404
    assert DeviceMembership.objects.filter(pk=elsewhere.pk).exists()


def test_an_admin_cannot_manage_members_or_keys(api_client, identity_provider):
    admin = DeviceMembershipFactory(role=Role.ADMIN)
    api_client.credentials(**bearer(identity_provider, admin.user))
    for path in ("members", "api-keys"):
        response = api_client.get(f"/api/v1/devices/{admin.device_id}/{path}")
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


def test_a_new_key_is_shown_once_then_only_its_prefix(api_client, owner):
    url = f"/api/v1/devices/{owner.device_id}/api-keys"
    response = api_client.post(url, {"name": "CRM", "read_only": False}, format="json")
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    created = response.json()
    assert created["key"].startswith(f"wa_{created['prefix']}_")
    listed = api_client.get(url).json()["results"]
    assert [k["prefix"] for k in listed] == [created["prefix"]]
    assert "key" not in listed[0] and "key_hash" not in listed[0]
    assert created["key"] not in api_client.get(url).content.decode()
    # The key works, as an admin of its device.
    device = api_client.get(f"/api/v1/devices/{owner.device_id}", HTTP_X_API_KEY=created["key"])
    assert device.status_code == 200
    assert DeviceApiKey.objects.get(pk=created["id"]).created_by == owner.user


def test_revoking_a_key_stops_it_at_once(api_client, owner):
    api_key, raw = api_key_for(owner.device)
    url = f"/api/v1/devices/{owner.device_id}/api-keys/{api_key.pk}"
    assert api_client.delete(url).status_code == 204
    assert api_client.delete(url).status_code == 204  # idempotent
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    listed = api_client.get(f"/api/v1/devices/{owner.device_id}/api-keys").json()["results"]
    assert listed[0]["revoked_at"] is not None
    api_client.credentials()
    assert api_client.get("/api/v1/devices", HTTP_X_API_KEY=raw).status_code == 401


def test_another_devices_key_cannot_be_revoked_through_this_device(api_client, owner):
    other, _ = api_key_for(DeviceFactory())
    url = f"/api/v1/devices/{owner.device_id}/api-keys/{other.pk}"
    assert api_client.delete(url).status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None


def test_a_key_cannot_expire_in_the_past(api_client, owner):
    response = api_client.post(
        f"/api/v1/devices/{owner.device_id}/api-keys",
        {"name": "old", "expires_at": "2001-01-01T00:00:00Z"},
        format="json",
    )
    assert response.status_code == 400
    assert "expires_at" in response.json()["errors"]
