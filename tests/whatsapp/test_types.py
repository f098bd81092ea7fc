"""Payload parsing: tolerant of omitted fields, shaped like GOWA's answers (CONTRACT §2-§6)."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from devices.whatsapp.types import (
    AppInfo,
    DeviceInfo,
    DeviceStatus,
    DeviceWebhook,
    EnvelopeEvent,
    LifecycleEvent,
    LoginQR,
    PairCode,
    SendResult,
    UserCheck,
    UserInfo,
    parse_datetime,
    parse_ws_frame,
)


def test_device_info_full_and_omitted_fields():
    info = DeviceInfo.from_payload(
        {
            "id": "tenant-1",
            "phone_number": "6281111111111",
            "display_name": "Shop",
            "state": "logged_in",
            "jid": "6281111111111@s.whatsapp.net",
            "created_at": "2026-01-22T12:00:00.123456789+07:00",
        }
    )
    assert info.id == "tenant-1"
    assert info.state == "logged_in"
    assert info.created_at == datetime(2026, 1, 22, 5, 0, 0, 123456, tzinfo=UTC)
    bare = DeviceInfo.from_payload({"id": "x", "state": "disconnected"})
    assert (bare.jid, bare.phone_number, bare.display_name, bare.created_at) == ("", "", "", None)


def test_from_payload_accepts_none_and_nulls():
    assert DeviceInfo.from_payload(None).id == ""
    assert DeviceStatus.from_payload({"device_id": "d", "is_connected": None}).is_connected is False
    assert SendResult.from_payload(None) == SendResult(message_id="", status="")
    assert UserCheck.from_payload({}).is_on_whatsapp is False


def test_small_results():
    assert DeviceStatus.from_payload(
        {"device_id": "d", "is_connected": True, "is_logged_in": True}
    ) == DeviceStatus("d", True, True)
    qr = LoginQR.from_payload(
        {"device_id": "d", "qr_link": "http://h/statics/q.png", "qr_duration": 30}
    )
    assert qr.qr_duration == 30
    assert (
        PairCode.from_payload({"device_id": "d", "pair_code": "ABCD-1234"}).pair_code == "ABCD-1234"
    )
    sent = SendResult.from_payload({"message_id": "3EB0", "status": "Message sent to x"})
    assert sent.message_id == "3EB0"
    assert UserCheck.from_payload({"is_on_whatsapp": True}).is_on_whatsapp is True


def test_user_info_uses_the_code_shape():
    info = UserInfo.from_payload(
        {
            "data": [
                {
                    "name": "John",
                    "verified_name": "",
                    "status": "Hey there",
                    "picture_id": "123",
                    "devices": [
                        {
                            "User": "628",
                            "Agent": 0,
                            "Device": 12,
                            "Server": "s.whatsapp.net",
                            "AD": True,
                        }
                    ],
                }
            ],
            "resolved_phone": "628",
        }
    )
    assert info.status == "Hey there"
    assert info.devices[0].device == 12
    assert info.devices[0].ad is True
    assert info.resolved_phone == "628"
    assert UserInfo.from_payload({"data": None}) == UserInfo()


def test_device_webhook_splits_events_and_hides_secret_in_repr():
    hook = DeviceWebhook.from_payload(
        {
            "device_id": "d",
            "webhook_url": "https://x/hook",
            "webhook_secret": "s3cret",
            "webhook_events": "message, message.ack,",
        }
    )
    assert hook.webhook_events == ("message", "message.ack")
    assert "s3cret" not in repr(hook)
    assert DeviceWebhook.from_payload({"device_id": "d"}).webhook_events == ()


def test_app_info():
    info = AppInfo.from_payload({"version": "v9.2.0", "max_file_size": 50000000})
    assert info.version == "v9.2.0"
    assert info.max_file_size == 50000000
    assert info.chatwoot_enabled is False


def test_parse_datetime_tolerates_junk():
    assert parse_datetime("2026-01-22T10:30:00Z") == datetime(2026, 1, 22, 10, 30, tzinfo=UTC)
    assert parse_datetime("yesterday") is None
    assert parse_datetime(12) is None
    assert parse_datetime("2026-01-22T10:30:00-03:00").utcoffset() == timedelta(hours=-3)
    assert parse_datetime("2026-01-22T10:30:00+05:30").tzinfo == timezone(
        timedelta(hours=5, minutes=30)
    )


def test_parse_ws_frame_lifecycle():
    event = parse_ws_frame(
        '{"code":"DEVICE_LOGGED_OUT","message":"logged out","result":{"device_id":"tenant-1"}}'
    )
    assert isinstance(event, LifecycleEvent)
    assert event.code == "DEVICE_LOGGED_OUT"
    assert event.device_id == "tenant-1"
    login = parse_ws_frame(
        b'{"code":"LOGIN_SUCCESS","message":"Successfully pair with 628:1@s.whatsapp.net",'
        b'"result":null}'
    )
    assert login.code == "LOGIN_SUCCESS"
    assert login.device_id == ""
    listing = parse_ws_frame('{"code":"LIST_DEVICES","message":"","result":[{"device":"d"}]}')
    assert listing.result == [{"device": "d"}]
    assert listing.device_id == ""


def test_parse_ws_frame_envelope_takes_payload_timestamp_when_missing():
    event = parse_ws_frame(
        '{"event":"message","device_id":"6281111111111@s.whatsapp.net","session_id":"tenant-1",'
        '"payload":{"id":"3EB0","body":"Hello","timestamp":"2026-01-22T10:30:00Z"}}'
    )
    assert isinstance(event, EnvelopeEvent)
    assert event.session_id == "tenant-1"
    assert event.payload["id"] == "3EB0"
    assert event.timestamp == datetime(2026, 1, 22, 10, 30, tzinfo=UTC)
    ack = parse_ws_frame('{"event":"message.ack","timestamp":"2026-01-22T10:32:00Z","payload":{}}')
    assert ack.timestamp.minute == 32
    assert ack.session_id == ""


@pytest.mark.parametrize(
    "junk",
    [
        "", "not json", "[1,2]", '"text"', "{}", '{"code": 5}', b"\xff\xfe", '{"event": ""}',
        # Nested past the parser's recursion limit: junk too, not a crash of the listener.
        '{"event": "message", "payload": ' + "[" * 100_000 + "]" * 100_000 + "}",
    ],
)
def test_parse_ws_frame_rejects_junk(junk):
    with pytest.raises(ValueError):
        parse_ws_frame(junk)
