"""Signed webhooks: GOWA's envelope and payloads, HMAC over the raw body, retries."""

from __future__ import annotations

import requests
from sandbox_helpers import (
    ACCOUNT_JID,
    CONTACT_JID,
    CONTACT_PHONE,
    Gowa,
    WebhookReceiver,
    verified,
    webhook_log,
)


def test_incoming_text_is_signed_with_the_global_secret(
    gowa: Gowa, receiver: WebhookReceiver
) -> None:
    gowa.control("PATCH", "/config", json={"webhook_url": receiver.url})
    gowa.paired_device("tenant-1")
    answer = gowa.control(
        "POST",
        "/devices/tenant-1/messages",
        json={"from": CONTACT_PHONE, "from_name": "John", "text": "Hello <b> & ünïcode"},
    )
    assert answer.status_code == 200
    [delivery] = receiver.wait_for(1)
    assert delivery.path == "/hook"
    event = verified(delivery, "secret")
    assert event == answer.json()["event"]
    assert event["event"] == "message"
    assert event["device_id"] == ACCOUNT_JID
    assert event["session_id"] == "tenant-1"
    assert "timestamp" not in event  # message-family events carry payload.timestamp only
    payload = event["payload"]
    assert payload["chat_id"] == payload["from"] == CONTACT_JID
    assert payload["from_lid"].endswith("@lid")
    assert payload["from_name"] == payload["sender_display_name"] == "John"
    assert payload["is_from_me"] is False
    assert payload["body"] == "Hello <b> & ünïcode"
    assert payload["timestamp"].endswith("Z")
    # Go's encoder: sorted compact keys, raw UTF-8, HTML characters escaped.
    assert delivery.body.startswith(b'{"device_id":')
    assert b"\\u003cb\\u003e \\u0026 \xc3\xbcn" in delivery.body
    assert delivery.headers["User-Agent"] == "Go-http-client/1.1"


def test_device_webhook_replaces_global_and_uses_its_secret(
    gowa: Gowa, receiver: WebhookReceiver
) -> None:
    gowa.control("PATCH", "/config", json={"webhook_url": "http://127.0.0.1:9/unused"})
    gowa.paired_device("tenant-2", webhook_url=receiver.url + "?d=2", webhook_secret="per-dev")
    gowa.control(
        "POST",
        "/devices/tenant-2/messages",
        json={"from": CONTACT_PHONE, "chat_id": "120363402106000000@g.us", "text": "hi all"},
    )
    [delivery] = receiver.wait_for(1)
    assert delivery.path == "/hook?d=2"
    payload = verified(delivery, "per-dev")["payload"]
    assert payload["chat_id"] == "120363402106000000@g.us"  # a group message
    assert payload["from"] == CONTACT_JID
    assert [e["url"] for e in gowa.control("GET", "/webhooks").json()] == [receiver.url + "?d=2"]


def test_failed_delivery_is_retried_with_backoff(gowa: Gowa, receiver: WebhookReceiver) -> None:
    gowa.control("PATCH", "/config", json={"webhook_url": receiver.url})
    gowa.paired_device("tenant-1")
    receiver.statuses.extend([500, 503])
    gowa.control("POST", "/devices/tenant-1/messages", json={"from": CONTACT_PHONE, "text": "x"})
    deliveries = receiver.wait_for(3)
    assert len({d.body for d in deliveries}) == 1  # the same signed bytes every time
    verified(deliveries[-1], "secret")
    [entry] = webhook_log(gowa, 1)
    assert entry["attempts"] == 3
    assert entry["last_status"] == 200


def test_delivery_gives_up_after_five_attempts(gowa: Gowa, receiver: WebhookReceiver) -> None:
    gowa.control("PATCH", "/config", json={"webhook_url": receiver.url})
    gowa.paired_device("tenant-1")
    receiver.statuses.extend([500] * 10)
    gowa.control("POST", "/devices/tenant-1/messages", json={"from": CONTACT_PHONE, "text": "x"})
    [entry] = webhook_log(gowa, 1, status="failed")
    assert entry["attempts"] == 5
    assert entry["last_status"] == 500
    assert len(receiver.deliveries) == 5


