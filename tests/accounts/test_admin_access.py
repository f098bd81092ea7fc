"""Staff manage users, memberships and API keys in the admin; they log in with a password,
or through Logto (mozilla-django-oidc) when it is configured."""

import hashlib
from urllib.parse import parse_qs, urlparse

import pytest
from factories.devices import DeviceFactory, DeviceMembershipFactory, api_key_for

from accounts.models import User
from devices.models import DeviceApiKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    User.objects.create_superuser("root", "root@example.com", "pw-for-tests")
    assert client.login(username="root", password="pw-for-tests")
    return client


@pytest.mark.parametrize(
    "model", ["accounts/user", "devices/device", "devices/devicemembership", "devices/deviceapikey"]
)
def test_admin_pages_render(staff_client, model):
    membership = DeviceMembershipFactory()
    api_key, _ = api_key_for(membership.device)
    objects = {
        "accounts/user": membership.user.pk,
        "devices/device": membership.device_id,
        "devices/devicemembership": membership.pk,
        "devices/deviceapikey": api_key.pk,
    }
    assert staff_client.get(f"/admin/{model}/").status_code == 200
    assert staff_client.get(f"/admin/{model}/add/").status_code == 200
    assert staff_client.get(f"/admin/{model}/{objects[model]}/change/").status_code == 200


def test_a_key_created_in_the_admin_is_shown_once_and_stored_hashed(staff_client):
    device = DeviceFactory()
    response = staff_client.post(
        "/admin/devices/deviceapikey/add/",
        {"device": str(device.pk), "name": "From admin", "read_only": "on", "expires_at": ""},
    )
    assert response.status_code == 200
    api_key = DeviceApiKey.objects.get(device=device)
    raw = response.context["raw_key"]
    assert raw.startswith(f"wa_{api_key.prefix}_") and raw in response.content.decode()
    assert api_key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert api_key.read_only is True
    change_page = staff_client.get(f"/admin/devices/deviceapikey/{api_key.pk}/change/")
    assert raw not in change_page.content.decode()


def test_the_revoke_action_revokes(staff_client):
    api_key, _ = api_key_for(DeviceFactory())
    staff_client.post(
        "/admin/devices/deviceapikey/",
        {"action": "revoke", "_selected_action": [str(api_key.pk)]},
    )
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None


def test_password_login_page_has_no_logto_button_when_unconfigured(client):
    page = client.get("/admin/login/").content.decode()
    assert "Log in with Logto" not in page


def _logto_login(client, identity_provider, settings):
    """The admin's Logto login, from the login button to the callback; returns the callback."""
    settings.AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend",
        "accounts.oidc.LogtoAdminOIDCBackend",
    ]
    settings.OIDC_RP_CLIENT_ID = settings.LOGTO_APP_ID
    settings.OIDC_RP_CLIENT_SECRET = settings.LOGTO_APP_SECRET
    for name in ("auth", "token", "me", "jwks"):
        key = {"auth": "AUTHORIZATION", "me": "USER"}.get(name, name.upper())
        setattr(settings, f"OIDC_OP_{key}_ENDPOINT", f"{identity_provider.issuer}/{name}")
    assert "Log in with Logto" in client.get("/admin/login/").content.decode()
    start = client.get("/oidc/authenticate/?next=/admin/")
    assert start.status_code == 302
    redirect = urlparse(start["Location"])
    assert (
        f"{redirect.scheme}://{redirect.netloc}{redirect.path}"
        == identity_provider.issuer + "/auth"
    )
    state = parse_qs(redirect.query)["state"][0]
    identity_provider.next_nonce = client.session["oidc_states"][state]["nonce"]
    return client.get(f"/oidc/callback/?code=the-code&state={state}")


@pytest.mark.urls("oidc_urls")
@pytest.mark.parametrize("kid", ["ec-1", "rsa-1"], ids=["ES384", "RS256"])
def test_staff_log_in_through_logto(client, identity_provider, settings, kid):
    staff = User.objects.create_user("ops", oidc_subject="staff-sub", is_staff=True)
    identity_provider.userinfo = {
        "sub": "staff-sub", "email": "ops@example.com", "email_verified": True, "name": "Ops"
    }
    identity_provider.id_token_kid = kid
    callback = _logto_login(client, identity_provider, settings)
    assert callback.status_code == 302 and callback["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    staff.refresh_from_db()
    assert (staff.email, staff.name) == ("ops@example.com", "Ops")
    assert identity_provider.count("/oidc/token") == 1


@pytest.mark.urls("oidc_urls")
@pytest.mark.parametrize(
    "claims",
    [{"aud": "another-app"}, {"iss": "https://evil.example.com/oidc"}],
    ids=["wrong-aud", "wrong-iss"],
)
def test_an_id_token_for_another_app_or_issuer_logs_nobody_in(
    client, identity_provider, settings, claims
):
    User.objects.create_user("ops", oidc_subject="staff-sub", is_staff=True)
    identity_provider.userinfo = {"sub": "staff-sub"}
    identity_provider.id_token_claims = claims
    callback = _logto_login(client, identity_provider, settings)
    assert callback.status_code in (302, 400)
    assert callback.get("Location") != "/admin/"
    assert client.get("/admin/").status_code == 302  # back to the login page
