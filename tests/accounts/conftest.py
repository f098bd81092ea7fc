"""Every test here may use the local identity provider and a client with its own address."""

from identity_provider import api_client_fixture, identity_provider_fixture  # noqa: F401
