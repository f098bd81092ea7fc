"""The life of a device through the API, the listener and the reconcile task, end to end.

Real HTTP to the sandbox upstream, a real listener process on its WebSocket, a real worker
process on the configured broker.
"""

import base64

import pytest
from factories.accounts import UserFactory
from identity_provider import api_client_fixture, bearer, identity_provider_fixture  # noqa: F401

from devices.models import Device
from devices.services.sending import device_send_text
from devices.tasks import devices_reconcile_task
from tests.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _state(api, device_id) -> str:
    return api.get(f"/api/v1/devices/{device_id}").json()["state"]


def test_device_lifecycle_walk(api_client, identity_provider, sandbox, processes):
    api_client.credentials(**bearer(identity_provider, UserFactory()))
    created = api_client.post("/api/v1/devices", {"name": "Sales"}, format="json")
    assert created.status_code == 201, created.content
    device_id = created.json()["id"]
    slot = Device.objects.get(pk=device_id).slot_id

    listener = processes.listener()
    processes.worker()
    wait_for(lambda: sandbox.control("GET", "/ws/stats")["open"] == 1, 30, "the listener")

    login = api_client.post(f"/api/v1/devices/{device_id}/login")
    assert login.status_code == 200, login.content
    qr = login.json()
    assert qr["qr_code"].startswith("data:image/png;base64,")
    assert base64.b64decode(qr["qr_code"].split(",", 1)[1]).startswith(b"\x89PNG\r\n\x1a\n")
    assert 0 < qr["expires_in"] <= 30
    assert _state(api_client, device_id) == "awaiting_scan"

    # The phone scans: LOGIN_SUCCESS on the socket -> listener -> worker -> connected.
    sandbox.scan(slot, phone="6281234567890", push_name="Ana")
    wait_for(lambda: _state(api_client, device_id) == "connected", 30, "connected (listener)")
    detail = api_client.get(f"/api/v1/devices/{device_id}").json()
    assert detail["jid"] == "6281234567890@s.whatsapp.net"
    assert detail["phone_number"] == "6281234567890"

    # The reconcile task, through the broker, corrects a state that drifted.
    Device.objects.filter(pk=device_id).update(state=Device.State.DISCONNECTED)
    devices_reconcile_task.apply_async(queue=processes.queue)
    wait_for(lambda: _state(api_client, device_id) == "connected", 30, "connected (reconcile)")

    status = api_client.get(f"/api/v1/devices/{device_id}/status").json()
    assert (status["state"], status["stale"]) == ("connected", False)
    assert api_client.post(f"/api/v1/devices/{device_id}/login").json()["code"] == (
        "device_already_logged_in"
    )

    sent = device_send_text(device=Device.objects.get(pk=device_id), to="+62 822 2222 2222",
                            text="Hello")
    assert sent.message_id
    upstream_sent = sandbox.control("GET", "/sent", params={"message_id": sent.message_id})
    assert upstream_sent[0]["phone"] == "6282222222222@s.whatsapp.net"

    logout = api_client.post(f"/api/v1/devices/{device_id}/logout")
    assert logout.status_code == 200
    assert logout.json()["state"] == "logged_out"

    deleted = api_client.delete(f"/api/v1/devices/{device_id}")
    assert deleted.status_code == 204
    assert not Device.objects.filter(pk=device_id).exists()
    assert slot not in sandbox.slot_ids()
    listener.terminate()


def test_status_falls_back_to_the_stored_state_marked_stale(
    api_client, identity_provider, sandbox, settings
):
    owner = UserFactory()
    api_client.credentials(**bearer(identity_provider, owner))
    device_id = api_client.post("/api/v1/devices", {"name": "Sales"}, format="json").json()["id"]
    settings.WHATSAPP_API_URL = "http://127.0.0.1:1"
    status = api_client.get(f"/api/v1/devices/{device_id}/status")
    assert status.status_code == 200
    assert (status.json()["state"], status.json()["stale"]) == ("created", True)
    for action in ("login", "logout"):
        response = api_client.post(f"/api/v1/devices/{device_id}/{action}")
        assert response.status_code == 503
        assert response.json()["code"] == "upstream_unavailable"
    # Nothing to reconnect on a device that never logged in: known without asking.
    response = api_client.post(f"/api/v1/devices/{device_id}/reconnect")
    assert (response.status_code, response.json()["code"]) == (409, "device_not_logged_in")


def test_pairing_code_login_validates_the_phone(api_client, identity_provider, sandbox):
    api_client.credentials(**bearer(identity_provider, UserFactory()))
    device_id = api_client.post("/api/v1/devices", {"name": "Sales"}, format="json").json()["id"]
    bad = api_client.post(f"/api/v1/devices/{device_id}/login/code",
                          {"phone_number": "0812345"}, format="json")
    assert bad.status_code == 400
    assert "phone_number" in bad.json()["errors"]
    good = api_client.post(f"/api/v1/devices/{device_id}/login/code",
                           {"phone_number": "+62 812-3456-7890"}, format="json")
    assert good.status_code == 200, good.content
    assert good.json()["pair_code"]
