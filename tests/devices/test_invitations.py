"""Adding a member by email tells the owner nothing about whether the address has an account:
an unknown address gets a pending invitation, turned into a membership at its first sign-in."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction
from factories.accounts import UserFactory
from factories.devices import DeviceMembershipFactory
from identity_provider import api_client_fixture, identity_provider_fixture  # noqa: F401
from rest_framework.test import APIClient

from accounts.services import user_get_or_create_from_claims
from devices.models import DeviceInvitation, DeviceMembership, Role
from devices.services.members import member_add
from tests.conftest import wait_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(as_user):
    """An owner of a device, and api_client authenticated as them."""
    membership = DeviceMembershipFactory(role=Role.OWNER)
    as_user(membership.user)
    return membership


def _members_url(membership) -> str:
    return f"/api/v1/devices/{membership.device_id}/members"


def _invitations_url(membership) -> str:
    return f"/api/v1/devices/{membership.device_id}/invitations"


def test_a_known_and_an_unknown_email_get_the_same_answer(api_client, owner):
    """Status, headers that matter and body are the same but for the address itself; a
    deactivated user's address answers as an unknown one does."""
    UserFactory(email="kkkk@example.com")
    UserFactory(email="dddd@example.com", is_active=False)
    answers = {
        email: api_client.post(_members_url(owner), {"email": email}, format="json")
        for email in ("kkkk@example.com", "uuuu@example.com", "dddd@example.com")
    }
    shapes = {
        (r.status_code, r["Content-Type"], r.content.replace(email.encode(), b"EMAIL"))
        for email, r in answers.items()
    }
    assert shapes == {
        (202, "application/json", b'{"email":"EMAIL","role":"viewer","status":"invited"}')
    }
    assert DeviceMembership.objects.filter(
        device_id=owner.device_id, user__email="kkkk@example.com"
    ).exists()
    invited = DeviceInvitation.objects.filter(device_id=owner.device_id)
    assert sorted(invited.values_list("email", flat=True)) == [
        "dddd@example.com",
        "uuuu@example.com",
    ]


def test_an_invited_email_becomes_a_member_with_its_role_at_first_sign_in(api_client, owner):
    response = api_client.post(
        _members_url(owner), {"email": " New.Person@Example.com ", "role": "admin"}, format="json"
    )
    assert response.json()["email"] == "new.person@example.com"
    invitation = DeviceInvitation.objects.get()
    assert (invitation.email, invitation.invited_by) == ("new.person@example.com", owner.user)

    user = user_get_or_create_from_claims(
        claims={"sub": "new-person", "email": "New.Person@example.com", "email_verified": True}
    )
    membership = DeviceMembership.objects.get(device_id=owner.device_id, user=user)
    assert membership.role == Role.ADMIN
    assert not DeviceInvitation.objects.exists()
    user_get_or_create_from_claims(claims={"sub": "new-person", "email": user.email})
    assert DeviceMembership.objects.filter(user=user).count() == 1


def test_a_first_token_with_the_invited_email_shows_the_device(owner, identity_provider):
    member_add(device=owner.device, email="ana@example.com", role=Role.VIEWER)
    token = identity_provider.token(sub="ana-sub", email="ana@example.com")
    listed = APIClient().get("/api/v1/users/me/devices", HTTP_AUTHORIZATION="Bearer " + token)
    assert [(d["id"], d["role"]) for d in listed.json()["results"]] == [
        (str(owner.device_id), "viewer")
    ]


def test_an_unverified_email_accepts_nothing_until_it_is_verified(owner):
    member_add(device=owner.device, email="ana@example.com", role=Role.ADMIN)
    claims = {"sub": "ana-sub", "email": "ana@example.com", "email_verified": False}
    user = user_get_or_create_from_claims(claims=claims)
    assert (user.email, DeviceMembership.objects.filter(user=user).exists()) == ("", False)
    assert DeviceInvitation.objects.exists()

    user_get_or_create_from_claims(claims={**claims, "email_verified": True})
    assert DeviceMembership.objects.get(user=user).role == Role.ADMIN
    assert not DeviceInvitation.objects.exists()


def test_accepting_never_lowers_a_role_already_held(owner):
    user = UserFactory(email="")
    DeviceMembershipFactory(device=owner.device, user=user, role=Role.ADMIN)
    member_add(device=owner.device, email="late@example.com", role=Role.VIEWER)
    user_get_or_create_from_claims(
        claims={"sub": user.oidc_subject, "email": "late@example.com", "email_verified": True}
    )
    assert DeviceMembership.objects.get(user=user).role == Role.ADMIN
    assert not DeviceInvitation.objects.exists()


def test_adding_a_pending_email_again_changes_its_role(api_client, owner):
    for role in ("viewer", "owner"):
        response = api_client.post(
            _members_url(owner), {"email": "pending@example.com", "role": role}, format="json"
        )
        assert response.status_code == 202
    assert DeviceInvitation.objects.get().role == Role.OWNER


