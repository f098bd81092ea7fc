"""Request budgets per dashboard user and per API key, counted in the shared cache."""

import pytest
from django.core.cache import cache
from factories.accounts import UserFactory
from factories.devices import DeviceFactory, api_key_for
from identity_provider import bearer

pytestmark = pytest.mark.django_db


def _fresh_budgets(*users) -> None:
    """On SQLite a rolled-back test frees its user ids for the next test, which would inherit
    the budget counted in the (process-wide) cache."""
    for user in users:
        cache.delete_many([f"throttle:user:{user.pk}", f"throttle:device_link:user:{user.pk}"])


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
    _fresh_budgets(first, second)
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
    _fresh_budgets(user)
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
