"""`/devices`, `/users/me` and `/users/me/devices` as dashboard users see them."""

import pytest
from factories.accounts import UserFactory
from factories.devices import DeviceFactory, DeviceMembershipFactory, api_key_for
from identity_provider import api_client_fixture, bearer, identity_provider_fixture  # noqa: F401

from devices.models import Device, DeviceApiKey, DeviceMembership, Role
from devices.services.api_keys import api_key_revoke

pytestmark = pytest.mark.django_db


def test_creating_a_device_makes_the_caller_its_owner(as_user, sandbox):
    user = UserFactory()
    response = as_user(user).post("/api/v1/devices", {"name": "Sales"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["state"], body["role"]) == ("Sales", "created", "owner")
    device = Device.objects.get(pk=body["id"])
    assert device.created_by == user
    assert DeviceMembership.objects.get(device=device).user == user


def test_creating_a_device_creates_its_upstream_slot(as_user, sandbox, settings):
    response = as_user(UserFactory()).post("/api/v1/devices", {"name": "Sales"}, format="json")
    device = Device.objects.get(pk=response.json()["id"])
    assert device.upstream_id == str(device.pk)
    webhook = sandbox.device_webhook(device.upstream_id)
    assert webhook["webhook_url"] == settings.WHATSAPP_WEBHOOK_URL
    assert webhook["webhook_secret"] == device.webhook_secret


def test_creating_a_device_while_the_upstream_is_down_is_503_and_stores_nothing(
    as_user, settings
):
    settings.WHATSAPP_API_URL = "http://127.0.0.1:1"
    response = as_user(UserFactory()).post("/api/v1/devices", {"name": "Sales"}, format="json")
    assert response.status_code == 503
    assert response.json()["code"] == "upstream_unavailable"
    assert not Device.objects.exists()
    assert not DeviceMembership.objects.exists()


@pytest.mark.parametrize(
    "lost_answer",
    [{"timeout_after_accept": True}, {"drop_connection": True}],
    ids=["read-timeout", "dropped"],
)
def test_a_create_whose_answer_is_lost_removes_the_slot_and_is_503(
    as_user, sandbox, settings, lost_answer
):
    settings.WHATSAPP_READ_TIMEOUT = 0.5
    # The upstream creates the slot, then its answer never arrives.
    sandbox.fault(method="POST", path="/devices", run_handler=True, times=1, **lost_answer)
    response = as_user(UserFactory()).post("/api/v1/devices", {"name": "Sales"}, format="json")
    assert response.status_code == 503
    assert response.json()["code"] == "upstream_unavailable"
    assert not Device.objects.exists()
    assert not DeviceMembership.objects.exists()
    # The slot was made, then removed again.
    create, *rest = sandbox.control("GET", "/requests")
    assert (create["method"], create["path"]) == ("POST", "/devices")
    assert [(c["method"], c["path"]) for c in rest] == [
        ("DELETE", f"/devices/{create['json']['device_id']}")
    ]
    assert sandbox.slot_ids() == set()


@pytest.mark.parametrize(
    ("action", "body"),
    [("login", None), ("login/code", {"phone_number": "+62 812 3456 7890"})],
)
def test_logging_in_a_paired_device_that_is_offline_is_409(as_user, sandbox, action, body):
    client = as_user(UserFactory())
    device_id = client.post("/api/v1/devices", {"name": "Sales"}, format="json").json()["id"]
    slot = Device.objects.get(pk=device_id).slot_id
    assert client.post(f"/api/v1/devices/{device_id}/login").status_code == 200
    sandbox.scan(slot)
    # The phone went offline: GOWA keeps the session and answers a login 500 SESSION_SAVED_ERROR.
    sandbox.control("POST", f"/devices/{slot}/disconnect")
    response = client.post(f"/api/v1/devices/{device_id}/{action}", body, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "device_already_logged_in"


def test_deleting_a_device_while_the_upstream_is_down_is_503_and_keeps_it(as_user, settings):
    owner = UserFactory()
    device = DeviceMembershipFactory(user=owner, role=Role.OWNER).device
    settings.WHATSAPP_API_URL = "http://127.0.0.1:1"
    response = as_user(owner).delete(f"/api/v1/devices/{device.pk}")
    assert response.status_code == 503
    assert Device.objects.filter(pk=device.pk).exists()


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "x" * 101}, {"name": None}])
def test_creating_a_device_validates_the_name(as_user, body):
    response = as_user(UserFactory()).post("/api/v1/devices", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert "name" in response.json()["errors"]


def test_the_list_shows_only_the_callers_devices_newest_first(as_user):
    user = UserFactory()
    older = DeviceMembershipFactory(user=user, role=Role.VIEWER).device
    newer = DeviceMembershipFactory(user=user, role=Role.OWNER).device
    DeviceFactory()
    for path in ("/api/v1/devices", "/api/v1/users/me/devices"):
        results = as_user(user).get(path).json()["results"]
        assert [(d["id"], d["role"]) for d in results] == [
            (str(newer.pk), "owner"),
            (str(older.pk), "viewer"),
        ]


def test_the_list_is_cursor_paginated(as_user):
    user = UserFactory()
    for _ in range(3):
        DeviceMembershipFactory(user=user)
    client = as_user(user)
    page = client.get("/api/v1/devices?limit=2").json()
    assert len(page["results"]) == 2 and page["next"]
    rest = client.get(page["next"]).json()
    assert len(rest["results"]) == 1 and rest["next"] is None


def test_detail_rename_and_delete_follow_roles(sandbox, as_user):
    owner = DeviceMembershipFactory(role=Role.OWNER)
    device = owner.device
    admin = DeviceMembershipFactory(device=device, role=Role.ADMIN).user
    viewer = DeviceMembershipFactory(device=device, role=Role.VIEWER).user
    url = f"/api/v1/devices/{device.pk}"
    assert as_user(viewer).get(url).json()["role"] == "viewer"
    assert as_user(viewer).patch(url, {"name": "V"}, format="json").status_code == 403
    response = as_user(admin).patch(url, {"name": "Renamed"}, format="json")
    assert (response.status_code, response.json()["name"]) == (200, "Renamed")
    assert as_user(admin).delete(url).status_code == 403
    api_key_for(device)
    assert as_user(owner.user).delete(url).status_code == 204
    assert not Device.objects.filter(pk=device.pk).exists()
    assert not DeviceApiKey.objects.filter(device_id=device.pk).exists()
    assert as_user(owner.user).get(url).status_code == 404


def test_another_tenants_device_is_404(as_user):
    device = DeviceFactory(name="Not yours")
    response = as_user(UserFactory()).get(f"/api/v1/devices/{device.pk}")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found."}


def test_users_me(as_user, identity_provider, api_client):
    user = UserFactory(email="me@example.com", name="Me")
    body = as_user(user).get("/api/v1/users/me").json()
    assert (body["id"], body["email"], body["name"]) == (user.pk, "me@example.com", "Me")


@pytest.mark.parametrize(("read_only", "role"), [(False, Role.ADMIN), (True, Role.VIEWER)])
def test_linking_grants_no_more_than_the_key_itself_may_do(as_user, read_only, role):
    """A key cannot manage members, keys or delete its device (PRODUCT.md §6): linking with a
    full key makes an admin, with a read-only key a viewer, never an owner."""
    user = UserFactory()
    device = DeviceFactory()
    _, key = api_key_for(device, read_only=read_only)
    response = as_user(user).post("/api/v1/users/me/devices", {"api_key": key}, format="json")
    assert response.status_code == 201
    assert (response.json()["id"], response.json()["role"]) == (str(device.pk), role)
    assert DeviceMembership.objects.get(device=device, user=user).role == role
    members = as_user(user).get(f"/api/v1/devices/{device.pk}/members")
    assert members.status_code == 403
    assert as_user(user).delete(f"/api/v1/devices/{device.pk}").status_code == 403


@pytest.mark.parametrize(
    ("held", "read_only", "after"),
    [
        (Role.VIEWER, False, Role.ADMIN),
        (Role.VIEWER, True, Role.VIEWER),
        (Role.ADMIN, True, Role.ADMIN),
        (Role.OWNER, False, Role.OWNER),
    ],
)
def test_linking_raises_a_member_to_the_key_and_never_lowers(as_user, held, read_only, after):
    membership = DeviceMembershipFactory(role=held)
    _, key = api_key_for(membership.device, read_only=read_only)
    response = as_user(membership.user).post(
        "/api/v1/users/me/devices", {"api_key": key}, format="json"
    )
    assert response.status_code == 201
    membership.refresh_from_db()
    assert membership.role == after


def test_linking_refuses_revoked_and_unknown_keys_alike(as_user):
    device = DeviceFactory()
    revoked, revoked_key = api_key_for(device)
    api_key_revoke(api_key=revoked)
    user = UserFactory()
    for key in (revoked_key, "wa_abcdefgh_" + "x" * 32):
        response = as_user(user).post("/api/v1/users/me/devices", {"api_key": key}, format="json")
        assert response.status_code == 400
        assert response.json() == {
            "code": "invalid_api_key",
            "message": "The API key is not valid.",
        }
    assert not DeviceMembership.objects.filter(user=user).exists()


def test_leaving_a_device(as_user):
    owner = DeviceMembershipFactory(role=Role.OWNER)
    viewer = DeviceMembershipFactory(device=owner.device, role=Role.VIEWER)
    url = f"/api/v1/users/me/devices/{owner.device_id}"
    assert as_user(viewer.user).delete(url).status_code == 204
    assert not DeviceMembership.objects.filter(pk=viewer.pk).exists()
    response = as_user(owner.user).delete(url)
    assert response.status_code == 409
    assert response.json()["code"] == "last_owner"
    assert as_user(UserFactory()).delete(url).status_code == 404
