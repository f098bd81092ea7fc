"""The schema generates without warnings, validates as OpenAPI 3, and the docs render."""

import io

import pytest
import yaml
from django.core.management import call_command
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def test_schema_generates_without_warnings_and_validates():
    out = io.StringIO()
    # --fail-on-warn turns any drf-spectacular warning or error into a failure.
    call_command("spectacular", "--fail-on-warn", "--validate", stdout=out)
    schema = yaml.safe_load(out.getvalue())
    validate(schema)
    assert schema["openapi"].startswith("3.")
    assert any(path.startswith("/api/v1") for path in schema["paths"])


def test_schema_is_served_as_json(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    validate(response.json())


@pytest.mark.parametrize("path", ["/api/docs", "/api/redoc"])
def test_docs_pages_render_from_local_assets(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn." not in html


def test_api_root_points_at_the_docs(client):
    response = client.get("/api/v1/")
    assert response.status_code == 200
    assert response.json()["docs"].endswith("/api/docs")
