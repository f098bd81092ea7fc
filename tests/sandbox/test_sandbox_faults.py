"""Injected faults: error statuses, plain-text errors, delays, hangs and dropped connections."""

from __future__ import annotations

import time

import pytest
import requests
import websocket
from sandbox_helpers import CONTACT_PHONE, Gowa

MESSAGE = {"phone": CONTACT_PHONE, "message": "hi"}


def add_fault(gowa: Gowa, **spec: object) -> int:
    response = gowa.control("POST", "/faults", json=spec)
    assert response.status_code == 200, response.text
    return response.json()["id"]


def test_status_fault_answers_in_gowa_error_shape(gowa: Gowa) -> None:
    gowa.paired_device("d1")
    add_fault(gowa, method="POST", path="/send/message", status=429, times=1)
    limited = gowa.post("/send/message", json=MESSAGE)
    assert limited.status_code == 429
    assert limited.json() == {"code": "WA_REACHOUT_TIMELOCK", "message": "Too Many Requests"}
    assert gowa.post("/send/message", json=MESSAGE).status_code == 200  # times=1 used up

    add_fault(gowa, path="/send/*", status=503, code="UPSTREAM_DOWN", message="maintenance")
    down = gowa.post("/send/image", json={**MESSAGE, "image_url": "https://e.com/a.png"})
    assert down.status_code == 503
    assert down.json() == {"code": "UPSTREAM_DOWN", "message": "maintenance"}
    assert gowa.get("/devices").status_code == 200  # other paths unaffected
    assert gowa.control("DELETE", "/faults").json() == {"cleared": 1}
    assert gowa.post("/send/message", json=MESSAGE).status_code == 200


def test_plain_text_fault(gowa: Gowa) -> None:
    add_fault(gowa, method="GET", path="/devices", status=502, plain_text=True)
    response = gowa.get("/devices")
    assert response.status_code == 502
    assert response.text == "Bad Gateway"
    assert response.headers["Content-Type"].startswith("text/plain")


def test_delay_fault_slows_then_answers_normally(gowa: Gowa) -> None:
    add_fault(gowa, method="GET", path="/devices", delay=0.3, times=1)
    started = time.monotonic()
    response = gowa.get("/devices")
    assert time.monotonic() - started >= 0.3
    assert response.json()["code"] == "SUCCESS"


def test_timeout_after_accept_never_answers(gowa: Gowa) -> None:
    gowa.paired_device("d1")
    add_fault(gowa, method="POST", path="/send/message", timeout_after_accept=True, times=1)
    with pytest.raises(requests.exceptions.ReadTimeout):
        gowa.post("/send/message", json=MESSAGE, timeout=0.5)
    # The request did reach the server (it was accepted, then left unanswered).
    seen = gowa.control("GET", "/requests", params={"path": "/send/message"}).json()
    assert seen[-1]["json"] == MESSAGE
    # Never answered: no status, or 499 once the sandbox has noticed the client hang up.
    assert seen[-1]["status"] in (None, 499)
    assert gowa.control("GET", "/sent").json() == []  # and nothing was sent


def test_run_handler_then_timeout_acts_but_never_answers(gowa: Gowa) -> None:
    gowa.paired_device("d1")
    add_fault(
        gowa,
        method="POST",
        path="/send/message",
        timeout_after_accept=True,
        run_handler=True,
        times=1,
    )
    with pytest.raises(requests.exceptions.ReadTimeout):
        gowa.post("/send/message", json=MESSAGE, timeout=0.5)
    # Unlike the plain hold, the upstream acted: the message went out, only its answer was lost.
    sent = gowa.control("GET", "/sent").json()
    assert [entry["fields"]["message"] for entry in sent] == ["hi"]
    seen = gowa.control("GET", "/requests", params={"path": "/send/message"}).json()
    assert seen[-1]["status"] in (None, 499)


def test_run_handler_then_drop_creates_the_device_and_cuts_the_answer(gowa: Gowa) -> None:
    add_fault(gowa, method="POST", path="/devices", drop_connection=True, run_handler=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        gowa.post("/devices", json={"device_id": "d1", "webhook_url": "http://h/hook"})
    assert [d["id"] for d in gowa.get("/devices").json()["results"]] == ["d1"]
    assert gowa.get("/devices/d1/webhook").json()["results"]["webhook_url"] == "http://h/hook"


def test_run_handler_with_a_status_replaces_the_answer(gowa: Gowa) -> None:
    add_fault(gowa, method="POST", path="/devices", status=500, run_handler=True, times=1)
    assert gowa.post("/devices", json={"device_id": "d1"}).status_code == 500
    assert [d["id"] for d in gowa.get("/devices").json()["results"]] == ["d1"]
    # A route that fails on its own is still answered by the fault, not by its own error.
    add_fault(gowa, method="POST", path="/devices", status=503, run_handler=True, times=1)
    assert gowa.post("/devices", json={"device_id": "d1"}).status_code == 503


def test_drop_connection_fault(gowa: Gowa) -> None:
    add_fault(gowa, method="*", path="/app/*", drop_connection=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(gowa.base_url + "/app/info", auth=("admin", "admin"), timeout=5)
    assert gowa.get("/devices").status_code == 200


def test_faults_apply_to_websocket_upgrades(gowa: Gowa) -> None:
    gowa.create_device("d1")
    add_fault(gowa, method="GET", path="/ws", status=503, times=1)
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        gowa.websocket()
    assert refused.value.status_code == 503
    add_fault(gowa, method="GET", path="/ws", drop_connection=True, times=1)
    with pytest.raises((websocket.WebSocketException, ConnectionError)):
        gowa.websocket()
    gowa.websocket().close()  # both faults used up


def test_invalid_fault_specs_are_rejected(gowa: Gowa) -> None:
    for spec in (
        {"path": "/x"},
        {"path": "/x", "status": "500"},
        {"path": "/x", "bogus": 1},
        {"path": "/x", "run_handler": True},
        {"path": "/x", "run_handler": True, "delay": 0.1},
    ):
        response = gowa.control("POST", "/faults", json=spec)
        assert response.status_code == 400, spec
        assert response.json()["code"] == "VALIDATION_ERROR"
