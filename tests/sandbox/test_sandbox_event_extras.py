"""Group, presence and call events; the raw escape hatch; the route list; /ws frames."""

from __future__ import annotations

import base64
import json

import pytest
from sandbox_helpers import (
    ACCOUNT_JID,
    CONTACT_JID,
    CONTACT_PHONE,
    GROUP,
    LID,
    STAMP,
    Gowa,
    Like,
    Phone,
    WebhookReceiver,
    verified,
    webhook_log,
)


def test_group_participants_one_event_per_action(phone: Phone) -> None:
    event = phone.send(
        "group-participants", chat_id=GROUP, type="promote", jids=["6283333333333", "2515@lid"]
    )
    assert event["timestamp"] == STAMP
    assert event["payload"] == {
        "chat_id": GROUP,
        "type": "promote",
        "jids": ["6283333333333@s.whatsapp.net", "2515@lid"],
    }
    assert phone.refused("group-participants", chat_id=CONTACT_PHONE, jids=["1"]) == (
        400,
        "VALIDATION_ERROR",
    )
    assert phone.refused("group-participants", chat_id=GROUP, type="kick", jids=["1"]) == (
        400,
        "VALIDATION_ERROR",
    )


def test_chat_presence(phone: Phone) -> None:
    typing = phone.send("presence", **{"from": CONTACT_PHONE})
    assert typing["timestamp"] == STAMP
    assert typing["payload"] == {
        "from": CONTACT_JID,
        "from_lid": LID,
        "sender_display_name": CONTACT_PHONE,
        "chat_id": CONTACT_JID,
        "state": "composing",
        "media": "",
        "is_group": False,
    }
    recording = phone.payload(
        "presence", **{"from": CONTACT_PHONE}, chat_id=GROUP, state="paused", media="audio"
    )
    assert (recording["chat_id"], recording["is_group"]) == (GROUP, True)
    assert (recording["state"], recording["media"]) == ("paused", "audio")


def test_call_offer(phone: Phone) -> None:
    call = phone.send("calls", **{"from": CONTACT_PHONE}, display_name="John")
    assert call["timestamp"] == STAMP
    assert call["payload"] == {
        "call_id": Like(r"[0-9A-F]{32}"),
        "from": CONTACT_JID,
        "from_lid": LID,
        "sender_display_name": "John",
        "auto_rejected": False,
        "remote_platform": "android",
        "remote_version": Like(r"\d+\.\d+\.\d+\.\d+"),
    }
    group_call = phone.payload(
        "calls",
        **{"from": CONTACT_PHONE},
        call_id="ABC123DEF456",
        auto_rejected=True,
        remote_platform="",
        remote_version="",
        group_jid=GROUP,
    )
    assert group_call["call_id"] == "ABC123DEF456"
    assert (group_call["auto_rejected"], group_call["group_jid"]) == (True, GROUP)
    assert "remote_platform" not in group_call
    assert "remote_version" not in group_call


def test_any_event_with_a_given_payload(phone: Phone) -> None:
    joined = {"chat_id": GROUP, "type": "join", "jids": [ACCOUNT_JID], "reason": "invite"}
    event = phone.send(
        "events", event="group.joined", payload=joined, timestamp="2026-01-22T12:00:00Z"
    )
    assert event["payload"] == joined
    assert event["timestamp"] == "2026-01-22T12:00:00Z"


def test_every_listed_route_works_with_its_example(phone: Phone, gowa: Gowa) -> None:
    routes = gowa.control("GET", "/event-routes").json()
    assert len(routes) == 10
    for route in routes:
        name = route["path"].rsplit("/", 1)[1]
        event = phone.send(name, **route["example"])
        assert event["event"] == (route["example"]["event"] if name == "events" else route["event"])


def test_raw_bodies_go_out_signed_as_given(phone: Phone, gowa: Gowa) -> None:
    receiver = phone.receiver
    answer = gowa.control("POST", "/webhooks/raw", json={"text": '{"event": "message", "pay'})
    assert answer.status_code == 200
    assert answer.json()["sent"] == '{"event": "message", "pay'
    [broken] = receiver.wait_for(1)
    assert broken.body == b'{"event": "message", "pay'
    with pytest.raises(json.JSONDecodeError):
        verified(broken)  # the signature checks out; only the body is junk

    shaped = {"event": "message", "device_id": ACCOUNT_JID, "payload": {"id": 7, "from": []}}
    gowa.control("POST", "/webhooks/raw", json={"body": shaped})
    assert verified(receiver.wait_for(2)[-1]) == shaped
    assert receiver.deliveries[-1].body.startswith(b'{"device_id":')  # Go's sorted keys

    invalid_utf8 = base64.b64encode(b'{"body":"\xff\xfe"}').decode()
    gowa.control("POST", "/webhooks/raw", json={"base64": invalid_utf8})
    assert receiver.wait_for(3)[-1].body == b'{"body":"\xff\xfe"}'

    gowa.control("POST", "/webhooks/raw", json={"text": "{}", "signature": "sha256=00"})
    assert receiver.wait_for(4)[-1].headers["X-Hub-Signature-256"] == "sha256=00"
    assert [e["event"] for e in webhook_log(gowa, 4)] == ["", "message", "", ""]


def test_raw_bodies_use_a_devices_own_target_and_filter(
    gowa: Gowa, receiver: WebhookReceiver
) -> None:
    gowa.create_device(
        "own", webhook_url=receiver.url, webhook_secret="per-dev", webhook_events="message"
    )
    sent = gowa.control("POST", "/webhooks/raw", json={"device": "own", "body": {"event": "x"}})
    assert sent.json()["deliveries"] == []  # filtered out by the device's event list
    kept = gowa.control(
        "POST", "/webhooks/raw", json={"device": "own", "event": "message", "text": "[]"}
    )
    assert [d["url"] for d in kept.json()["deliveries"]] == [receiver.url]
    assert verified(receiver.wait_for(1)[0], "per-dev") == []

    unknown = gowa.control("POST", "/webhooks/raw", json={"device": "nobody", "text": "x"})
    assert unknown.status_code == 404
    for bad in ({}, {"text": "x", "body": {}}, {"text": 5}, {"base64": "%%"}, {"text": "x",
                 "signature": 1}):  # fmt: skip
        answer = gowa.control("POST", "/webhooks/raw", json=bad)
        assert (answer.status_code, answer.json()["code"]) == (400, "VALIDATION_ERROR")


def test_every_event_family_is_pushed_on_the_socket_when_enabled(phone: Phone, gowa: Gowa) -> None:
    socket = gowa.websocket()
    try:
        gowa.control("PATCH", "/config", json={"ws_message_events": True})
        message = phone.send("messages", **{"from": CONTACT_PHONE, "text": "hi"})
        assert json.loads(socket.recv()) == message
        for route, body in (
            ("edits", {"message_id": message["payload"]["id"], "text": "hi!"}),
            ("reactions", {"message_id": message["payload"]["id"]}),
            ("receipts", {"message_ids": [message["payload"]["id"]], "receipt_type": "read-self"}),
            ("presence", {"from": CONTACT_PHONE}),
        ):
            event = phone.send(route, **body)
            assert json.loads(socket.recv()) == event
        gowa.control("POST", "/webhooks/raw", json={"text": "not json"})
        assert socket.recv() == "not json"
    finally:
        socket.close()
