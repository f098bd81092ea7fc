"""Requests go on when the shared cache (Redis) stops answering: budgets are not counted and
the identity provider's key set is kept by each process."""

import socket
import threading

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


@pytest.fixture
def cache_hangs(settings):
    """A 'Redis' that accepts connections and never answers; counts the connections."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{server.getsockname()[1]}/0",
            "OPTIONS": {"socket_connect_timeout": 0.3, "socket_timeout": 0.3},
        }
    }
    yield accepted
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


def test_a_hanging_cache_is_left_alone_after_it_failed(api_client, cache_hangs):
    """One request waits out the cache's timeout; the next ones do not try it again (each try
    would cost every request the timeout, several times over)."""
    device = DeviceFactory()
    _, key = api_key_for(device)
    for _ in range(5):
        assert api_client.get("/api/v1/devices", HTTP_X_API_KEY=key).status_code == 200
    assert len(cache_hangs) == 1
