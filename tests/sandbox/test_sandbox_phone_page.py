"""The phone page people use in demos, and the device list it reads."""

from __future__ import annotations

from sandbox_helpers import Gowa


def test_phone_page_is_served_without_credentials(gowa: Gowa) -> None:
    response = gowa.control("GET", "/")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "/_sandbox/devices" in response.text
    assert "/_sandbox/event-routes" in response.text  # the form for any phone event


def test_device_list_shows_state_and_whether_a_login_is_open(gowa: Gowa) -> None:
    gowa.create_device("d1")
    gowa.paired_device("d2")
    assert gowa.get("/devices/d1/login").status_code == 200
    listed = {d["id"]: d for d in gowa.control("GET", "/devices").json()}
    assert listed["d1"]["login_open"] is True
    assert listed["d1"].get("jid", "") == ""
    assert listed["d2"]["login_open"] is False
    assert listed["d2"]["jid"].endswith("@s.whatsapp.net")
