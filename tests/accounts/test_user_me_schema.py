"""`GET /users/me` in the OpenAPI schema: every status it answers, and an output that matches."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from factories.accounts import UserFactory
from identity_provider import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def operation():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return schema, schema["paths"]["/api/v1/users/me"]["get"]


def _output(schema, operation) -> dict:
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_every_status_is_documented(operation):
    _, get = operation
    assert set(get["responses"]) == {"200", "401", "403", "429"}
    for status in ("401", "403", "429"):
        ref = get["responses"][status]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith("/ErrorOutput")


def test_empty_profile_fields_match_the_schema(api_client, identity_provider, operation):
    """A user without email or picture gets "" for them: the schema must not promise a URI or
    an email address there."""
    schema, get = operation
    properties = _output(schema, get)["properties"]
    user = UserFactory(email="", picture_url="")
    body = api_client.get("/api/v1/users/me", **bearer(identity_provider, user)).json()
    for field in ("email", "picture_url"):
        assert body[field] == ""
        assert properties[field]["type"] == "string"
        assert "format" not in properties[field]