def test_unreachable_receiver_is_logged_as_failed(gowa: Gowa) -> None:
    gowa.control("PATCH", "/config", json={"webhook_url": "http://127.0.0.1:9/closed"})
    gowa.paired_device("tenant-1")
    gowa.control("POST", "/devices/tenant-1/messages", json={"from": CONTACT_PHONE, "text": "x"})
    [entry] = webhook_log(gowa, 1, status="failed")
    assert entry["last_status"] is None
    assert entry["last_error"]


def test_receipts_and_media_payloads(gowa: Gowa, receiver: WebhookReceiver) -> None:
    gowa.control("PATCH", "/config", json={"webhook_url": receiver.url})
    gowa.paired_device("tenant-1")
    sent = gowa.post("/send/message", json={"phone": CONTACT_PHONE, "message": "hi"})
    message_id = sent.json()["results"]["message_id"]

    gowa.control(
        "POST",
        "/devices/tenant-1/receipts",
        json={"message_ids": [message_id], "receipt_type": "read"},
    )
    [ack_delivery] = receiver.wait_for(1)
    ack = verified(ack_delivery, "secret")
    assert ack["event"] == "message.ack"
    assert ack["timestamp"].endswith("Z")  # top-level timestamp for acks
    assert ack["payload"]["ids"] == [message_id]
    assert ack["payload"]["receipt_type"] == "read"
    assert ack["payload"]["from"] == ack["payload"]["chat_id"] == CONTACT_JID

    image = gowa.control(
        "POST",
        "/devices/tenant-1/messages",
        json={"from": CONTACT_PHONE, "kind": "image", "caption": "look"},
    ).json()["event"]["payload"]
    assert image["body"] == "look"
    assert image["image"]["caption"] == "look"
    assert image["image"]["path"].startswith("statics/media/")
    media = requests.get(f"{gowa.base_url}/{image['image']['path']}", timeout=5)
    assert media.status_code == 200
    assert media.content.startswith(b"\x89PNG")

    audio = gowa.control(
        "POST", "/devices/tenant-1/messages", json={"from": CONTACT_PHONE, "kind": "audio"}
    ).json()["event"]["payload"]
    assert isinstance(audio["audio"], str)
    assert "body" not in audio

    location = gowa.control(
        "POST",
        "/devices/tenant-1/messages",
        json={"from": CONTACT_PHONE, "kind": "location", "latitude": -6.2, "longitude": 106.8},
    ).json()["event"]["payload"]
    assert location["location"]["degreesLatitude"] == -6.2

    own = gowa.control(
        "POST",
        "/devices/tenant-1/messages",
        json={"from": CONTACT_PHONE, "text": "typed on the phone", "is_from_me": True},
    ).json()["event"]["payload"]
    assert own["is_from_me"] is True
    assert own["from"] == ACCOUNT_JID
    assert own["chat_id"] == CONTACT_JID
    assert len(receiver.wait_for(5)) == 5


def test_other_events_and_phone_side_errors(gowa: Gowa, receiver: WebhookReceiver) -> None:
    gowa.control("PATCH", "/config", json={"webhook_url": receiver.url})
    gowa.create_device("unpaired")
    refused = gowa.control(
        "POST", "/devices/unpaired/messages", json={"from": CONTACT_PHONE, "text": "x"}
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "DEVICE_NOT_LOGGED_IN")

    gowa.paired_device("tenant-1")
    reaction = {"id": "ABC", "reaction": "👍", "reacted_message_id": "3EB0X", "chat_id": "c"}
    answer = gowa.control(
        "POST", "/devices/tenant-1/events", json={"event": "message.reaction", "payload": reaction}
    )
    assert answer.json()["event"]["payload"] == reaction
    group = gowa.control(
        "POST",
        "/devices/tenant-1/events",
        json={"event": "group.participants", "payload": {"type": "join", "jids": []}},
    ).json()["event"]
    assert "timestamp" in group
    events = [verified(d, "secret")["event"] for d in receiver.wait_for(2)]
    assert sorted(events) == ["group.participants", "message.reaction"]

    unknown_id = gowa.control("POST", "/devices/tenant-1/receipts", json={"message_ids": ["nope"]})
    assert unknown_id.status_code == 400
