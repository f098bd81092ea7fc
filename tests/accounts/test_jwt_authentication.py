"""Logto access tokens, verified against a local identity provider over real HTTP."""

import time

import pytest
from identity_provider import API_RESOURCE, APP_ID, assert_authentication_failed

from accounts.models import User

pytestmark = pytest.mark.django_db

ME = "/api/v1/users/me"


def _get(api_client, token: str):
    return api_client.get(ME, HTTP_AUTHORIZATION="Bearer " + token)


def test_valid_es384_token_creates_the_user_from_its_claims(api_client, identity_provider):
    """The first sight of a subject creates the user with email, name and picture."""
    token = identity_provider.token(
        sub="abc123",
        email="ana@example.com",
        name="Ana",
        picture="https://img.example.com/ana.png",
    )
    response = _get(api_client, token)
    assert response.status_code == 200, response.content
    user = User.objects.get(oidc_subject="abc123")
    assert (user.email, user.name, user.picture_url) == (
        "ana@example.com",
        "Ana",
        "https://img.example.com/ana.png",
    )
    assert user.has_usable_password() is False
    assert response.json()["email"] == "ana@example.com"
    # The second sight finds the same user.
    assert _get(api_client, token).json()["id"] == user.pk
    assert User.objects.filter(oidc_subject="abc123").count() == 1


def test_valid_rs256_token_is_accepted(api_client, identity_provider):
    response = _get(api_client, identity_provider.token(kid="rsa-1", sub="rsa-user"))
    assert response.status_code == 200
    assert User.objects.filter(oidc_subject="rsa-user").exists()


def test_audience_falls_back_to_the_app_id(api_client, identity_provider, settings):
    settings.LOGTO_API_RESOURCE = ""
    assert _get(api_client, identity_provider.token(aud=APP_ID)).status_code == 200
    assert_authentication_failed(_get(api_client, identity_provider.token(aud=API_RESOURCE)))


def test_later_tokens_keep_the_profile_current(api_client, identity_provider):
    _get(api_client, identity_provider.token(sub="s1", name="Old"))
    _get(api_client, identity_provider.token(sub="s1", name="New"))
    assert User.objects.get(oidc_subject="s1").name == "New"


def test_email_of_another_user_is_not_taken_over(api_client, identity_provider):
    """Accounts match by subject only: a token claiming a staff email gets its own user."""
    staff = User.objects.create_user("staff", email="boss@example.com", is_staff=True)
    response = _get(api_client, identity_provider.token(sub="intruder", email="Boss@example.com"))
    assert response.status_code == 200
    intruder = User.objects.get(oidc_subject="intruder")
    assert intruder.pk != staff.pk
    assert intruder.email == ""


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda idp: idp.unsigned_token(), id="alg-none"),
        pytest.param(lambda idp: idp.hs256_token_with_public_key(), id="hs256-with-public-key"),
        pytest.param(
            lambda idp: idp.hs256_token_with_public_key(kid="rsa-1"), id="hs256-with-rsa-key"
        ),
        pytest.param(lambda idp: idp.token(exp=int(time.time()) - 120), id="expired"),
        pytest.param(lambda idp: idp.token(nbf=int(time.time()) + 120), id="not-yet-valid"),
        pytest.param(lambda idp: idp.token(iss=idp.issuer + "/"), id="wrong-iss-trailing-slash"),
        pytest.param(lambda idp: idp.token(iss="https://evil.example.com/oidc"), id="wrong-iss"),
        pytest.param(lambda idp: idp.token(aud="https://other-api.example.com"), id="wrong-aud"),
        pytest.param(lambda idp: idp.token(exp=None), id="no-exp"),
        pytest.param(lambda idp: idp.token(aud=None), id="no-aud"),
        pytest.param(lambda idp: idp.token(sub=None), id="no-sub"),
        pytest.param(lambda idp: _tamper(idp.token()), id="tampered-signature"),
        pytest.param(lambda idp: _tamper_payload(idp.token()), id="tampered-payload"),
        pytest.param(lambda idp: idp.token_signed_by_stranger("unknown-kid"), id="unknown-kid"),
        pytest.param(lambda idp: idp.token_signed_by_stranger("ec-1"), id="wrong-key-known-kid"),
        pytest.param(lambda idp: idp.token(headers={"kid": None}), id="no-kid"),
        pytest.param(
            lambda idp: idp.token(kid="rsa-1", headers={"kid": "ec-1"}), id="rs256-on-the-ec-kid"
        ),
        pytest.param(lambda idp: idp.token(headers={"typ": "JWT"}), id="id-token-type"),
        pytest.param(lambda idp: idp.token(headers={"typ": None}), id="no-type"),
        pytest.param(lambda idp: "not.a.jwt", id="garbage"),
        pytest.param(lambda idp: "", id="empty"),
    ],
)
def test_bad_tokens_are_401_and_create_nothing(api_client, identity_provider, make_token):
    users_before = User.objects.count()
    response = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {make_token(identity_provider)}")
    assert_authentication_failed(response)
    assert User.objects.count() == users_before


def test_leeway_is_at_most_sixty_seconds(api_client, identity_provider, settings):
    settings.LOGTO_JWT_LEEWAY = 3600
    assert _get(api_client, identity_provider.token(exp=int(time.time()) - 30)).status_code == 200
    assert_authentication_failed(
        _get(api_client, identity_provider.token(exp=int(time.time()) - 90))
    )


