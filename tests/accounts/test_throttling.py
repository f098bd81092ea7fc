"""Request budgets per dashboard user and per API key, counted in the shared cache."""

import secrets

import pytest
from factories.accounts import UserFactory
from factories.devices import DeviceFactory, api_key_for
from identity_provider import bearer
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def _address() -> str:
    """A client address of this test's own (each test also counts under its own cache prefix:
    see the `isolated_cache` fixture)."""
    return "10." + ".".join(str(secrets.randbelow(250) + 1) for _ in range(3))


@pytest.fixture
def tight_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "user": "2/min",
            "api_key": "3/min",
        },
    }


def test_each_user_has_their_own_budget(api_client, identity_provider, tight_rates):
    first, second = UserFactory(), UserFactory()
    for _ in range(2):
        assert (
            api_client.get("/api/v1/users/me", **bearer(identity_provider, first)).status_code
            == 200
        )
    response = api_client.get("/api/v1/users/me", **bearer(identity_provider, first))
    assert (response.status_code, response.json()["code"]) == (429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert (
        api_client.get("/api/v1/users/me", **bearer(identity_provider, second)).status_code == 200
    )


def test_each_api_key_has_its_own_budget(api_client, tight_rates):
    device = DeviceFactory()
    (_, first), (_, second) = api_key_for(device), api_key_for(device)
    for _ in range(3):
        assert api_client.get("/api/v1/devices", HTTP_X_API_KEY=first).status_code == 200
    assert api_client.get("/api/v1/devices", HTTP_X_API_KEY=first).status_code == 429
    assert api_client.get("/api/v1/devices", HTTP_X_API_KEY=second).status_code == 200


def test_linking_by_api_key_has_a_budget_of_its_own(api_client, identity_provider, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "device_link": "2/hour",
        },
    }
    user = UserFactory()
    headers = bearer(identity_provider, user)
    for _ in range(2):
        response = api_client.post(
            "/api/v1/users/me/devices", {"api_key": "wa_guess"}, format="json", **headers
        )
        assert response.status_code == 400
    response = api_client.post(
        "/api/v1/users/me/devices", {"api_key": "wa_guess"}, format="json", **headers
    )
    assert response.status_code == 429
    assert api_client.get("/api/v1/users/me/devices", **headers).status_code == 200


@pytest.fixture
def failure_limit(settings):
    """Three failed authentications per address per minute; X-Forwarded-For is not trusted."""

    def set_proxies(num_proxies):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "NUM_PROXIES": num_proxies,
            "DEFAULT_THROTTLE_RATES": {
                **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                "auth_failure": "3/min",
            },
        }

    set_proxies(0)
    return set_proxies


@pytest.mark.parametrize("num_proxies", [0, None])
def test_a_rotating_x_forwarded_for_neither_escapes_nor_charges_others(
    api_client, identity_provider, failure_limit, num_proxies
):
    """The failed-authentication budget counts REMOTE_ADDR (with no trusted proxy): a client
    that forges a new X-Forwarded-For per request is still stopped, and the addresses it names
    (here the victim's) are not charged. DRF itself would use a raw X-Forwarded-For with
    NUM_PROXIES None; the budget must not."""
    failure_limit(num_proxies)
    attacker_address, victim_address = _address(), _address()
    attacker = APIClient(REMOTE_ADDR=attacker_address)
    victim = APIClient(REMOTE_ADDR=victim_address)
    codes = []
    for forged in (_address(), victim_address, f"{victim_address}, {_address()}", _address()):
        attacker.credentials(HTTP_AUTHORIZATION="Bearer garbage", HTTP_X_FORWARDED_FOR=forged)
        codes.append(attacker.get("/api/v1/users/me").status_code)
    assert codes == [401, 401, 401, 429]
    victim.credentials(HTTP_AUTHORIZATION="Bearer garbage", HTTP_X_FORWARDED_FOR=attacker_address)
    assert victim.get("/api/v1/users/me").status_code == 401


def test_behind_one_trusted_proxy_the_proxy_given_address_is_counted(
    identity_provider, failure_limit
):
    """With NUM_PROXIES = 1 the proxy appends the real client address: that is the one counted."""
    failure_limit(1)
    proxy = APIClient(REMOTE_ADDR=_address())
    client_address, other_address = _address(), _address()
    for _ in range(3):
        proxy.credentials(
            HTTP_AUTHORIZATION="Bearer garbage",
            HTTP_X_FORWARDED_FOR=f"{_address()}, {client_address}",
        )
        assert proxy.get("/api/v1/users/me").status_code == 401
    proxy.credentials(HTTP_AUTHORIZATION="Bearer garbage", HTTP_X_FORWARDED_FOR=client_address)
    assert proxy.get("/api/v1/users/me").status_code == 429
    proxy.credentials(HTTP_AUTHORIZATION="Bearer garbage", HTTP_X_FORWARDED_FOR=other_address)
    assert proxy.get("/api/v1/users/me").status_code == 401


def test_an_address_over_its_failure_budget_still_takes_valid_credentials(
    identity_provider, failure_limit
):
    """One bad client behind a shared address (an office NAT, a frontend's server) must not
    lock the others out: what fails there is refused with 429, a valid token or key works."""
    address = _address()
    client = APIClient(REMOTE_ADDR=address)
    device = DeviceFactory()
    _, key = api_key_for(device)
    for _ in range(3):
        assert client.get("/api/v1/users/me", HTTP_X_API_KEY="wa_bad_key").status_code == 401
    refused = client.get("/api/v1/devices", HTTP_X_API_KEY="wa_bad_key")
    assert (refused.status_code, refused.json()["code"]) == (429, "throttled")
    assert int(refused["Retry-After"]) > 0
    assert client.get("/api/v1/devices", HTTP_X_API_KEY=key).status_code == 200
    token = identity_provider.token()
    assert client.get("/api/v1/users/me", HTTP_AUTHORIZATION="Bearer " + token).status_code == 200
    bad_token = client.get("/api/v1/users/me", HTTP_AUTHORIZATION="Bearer garbage")
    assert bad_token.status_code == 429


def test_over_the_budget_an_unknown_key_id_fetches_nothing(identity_provider, failure_limit):
    """Over the budget, a token naming a key id the held set lacks is refused without a trip
    to the identity provider."""
    address = _address()
    client = APIClient(REMOTE_ADDR=address)
    good = identity_provider.token()
    assert client.get("/api/v1/users/me", HTTP_AUTHORIZATION="Bearer " + good).status_code == 200
    for _ in range(3):
        assert client.get("/api/v1/users/me", HTTP_AUTHORIZATION="Bearer x").status_code == 401
    fetches = identity_provider.jwks_fetches
    forged = identity_provider.token_signed_by_stranger("made-up")
    response = client.get("/api/v1/users/me", HTTP_AUTHORIZATION="Bearer " + forged)
    assert response.status_code == 429
    assert identity_provider.jwks_fetches == fetches