def test_the_owner_lists_and_withdraws_invitations(api_client, owner):
    UserFactory(email="known@example.com")
    for email in ("known@example.com", "pending@example.com"):
        api_client.post(_members_url(owner), {"email": email}, format="json")
    listed = api_client.get(_invitations_url(owner)).json()["results"]
    assert [(i["email"], i["role"], i["invited_by_id"]) for i in listed] == [
        ("pending@example.com", "viewer", owner.user.pk)
    ]
    url = f"{_invitations_url(owner)}/{listed[0]['id']}"
    assert api_client.delete(url).status_code == 204
    assert not DeviceInvitation.objects.exists()
    again = api_client.delete(url)
    assert (again.status_code, again.json()["code"]) == (404, "not_found")
    user_get_or_create_from_claims(
        claims={"sub": "pending", "email": "pending@example.com", "email_verified": True}
    )
    assert not DeviceMembership.objects.filter(user__email="pending@example.com").exists()


def test_another_tenant_cannot_see_or_withdraw_invitations(api_client, owner, as_user):
    invitation = member_add(device=owner.device, email="pending@example.com", role=Role.VIEWER)
    other = DeviceMembershipFactory(role=Role.OWNER)
    as_user(other.user)
    for response in (
        api_client.get(_invitations_url(owner)),
        api_client.delete(f"{_invitations_url(owner)}/{invitation.pk}"),
        api_client.delete(f"{_invitations_url(other)}/{invitation.pk}"),
    ):
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
        assert b"pending@example.com" not in response.content
    assert api_client.get(_invitations_url(other)).json()["results"] == []
    assert DeviceInvitation.objects.filter(pk=invitation.pk).exists()


def test_an_admin_of_the_device_cannot_see_or_withdraw_invitations(api_client, owner, as_user):
    invitation = member_add(device=owner.device, email="pending@example.com", role=Role.VIEWER)
    as_user(DeviceMembershipFactory(device=owner.device, role=Role.ADMIN).user)
    for response in (
        api_client.get(_invitations_url(owner)),
        api_client.delete(f"{_invitations_url(owner)}/{invitation.pk}"),
    ):
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert DeviceInvitation.objects.filter(pk=invitation.pk).exists()


def test_adding_unknown_emails_is_throttled_too(api_client, owner, settings):
    """Probing with addresses nobody uses spends the same budget (`member_write`)."""
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "member_write": "2/hour"},
    }
    for n in range(2):
        added = api_client.post(_members_url(owner), {"email": f"n{n}@example.com"}, format="json")
        assert added.status_code == 202
    response = api_client.post(_members_url(owner), {"email": "n2@example.com"}, format="json")
    assert (response.status_code, response.json()["code"]) == (429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert DeviceInvitation.objects.count() == 2


def test_staff_see_and_withdraw_invitations_in_the_admin(admin_client, owner):
    invitation = member_add(device=owner.device, email="pending@example.com", role=Role.ADMIN)
    changelist = admin_client.get("/admin/devices/deviceinvitation/?q=pending")
    assert changelist.status_code == 200
    assert b"pending@example.com" in changelist.content
    page = f"/admin/devices/deviceinvitation/{invitation.pk}/"
    assert admin_client.get(page + "change/").status_code == 200
    assert admin_client.post(page + "delete/", {"post": "yes"}).status_code == 302
    assert not DeviceInvitation.objects.exists()


def _a_session_waits_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_an_add_during_the_first_sign_in_is_not_lost():
    """A sign-in not yet committed holds the email: an add of that address waits for it, then
    sees the user, instead of leaving an invitation nobody will accept."""
    if connection.vendor != "postgresql":
        pytest.skip("the email lock is PostgreSQL's advisory lock")
    owner = DeviceMembershipFactory(role=Role.OWNER)
    signed_in, release = threading.Event(), threading.Event()

    def sign_in() -> None:
        try:
            with transaction.atomic():
                user_get_or_create_from_claims(
                    claims={"sub": "ana", "email": "ana@example.com", "email_verified": True}
                )
                signed_in.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(sign_in)
        assert signed_in.wait(timeout=10)
        added = pool.submit(
            lambda: (
                member_add(device=owner.device, email="ana@example.com", role=Role.ADMIN),
                connection.close(),
            )
        )
        wait_for(lambda: _a_session_waits_on_a_lock() or added.done(), 10, "the add")
        waited = not added.done()
        release.set()
        first.result(timeout=30)
        added.result(timeout=30)
    membership = DeviceMembership.objects.get(user__oidc_subject="ana")
    assert (membership.device_id, membership.role) == (owner.device_id, Role.ADMIN)
    assert not DeviceInvitation.objects.exists()
    assert waited, "the add did not wait for the sign-in"
