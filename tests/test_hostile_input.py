"""Hostile input found by fuzzing: each is a clear 4xx, never a 500, and stores nothing bad.

Regression tests for a schemathesis + hand-crafted run against the whole API.
"""

import base64
import json

import pytest
from factories.devices import DeviceFactory, api_key_for

from devices.models import Device, UpstreamEvent
from devices.whatsapp.signing import sign

pytestmark = pytest.mark.django_db

WEBHOOK = "/api/v1/webhooks/whatsapp"


@pytest.fixture
def keyed(api_client):
    """An API client holding a full key of a fresh device."""
    device = DeviceFactory()
    _, raw = api_key_for(device)
    api_client.credentials(HTTP_X_API_KEY=raw)
    return api_client, device


def _raw_post(client, path, body: bytes, **headers):
    return client.generic("POST", path, body, content_type="application/json", **headers)


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000,
        b'{"a":' * 50_000,
        b'{"name": NaN}',
        b'{"name": "x\\u0000y"}',
        b'{"name": "x\\ud800y"}',
        b"\xff\xfe not utf-8",
    ],
    ids=["deep-array", "deep-object", "nan", "nul", "lone-surrogate", "not-utf8"],
)
def test_bodies_the_database_could_not_store_are_400(keyed, body):
    client, device = keyed
    response = client.generic(
        "PATCH", f"/api/v1/devices/{device.pk}", body, content_type="application/json"
    )
    assert response.status_code == 400, response.content[:200]
    assert response.json()["code"] == "malformed_request"
    device.refresh_from_db()
    assert "\x00" not in device.name


@pytest.mark.parametrize("method", ["DISPATCH", "SETUP", "INITIAL", "REQUIRED_ROLE", "THROTTLED"])
def test_a_method_named_after_a_view_attribute_is_405(keyed, method):
    client, _ = keyed
    response = client.generic(method, "/api/v1/devices")
    assert response.status_code == 405


def test_an_oversized_json_body_is_413_json(keyed, settings):
    client, device = keyed
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = json.dumps({"name": "x" * 4096}).encode()
    response = client.generic(
        "PATCH", f"/api/v1/devices/{device.pk}", body, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_the_api_root_without_its_slash_answers(api_client, settings):
    settings.DEBUG = True  # where APPEND_SLASH used to raise on a POST
    assert api_client.get("/api/v1").status_code == 200
    assert api_client.post("/api/v1").status_code == 405


def _cursor(query: str) -> str:
    return base64.b64encode(query.encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64!",
        _cursor("p=9999-12-31T23%3A59%3A59-14%3A00"),
        _cursor("p=0001-01-01T00%3A00%3A00%2B01%3A00&r=1"),
        _cursor("p=yesterday"),
        _cursor("p=2024-01-01T00%3A00%3A00"),
    ],
    ids=["garbage", "year-9999", "year-1", "not-a-date", "naive"],
)
def test_a_forged_cursor_is_400_invalid_cursor(keyed, cursor):
    client, _ = keyed
    response = client.get("/api/v1/devices", {"cursor": cursor})
    assert response.status_code == 400, response.content[:200]
    assert response.json()["code"] == "invalid_cursor"


def test_a_cursor_with_an_extreme_offset_is_normalised_to_utc(keyed):
    """PostgreSQL refuses a +23:59 offset; the position reaches it in UTC."""
    client, _ = keyed
    response = client.get(
        "/api/v1/devices", {"cursor": _cursor("p=2024-01-01T00%3A00%3A00%2B23%3A59")}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "phone", ["+²³⁴⁵⁶⁷⁸", "٠١٢٣٤٥٦٧٨٩", "\uff11\uff12\uff13\uff14\uff15\uff16\uff17"]
)
def test_pairing_code_takes_ascii_digits_only(keyed, phone):
    client, device = keyed
    response = client.post(
        f"/api/v1/devices/{device.pk}/login/code", {"phone_number": phone}, format="json"
    )
    assert response.status_code == 400
    assert "phone_number" in response.json()["errors"]


def test_reconnecting_a_device_that_never_logged_in_is_409(keyed):
    client, device = keyed
    response = client.post(f"/api/v1/devices/{device.pk}/reconnect")
    assert response.status_code == 409
    assert response.json()["code"] == "device_not_logged_in"


# ---- the webhook: nothing reaches the database before the signature is checked ----------


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000,
        b'{"event":"x","session_id":"\\ud800"}',
        b'{"event":"x","device_id":"\\udfff@s.whatsapp.net"}',
        b'{"event":"x","session_id":"a\\u0000b"}',
    ],
    ids=["deep", "surrogate-session", "surrogate-device", "nul-session"],
)
def test_unsigned_hostile_webhooks_are_401(client, body):
    response = _raw_post(client, WEBHOOK, body)
    assert response.status_code == 401
    assert not UpstreamEvent.objects.exists()


def test_the_global_secret_cannot_sign_for_a_known_device(client, settings):
    device = Device.objects.create(name="Tenant B", upstream_id="slot-b")
    body = json.dumps(
        {"event": "message", "session_id": "slot-b", "payload": {"id": "FORGED"}}
    ).encode()
    response = _raw_post(
        client, WEBHOOK, body, HTTP_X_HUB_SIGNATURE_256=sign(settings.WHATSAPP_WEBHOOK_SECRET, body)
    )
    assert response.status_code == 401
    assert not UpstreamEvent.objects.filter(device=device).exists()


@pytest.mark.parametrize(
    "body",
    [
        b'{"event":"message.ack","payload":{"ids":5}}',
        b'{"event":"\\ud800","payload":{"id":"\\ud800"}}',
        b'{"event":"message","payload":{"id":"n","x":NaN,"y":Infinity}}',
        b'{"event":"a\\u0000b","payload":{"id":"z\\u0000","body":"\\u0000"}}',
    ],
    ids=["ids-not-a-list", "surrogates", "non-finite", "nul"],
)
def test_signed_odd_events_are_recorded_sanitised(client, settings, body):
    response = _raw_post(
        client, WEBHOOK, body, HTTP_X_HUB_SIGNATURE_256=sign(settings.WHATSAPP_WEBHOOK_SECRET, body)
    )
    assert response.status_code == 200, response.content[:300]
    stored = UpstreamEvent.objects.get()
    text = json.dumps(stored.payload)
    assert "\\u0000" not in text and "NaN" not in text and "Infinity" not in text
