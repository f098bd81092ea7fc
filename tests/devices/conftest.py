"""Fixtures of the devices tests."""

from identity_provider import (  # noqa: F401
    api_client_fixture,
    as_user_fixture,
    bearer,
    identity_provider_fixture,
)
