"""Answers a real GOWA would not give, or account data the database cannot hold as it is:
never a 500, and nothing stored is lost."""

import pytest
from factories.devices import DeviceFactory, api_key_for

from devices.models import Device
from devices.services import lifecycle

pytestmark = pytest.mark.django_db


@pytest.fixture
def device(sandbox):
    return lifecycle.device_provision(device=DeviceFactory())


@pytest.fixture
def admin_key(device):
    return {"HTTP_X_API_KEY": api_key_for(device)[1]}


@pytest.mark.parametrize(
    ("action", "body", "status", "code"),
    [
        ("login", None, 503, "upstream_unavailable"),
        ("login/code", {"phone_number": "6281234567890"}, 504, "upstream_timeout"),
    ],
)
def test_a_login_answered_without_its_qr_or_code_is_not_a_500(
    api_client, sandbox, device, admin_key, action, body, status, code
):
    sandbox.fault(path=f"/devices/{device.slot_id}/{action}", status=200, code="SUCCESS")
    response = api_client.post(
        f"/api/v1/devices/{device.pk}/{action}", body, format="json", **admin_key
    )
    assert (response.status_code, response.json()["code"]) == (status, code)
    device.refresh_from_db()
    assert device.state != Device.State.AWAITING_SCAN


@pytest.mark.parametrize(
    ("push_name", "stored"),
    [("N" * 300, "N" * 200), ("Ana\x00Maria", "Ana\ufffdMaria")],
)
def test_a_push_name_the_column_cannot_hold_is_stored_as_it_can_be(
    api_client, sandbox, device, admin_key, push_name, stored
):
    lifecycle.device_login_qr(device=device)
    sandbox.scan(device.slot_id, phone="6281234567890", push_name=push_name)
    response = api_client.get(f"/api/v1/devices/{device.pk}/status", **admin_key)
    assert response.status_code == 200
    assert response.json()["stale"] is False
    device.refresh_from_db()
    assert (device.state, device.display_name) == (Device.State.CONNECTED, stored)


def test_status_shows_the_stored_state_when_the_upstream_refuses_to_say(
    api_client, sandbox, device, admin_key
):
    stored_before = Device.objects.get(pk=device.pk)
    sandbox.fault(method="GET", path=f"/devices/{device.slot_id}", status=400, code="ODD")
    response = api_client.get(f"/api/v1/devices/{device.pk}/status", **admin_key)
    assert response.status_code == 200
    assert response.json()["stale"] is True
    stored = Device.objects.get(pk=device.pk)
    assert response.json()["state"] == stored.state == stored_before.state
    assert stored.state_checked_at == stored_before.state_checked_at
