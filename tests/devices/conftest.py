"""Fixtures of the devices tests."""

import pytest
from identity_provider import api_client_fixture, bearer, identity_provider_fixture  # noqa: F401


@pytest.fixture
def as_user(api_client, identity_provider):
    """A function: `as_user(user)` makes api_client send a valid token for `user`."""

    def authenticate(user):
        api_client.credentials(**bearer(identity_provider, user))
        return api_client

    return authenticate
