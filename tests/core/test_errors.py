"""Every error of the API has one shape: {"code", "message", "errors"?}."""

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.error_urls")]


def test_invalid_input_is_400_with_field_errors(api_client):
    response = api_client.post("/api/v1/conflict", {"name": "far too long"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert set(body["errors"]) == {"name"}
    assert body["message"]


def test_malformed_json_is_400_malformed_request(api_client):
    response = api_client.post(
        "/api/v1/conflict", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"


def test_application_error_keeps_its_code_and_status(api_client):
    response = api_client.post("/api/v1/conflict", {"name": "ok"}, format="json")
    assert response.status_code == 409
    assert response.json() == {"code": "conflict", "message": "Device is not connected."}


def test_django_http404_becomes_not_found_without_detail(api_client):
    response = api_client.get("/api/v1/http404")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found."}


def test_django_permission_denied_becomes_403(api_client):
    response = api_client.get("/api/v1/denied")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_missing_credentials_have_a_stable_code(api_client):
    response = api_client.get("/api/v1/private")
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


def test_unknown_api_url_is_json_404(api_client):
    response = api_client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_wrong_method_is_405(api_client):
    response = api_client.delete("/api/v1/conflict")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
