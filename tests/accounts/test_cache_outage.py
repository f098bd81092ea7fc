"""Requests go on when the shared cache (Redis) stops answering: budgets are not counted and
the identity provider's key set is kept by each process."""

import pytest
from factories.devices import DeviceFactory, api_key_for
from identity_provider import bearer

from accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


def test_an_api_key_request_is_answered_without_the_cache(api_client, cache_down):
    device = DeviceFactory()
    _, key = api_key_for(device)
    response = api_client.get("/api/v1/devices", HTTP_X_API_KEY=key)
    assert response.status_code == 200
    assert [d["id"] for d in response.json()["results"]] == [str(device.pk)]


def test_tokens_are_verified_without_the_cache(api_client, identity_provider, cache_down):
    user = User.objects.create_user("ana", oidc_subject="ana-sub")
    for _ in range(3):
        response = api_client.get("/api/v1/users/me", **bearer(identity_provider, user))
        assert response.status_code == 200
    # The set is fetched once and then kept by the process, not fetched per request.
    assert identity_provider.jwks_fetches == 1


def test_bad_credentials_are_still_401_without_the_cache(api_client, cache_down):
    response = api_client.get("/api/v1/devices", HTTP_X_API_KEY="wa_abcdefgh_" + "x" * 32)
    assert (response.status_code, response.json()["code"]) == (401, "authentication_failed")