def test_an_algorithm_outside_the_pinned_list_is_rejected(api_client, identity_provider, settings):
    settings.LOGTO_JWT_ALGORITHMS = ["ES384"]
    assert_authentication_failed(_get(api_client, identity_provider.token(kid="rsa-1")))
    settings.LOGTO_JWT_ALGORITHMS = ["ES384", "RS256", "HS256", "none"]
    assert_authentication_failed(_get(api_client, identity_provider.hs256_token_with_public_key()))
    assert_authentication_failed(_get(api_client, identity_provider.unsigned_token()))


def test_inactive_user_is_rejected_and_left_as_stored(api_client, identity_provider):
    User.objects.create_user("gone", oidc_subject="gone", name="Old", is_active=False)
    token = identity_provider.token(sub="gone", name="New", email="new@example.com")
    assert_authentication_failed(_get(api_client, token))
    assert User.objects.filter(oidc_subject="gone", name="Old", email="").exists()


def test_missing_credentials_are_401_not_authenticated(api_client, identity_provider):
    response = api_client.get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "bearer"])
def test_malformed_bearer_header_is_401(api_client, identity_provider, header):
    assert_authentication_failed(api_client.get(ME, HTTP_AUTHORIZATION=header))


def test_unconfigured_identity_provider_rejects_every_token(
    api_client, identity_provider, settings
):
    token = identity_provider.token()
    settings.LOGTO_ENDPOINT = ""
    assert_authentication_failed(_get(api_client, token))
    assert identity_provider.jwks_fetches == 0


def test_the_key_set_is_fetched_once_and_cached(api_client, identity_provider):
    for _ in range(5):
        assert _get(api_client, identity_provider.token()).status_code == 200
    assert identity_provider.jwks_fetches == 1


def test_a_flood_of_unknown_kids_fetches_the_key_set_a_bounded_number_of_times(
    api_client, identity_provider, settings
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "auth_failure": None,
        },
    }
    assert _get(api_client, identity_provider.token()).status_code == 200
    for n in range(60):
        assert_authentication_failed(
            _get(api_client, identity_provider.token_signed_by_stranger(f"k{n}"))
        )
    # The first fetch, then at most one refresh for unknown kids per cool-down (60 s).
    assert identity_provider.jwks_fetches <= 2


def test_a_rotated_key_is_picked_up(api_client, identity_provider):
    assert _get(api_client, identity_provider.token()).status_code == 200
    identity_provider.add_key("ec-2")
    assert _get(api_client, identity_provider.token(kid="ec-2")).status_code == 200
    assert identity_provider.jwks_fetches == 2


def test_the_provider_going_down_does_not_break_valid_tokens(
    api_client, identity_provider, settings
):
    settings.LOGTO_JWKS_REFRESH_COOLDOWN = 1
    assert _get(api_client, identity_provider.token()).status_code == 200
    identity_provider.down = True
    settings.LOGTO_JWKS_CACHE_TTL = 0  # every request now finds the set stale
    time.sleep(1.1)  # past the cool-down: the next request tries the provider, and fails
    for _ in range(10):
        assert _get(api_client, identity_provider.token()).status_code == 200
    # One failed refetch in the cool-down, not one per request; the last good set answered.
    assert identity_provider.jwks_fetches == 2
    assert_authentication_failed(
        _get(api_client, identity_provider.token_signed_by_stranger("nope"))
    )


def test_provider_down_before_any_fetch_is_503(api_client, identity_provider):
    identity_provider.down = True
    response = _get(api_client, identity_provider.token())
    assert response.status_code == 503
    assert response.json()["code"] == "identity_provider_unavailable"
    assert User.objects.count() == 0


def test_repeated_failures_are_throttled(api_client, identity_provider, settings):
    """After `auth_failure` failures what fails from an address is refused with 429; a valid
    token from it still works."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "auth_failure": "3/min",
        },
    }
    for _ in range(3):
        assert_authentication_failed(_get(api_client, "garbage"))
    response = _get(api_client, _tamper(identity_provider.token()))
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    assert _get(api_client, identity_provider.token()).status_code == 200


def _tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    flipped = ("A" if signature[10] != "A" else "B").join((signature[:10], signature[11:]))
    return f"{header}.{payload}.{flipped}"


def _tamper_payload(token: str) -> str:
    import base64
    import json

    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


@pytest.mark.parametrize("served", [{"keys": []}, {"keys": [{"kty": "EC"}]}])
def test_an_empty_key_set_from_the_provider_keeps_the_last_good_one(
    api_client, identity_provider, settings, served
):
    settings.LOGTO_JWKS_REFRESH_COOLDOWN = 1
    assert _get(api_client, identity_provider.token()).status_code == 200
    identity_provider.jwks_override = served
    settings.LOGTO_JWKS_CACHE_TTL = 0
    time.sleep(1.1)
    assert _get(api_client, identity_provider.token()).status_code == 200
    assert identity_provider.jwks_fetches == 2


def test_an_unverified_email_is_not_taken(api_client, identity_provider):
    """Members are added by email: an address the provider has not verified is not stored."""
    token = identity_provider.token(sub="unverified", email="ceo@example.com", email_verified=False)
    assert _get(api_client, token).status_code == 200
    assert User.objects.get(oidc_subject="unverified").email == ""
    silent = identity_provider.token(sub="silent", email="cfo@example.com", email_verified=None)
    assert _get(api_client, silent).status_code == 200
    assert User.objects.get(oidc_subject="silent").email == ""
    verified = identity_provider.token(sub="verified", email="ana@example.com", email_verified=True)
    assert _get(api_client, verified).status_code == 200
    assert User.objects.get(oidc_subject="verified").email == "ana@example.com"
