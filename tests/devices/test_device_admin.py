"""The device admin: pages load, actions go through the services, upstream errors are shown."""

import base64

import pytest
from django.contrib.messages import get_messages
from factories.devices import DeviceFactory

from devices.models import Device, DeviceMembership, Role
from devices.services import lifecycle

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("url", ["/admin/devices/device/", "/admin/devices/device/add/",
                                 "/admin/devices/upstreamevent/", "/admin/devices/deviceapikey/",
                                 "/admin/devices/devicemembership/"])
def test_admin_pages_load(admin_client, url):
    DeviceFactory(name="Listed")
    response = admin_client.get(url, {"q": "Listed"} if url.endswith("device/") else None)
    assert response.status_code == 200


def test_change_page_shows_state_and_the_session_panel(admin_client):
    device = DeviceFactory(name="Sales")
    response = admin_client.get(f"/admin/devices/device/{device.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Log in with QR code" in html
    assert "Send a test message" in html


def test_adding_a_device_in_the_admin_creates_the_slot_and_an_owner(admin_client, admin_user,
                                                                   sandbox):
    response = admin_client.post("/admin/devices/device/add/", {"name": "From admin",
                                 **_empty_inlines()})
    assert response.status_code == 302, response.content[:500]
    device = Device.objects.get(name="From admin")
    assert device.upstream_id == str(device.pk)
    assert DeviceMembership.objects.get(device=device).user == admin_user
    assert DeviceMembership.objects.get(device=device).role == Role.OWNER


def test_adding_a_device_while_the_upstream_is_down_shows_the_error(admin_client, settings):
    settings.WHATSAPP_API_URL = "http://127.0.0.1:1"
    response = admin_client.post("/admin/devices/device/add/", {"name": "Offline",
                                 **_empty_inlines()})
    assert response.status_code == 200
    assert "unavailable" in response.content.decode()
    assert not Device.objects.exists()


def test_the_qr_view_returns_a_png_and_the_scan_connects(admin_client, sandbox):
    device = lifecycle.device_provision(device=DeviceFactory())
    response = admin_client.post(f"/admin/devices/device/{device.pk}/login-qr/")
    assert response.status_code == 200
    body = response.json()
    assert base64.b64decode(body["qr_code"].split(",", 1)[1])[:4] == b"\x89PNG"
    assert body["expires_in"] > 0
    sandbox.scan(device.slot_id)
    refreshed = admin_client.post(f"/admin/devices/device/{device.pk}/operate/",
                                  {"operation": "refresh"})
    assert refreshed.status_code == 302
    assert admin_client.get(f"/admin/devices/device/{device.pk}/state/").json()["state"] == (
        "connected"
    )
    sent = admin_client.post(f"/admin/devices/device/{device.pk}/operate/",
                             {"operation": "test_message", "to": "+6282222222222", "text": "Hi"})
    assert any("Sent (message id" in m for m in _messages(sent))


def test_an_unreachable_upstream_is_a_message_not_a_500(admin_client, settings):
    device = DeviceFactory()
    settings.WHATSAPP_API_URL = "http://127.0.0.1:1"
    qr = admin_client.post(f"/admin/devices/device/{device.pk}/login-qr/")
    assert (qr.status_code, qr.json()["code"]) == (503, "upstream_unavailable")
    operated = admin_client.post(f"/admin/devices/device/{device.pk}/operate/",
                                 {"operation": "logout"})
    assert operated.status_code == 302
    assert any("unavailable" in m for m in _messages(operated))
    deleted = admin_client.post(f"/admin/devices/device/{device.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert Device.objects.filter(pk=device.pk).exists()


def test_list_actions_call_the_services(admin_client, sandbox):
    device = lifecycle.device_provision(device=DeviceFactory())
    lifecycle.device_login_qr(device=device)
    sandbox.scan(device.slot_id)
    response = admin_client.post("/admin/devices/device/", {
        "action": "log_out", "_selected_action": [str(device.pk)],
    })
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.state == Device.State.LOGGED_OUT


def _empty_inlines() -> dict:
    return {
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
        "api_keys-TOTAL_FORMS": "0", "api_keys-INITIAL_FORMS": "0",
    }


def test_upstream_events_are_read_only_in_the_admin(admin_client):
    from devices.models import UpstreamEvent

    event = UpstreamEvent.objects.create(
        source="webhook", event="message", dedupe_key="k", payload={"event": "message"}
    )
    assert admin_client.get("/admin/devices/upstreamevent/add/").status_code == 403
    page = admin_client.get(f"/admin/devices/upstreamevent/{event.pk}/change/")
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    listing = admin_client.get("/admin/devices/upstreamevent/", {"received_at__year": "2026"})
    assert listing.status_code == 200


def test_the_device_page_links_to_its_events(admin_client):
    from devices.models import UpstreamEvent

    device, other = DeviceFactory(), DeviceFactory()
    for n, owner in enumerate([device, other]):
        UpstreamEvent.objects.create(
            device=owner, source="webhook", event="message", dedupe_key=f"k{n}", payload={}
        )
    page = admin_client.get(f"/admin/devices/device/{device.pk}/change/").content.decode()
    link = f"/admin/devices/upstreamevent/?device__id__exact={device.pk}"
    assert link in page
    listing = admin_client.get(link)
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 1


def _connected_device(sandbox) -> Device:
    device = lifecycle.device_provision(device=DeviceFactory(name="Sales"))
    lifecycle.device_login_qr(device=device)
    sandbox.scan(device.slot_id)
    return lifecycle.device_status_refresh(device=device)


@pytest.mark.django_db(transaction=True)
def test_a_rename_in_the_admin_keeps_a_logout_that_landed_meanwhile(
    admin_client, sandbox, row_lock
):
    """Staff rename a device while it is being logged out: the rename writes the name only,
    through the device service, so the logout's state and cleared account stay."""
    device = _connected_device(sandbox)
    lock = row_lock(Device, device.pk)
    pending = lock.blocked(
        admin_client.post,
        f"/admin/devices/device/{device.pk}/change/",
        {"name": "Sales (renamed)", **_empty_inlines()},
    )
    lock.commit(lifecycle.device_logout, device=Device.objects.get(pk=device.pk))
    assert pending.result(timeout=10).status_code == 302
    device.refresh_from_db()
    assert (device.name, device.state, device.jid) == ("Sales (renamed)", "logged_out", "")
