"""The `/ws` lifecycle socket: GOWA's broadcast frames, refusals and dropped connections."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
import requests
import websocket
from sandbox_helpers import ACCOUNT_PHONE, CONTACT_PHONE, Gowa


def next_frame(socket: websocket.WebSocket) -> dict[str, Any]:
    return json.loads(socket.recv())


def wait_for_open_sockets(gowa: Gowa, count: int) -> None:
    deadline = time.monotonic() + 5
    while gowa.control("GET", "/ws/stats").json()["open"] != count:
        assert time.monotonic() < deadline, "socket count never settled"
        time.sleep(0.02)


def test_login_success_and_logout_frames(gowa: Gowa) -> None:
    gowa.create_device("d1")
    socket = gowa.websocket("?device_id=d1")
    try:
        gowa.get("/devices/d1/login")
        gowa.control("POST", "/devices/d1/scan", json={"phone": ACCOUNT_PHONE})
        login = next_frame(socket)
        assert login["code"] == "LOGIN_SUCCESS"
        assert login["result"] is None
        assert login["message"].startswith(f"Successfully pair with {ACCOUNT_PHONE}:")
        assert login["message"].endswith("@s.whatsapp.net")

        gowa.control("POST", "/devices/d1/remote-logout")
        logout = next_frame(socket)
        assert logout["code"] == "DEVICE_LOGGED_OUT"
        assert logout["result"] == {"device_id": "d1"}
        assert gowa.get("/devices/d1").json()["results"]["state"] == "disconnected"

        gowa.get("/devices/d1/login")
        gowa.control("POST", "/devices/d1/scan", json={"phone": ACCOUNT_PHONE})
        assert next_frame(socket)["code"] == "LOGIN_SUCCESS"
        gowa.post("/devices/d1/logout")
        api_logout = next_frame(socket)
        assert api_logout["code"] == "DEVICE_LOGGED_OUT"
        assert api_logout["result"]["device_id"] == "d1"
        assert api_logout["result"]["devices"][0]["id"] == "d1"
    finally:
        socket.close()


def test_fetch_devices_is_answered_to_everyone(gowa: Gowa) -> None:
    gowa.paired_device("d1", push_name="Ana")
    first, second = gowa.websocket(), gowa.websocket()
    try:
        first.send(json.dumps({"code": "FETCH_DEVICES"}))
        for socket in (first, second):
            frame = next_frame(socket)
            assert frame["code"] == "LIST_DEVICES"
            assert frame["result"] == [
                {"name": "Ana", "device": "d1", "jid": f"{ACCOUNT_PHONE}@s.whatsapp.net"}
            ]
    finally:
        first.close()
        second.close()


def test_upgrade_refused_without_devices_or_upgrade(gowa: Gowa) -> None:
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        gowa.websocket()
    assert refused.value.status_code == 400
    assert json.loads(refused.value.resp_body)["code"] == "DEVICE_ID_REQUIRED"

    gowa.create_device("d1")
    plain_get = gowa.get("/ws")
    assert plain_get.status_code == 426
    with pytest.raises(websocket.WebSocketBadStatusException) as unauthorised:
        gowa.websocket(header=[])
    assert unauthorised.value.status_code == 401


def test_query_string_authorization(gowa: Gowa) -> None:
    gowa.create_device("d1")
    token = base64.b64encode(b"admin:admin").decode()
    socket = gowa.websocket(f"?device_id=d1&authorization={token}", header=[])
    socket.close()
    assert gowa.control("GET", "/ws/stats").json()["total_accepted"] == 1
    [upgrade] = gowa.control("GET", "/requests", params={"path": "/ws"}).json()
    assert upgrade["query"] == {"device_id": "d1"}  # the credential is not logged
    assert upgrade["status"] == 101


def test_non_json_text_closes_the_socket(gowa: Gowa) -> None:
    gowa.create_device("d1")
    socket = gowa.websocket()
    socket.send("not json")
    opcode, _ = socket.recv_data(control_frame=True)
    assert opcode == websocket.ABNF.OPCODE_CLOSE
    socket.shutdown()  # the server already closed it
    wait_for_open_sockets(gowa, 0)


def test_drop_sockets_clean_and_unclean(gowa: Gowa) -> None:
    gowa.create_device("d1")
    clean = gowa.websocket()
    try:
        wait_for_open_sockets(gowa, 1)
        assert gowa.control("POST", "/ws/drop", json={"clean": True}).json() == {"dropped": 1}
        opcode, data = clean.recv_data(control_frame=True)
        assert opcode == websocket.ABNF.OPCODE_CLOSE
        assert int.from_bytes(data[:2], "big") == 1001
    finally:
        clean.shutdown()

    unclean = gowa.websocket()
    try:
        wait_for_open_sockets(gowa, 1)
        assert gowa.control("POST", "/ws/drop", json={"clean": False}).json() == {"dropped": 1}
        with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
            unclean.recv()  # the TCP connection ends without a close frame
    finally:
        unclean.shutdown()
    assert gowa.control("GET", "/ws/stats").json() == {"open": 0, "total_accepted": 2}


def test_message_events_on_the_socket_when_enabled(gowa: Gowa) -> None:
    gowa.paired_device("d1")
    socket = gowa.websocket()
    try:
        gowa.control("PATCH", "/config", json={"ws_message_events": True})
        gowa.control("POST", "/devices/d1/messages", json={"from": CONTACT_PHONE, "text": "Hello"})
        frame = next_frame(socket)
        assert frame["event"] == "message"
        assert frame["device_id"] == f"{ACCOUNT_PHONE}@s.whatsapp.net"
        assert frame["session_id"] == "d1"
        assert frame["payload"]["body"] == "Hello"

        gowa.control("PATCH", "/config", json={"ws_message_events": False})
        gowa.control("POST", "/devices/d1/messages", json={"from": CONTACT_PHONE, "text": "x"})
        socket.send(json.dumps({"code": "FETCH_DEVICES"}))
        assert next_frame(socket)["code"] == "LIST_DEVICES"  # no message frame in between
    finally:
        socket.close()


def test_reset_keeps_open_sockets(gowa: Gowa) -> None:
    gowa.create_device("d1")
    socket = gowa.websocket()
    try:
        requests.post(gowa.base_url + "/_sandbox/reset", timeout=5)
        socket.send(json.dumps({"code": "FETCH_DEVICES"}))
        assert next_frame(socket) == {
            "code": "LIST_DEVICES",
            "message": "Device found",
            "result": None,
        }
    finally:
        socket.close()
