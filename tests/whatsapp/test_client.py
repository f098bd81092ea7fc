"""WhatsAppClient against a scripted local HTTP server: wire format and error mapping."""

from __future__ import annotations

import base64
import json
import logging
import os
import subprocess
import sys
import time
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from types import SimpleNamespace

import pytest

from devices.whatsapp import (
    DeviceInfo,
    WhatsAppAuthFailedError,
    WhatsAppClient,
    WhatsAppDeviceNotFoundError,
    WhatsAppDeviceNotLoggedInError,
    WhatsAppError,
    WhatsAppEventStream,
    WhatsAppOutcomeUnknownError,
    WhatsAppRejectedError,
    WhatsAppUnavailableError,
)

from .support import Reply, closed_port

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
SENT = {"message_id": "3EB0AAA", "status": "Message sent to 628@s.whatsapp.net"}


@pytest.fixture
def client(scripted):
    with WhatsAppClient(
        scripted.base_url, "admin", "pa55", connect_timeout=1, read_timeout=0.5, send_timeout=0.5
    ) as client:
        yield client


def _multipart(seen) -> dict[str, tuple[str | None, str, bytes]]:
    """name -> (filename, content type, payload) of a multipart/form-data request body."""
    head = b"Content-Type: " + seen.headers["Content-Type"].encode() + b"\r\n\r\n"
    message = BytesParser(policy=HTTP).parsebytes(head + seen.body)
    parts = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        parts[name] = (part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
    return parts


def test_package_imports_without_django_settings():
    code = (
        "import devices.whatsapp, django.conf;"
        "assert not django.conf.settings.configured; print('ok')"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_from_settings_reads_settings_lazily(monkeypatch):
    fake = SimpleNamespace(
        WHATSAPP_API_URL="https://gowa.internal:3000/gowa/",
        WHATSAPP_API_USER="u",
        WHATSAPP_API_PASSWORD="p",
        WHATSAPP_SEND_TIMEOUT=55,
    )
    monkeypatch.setattr("django.conf.settings", fake)
    client = WhatsAppClient.from_settings()
    assert client.base_url == "https://gowa.internal:3000/gowa"
    assert (client.connect_timeout, client.read_timeout, client.send_timeout) == (3.05, 15, 55)
    stream = WhatsAppEventStream.from_settings(device_id="tenant-1")
    assert stream.ws_url == "wss://gowa.internal:3000/gowa/ws"
    assert stream.device_id == "tenant-1"


def test_basic_auth_and_device_header(scripted, client):
    scripted.success("GET", "/devices/tenant-1/status", {"device_id": "tenant-1"})
    scripted.success("GET", "/user/check", {"is_on_whatsapp": True})
    client.device_status("tenant-1")
    auth = scripted.last.headers["Authorization"]
    assert base64.b64decode(auth.split()[1]) == b"admin:pa55"
    assert "X-Device-Id" not in scripted.last.headers
    assert client.user_check("tenant-1", "+62 811-1111").is_on_whatsapp is True
    assert scripted.last.headers["X-Device-Id"] == "tenant-1"
    assert scripted.last.path == "/user/check?phone=628111111%40s.whatsapp.net"


def test_non_ascii_device_id_is_percent_encoded(scripted, client):
    scripted.success("GET", "/user/check", {"is_on_whatsapp": False})
    client.user_check("lojá+1", "628111")
    assert scripted.last.headers["X-Device-Id"] == "loj%C3%A1%2B1"


def test_omitted_and_null_results(scripted, client):
    scripted.success("GET", "/devices")
    assert client.device_list() == []
    scripted.success("GET", "/devices", None)
    assert client.device_list() == []
    scripted.success("GET", "/devices", [{"id": "a", "state": "connected"}, "junk"])
    assert client.device_list() == [DeviceInfo(id="a", state="connected")]
    scripted.success("DELETE", "/devices/a")
    assert client.device_delete("a") is None


def test_device_create_and_webhook_update_bodies(scripted, client):
    scripted.success("POST", "/devices", {"id": "t1", "state": "disconnected"})
    info = client.device_create(
        "t1", webhook_url="https://d/hook", webhook_secret="s", webhook_events=["message", "x"]
    )
    assert info.id == "t1"
    assert json.loads(scripted.last.body) == {
        "device_id": "t1",
        "webhook_url": "https://d/hook",
        "webhook_secret": "s",
        "webhook_events": "message,x",
    }
    scripted.success("PATCH", "/devices/t1/webhook", {"device_id": "t1", "webhook_url": ""})
    hook = client.device_webhook_update("t1", webhook_url="")
    assert hook.webhook_url == ""
    assert json.loads(scripted.last.body) == {"webhook_url": ""}


def test_login_code_sends_digits_in_query(scripted, client):
    scripted.success("POST", "/devices/t1/login/code", {"device_id": "t1", "pair_code": "AB-12"})
    assert client.device_login_code("t1", "+62 812 345").pair_code == "AB-12"
    assert scripted.last.path == "/devices/t1/login/code?phone=62812345"


def test_send_text_body(scripted, client):
    scripted.success("POST", "/send/message", SENT)
    result = client.send_text(
        "t1",
        "+55 11 91234-5678",
        "Hello",
        reply_message_id="R1",
        mentions=["+55 11 5555", "@everyone"],
    )
    assert result.message_id == "3EB0AAA"
    assert scripted.last.headers["X-Device-Id"] == "t1"
    assert json.loads(scripted.last.body) == {
        "phone": "5511912345678@s.whatsapp.net",
        "message": "Hello",
        "reply_message_id": "R1",
        "mentions": ["55115555", "@everyone"],
    }


def test_send_location_serialises_coordinates_as_strings(scripted, client):
    scripted.success("POST", "/send/location", SENT)
    client.send_location("t1", "628111", -7.797068, "110.370529")
    body = json.loads(scripted.last.body)
    assert body["latitude"] == "-7.797068"
    assert body["longitude"] == "110.370529"
    with pytest.raises(ValueError):
        client.send_location("t1", "628111", 91, 0)
    with pytest.raises(TypeError):
        client.send_location("t1", "628111", True, 0)


def test_send_contact_and_message_actions(scripted, client):
    scripted.success("POST", "/send/contact", SENT)
    client.send_contact("t1", "628111", "Ana", "+5511912345678")
    assert json.loads(scripted.last.body)["contact_name"] == "Ana"
    for action, call, extra in [
        ("read", client.message_read, {}),
        ("reaction", client.message_react, {"emoji": "👍"}),
        ("revoke", client.message_revoke, {}),
        ("update", client.message_update, {"message": "fixed"}),
    ]:
        scripted.success("POST", f"/message/3EB0%2F1/{action}", SENT)
        result = call("t1", "3EB0/1", "628111", *extra.values())
        assert result.message_id == "3EB0AAA"
        assert json.loads(scripted.last.body) == {"phone": "628111@s.whatsapp.net", **extra}


def test_send_media_by_url_is_json(scripted, client):
    scripted.success("POST", "/send/video", SENT)
    client.send_video("t1", "628111", url="https://cdn/x.mp4", caption="c", gif_playback=True)
    assert json.loads(scripted.last.body) == {
        "phone": "628111@s.whatsapp.net",
        "video_url": "https://cdn/x.mp4",
        "caption": "c",
        "gif_playback": True,
    }


@pytest.mark.parametrize(
    ("method", "kind", "content_type"),
    [
        ("send_image", "image", "image/png"),
        ("send_file", "file", "application/pdf"),
        ("send_video", "video", "video/mp4"),
        ("send_audio", "audio", "audio/ogg"),
        ("send_sticker", "sticker", "image/webp"),
    ],
)
def test_send_media_upload_is_multipart_with_exact_part(
    scripted, client, method, kind, content_type
):
    scripted.success("POST", f"/send/{kind}", SENT)
    extra = {"caption": "hi"} if kind in ("image", "file", "video") else {}
    result = getattr(client, method)(
        "t1", "628111", upload=("a.bin", b"\x00\x01data", content_type), **extra
    )
    assert result.message_id == "3EB0AAA"
    assert scripted.last.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    parts = _multipart(scripted.last)
    assert parts[kind] == ("a.bin", content_type, b"\x00\x01data")
    assert parts["phone"][2] == b"628111@s.whatsapp.net"
    if extra:
        assert parts["caption"][2] == b"hi"


def test_send_media_needs_exactly_one_source(client):
    with pytest.raises(ValueError):
        client.send_image("t1", "628111")
    with pytest.raises(ValueError):
        client.send_image("t1", "628111", url="u", upload=("a.png", b"x", "image/png"))
    with pytest.raises(ValueError):
        client.send_image("t1", "628111", upload=("a.png", b"x", ""))


def test_multipart_booleans_are_form_strings(scripted, client):
    scripted.success("POST", "/send/audio", SENT)
    client.send_audio("t1", "628111", upload=("v.ogg", b"x", "audio/ogg"), ptt=True)
    assert _multipart(scripted.last)["ptt"][2] == b"true"


# --- error mapping -----------------------------------------------------------------------------


def test_connection_refused_is_unavailable():
    client = WhatsAppClient(f"http://127.0.0.1:{closed_port()}", "u", "p", connect_timeout=1)
    with pytest.raises(WhatsAppUnavailableError) as info:
        client.send_text("t1", "628111", "hi")
    assert info.value.code == "connection_error"
    assert info.value.status is None
    assert info.value.retryable is True


def test_dns_failure_is_unavailable():
    client = WhatsAppClient("http://no-such-host.invalid", "u", "p", connect_timeout=1)
    with pytest.raises(WhatsAppUnavailableError):
        client.device_list()


def test_plain_text_401_is_auth_failed(scripted, client):
    scripted.routes[("GET", "/devices")] = Reply(
        status=401, body="Unauthorized", headers={"WWW-Authenticate": 'Basic realm="Restricted"'}
    )
    with pytest.raises(WhatsAppAuthFailedError) as info:
        client.device_list()
    assert info.value.code == "auth_failed"
    assert isinstance(info.value, WhatsAppRejectedError)


def test_json_401_is_device_not_logged_in(scripted, client):
    scripted.json(
        "POST",
        "/send/message",
        {"code": "AUTHENTICATION_ERROR", "message": "you are not logged in"},
        status=401,
    )
    with pytest.raises(WhatsAppDeviceNotLoggedInError):
        client.send_text("t1", "628111", "hi")


def test_device_not_found_as_500_quirk(scripted, client):
    scripted.json(
        "GET",
        "/devices/ghost/status",
        {"code": "INTERNAL_SERVER_ERROR", "message": "device ghost not found"},
        status=500,
    )
    with pytest.raises(WhatsAppDeviceNotFoundError) as info:
        client.device_status("ghost")
    assert info.value.status == 500


def test_unknown_route_plain_404_is_rejected(client):
    with pytest.raises(WhatsAppRejectedError) as info:
        client.app_info()
    assert info.value.code == "http_404"


def test_non_json_2xx_is_bad_response(scripted, client):
    scripted.routes[("GET", "/devices")] = Reply(
        body="<html>portal</html>", content_type="text/html"
    )
    with pytest.raises(WhatsAppUnavailableError) as info:
        client.device_list()
    assert info.value.code == "bad_response"
    scripted.routes[("POST", "/send/message")] = Reply(body="<html>portal</html>")
    with pytest.raises(WhatsAppOutcomeUnknownError):
        client.send_text("t1", "628111", "hi")


def test_read_timeout_on_send_is_outcome_unknown(scripted, client):
    scripted.routes[("POST", "/send/message")] = Reply(hang=5)
    started = time.monotonic()
    with pytest.raises(WhatsAppOutcomeUnknownError) as info:
        client.send_text("t1", "628111", "hi")
    assert time.monotonic() - started < 3
    assert info.value.code == "read_timeout"
    assert info.value.retryable is False


def test_read_timeout_on_get_is_unavailable(scripted, client):
    scripted.routes[("GET", "/devices")] = Reply(hang=5)
    with pytest.raises(WhatsAppUnavailableError) as info:
        client.device_list()
    assert info.value.code == "read_timeout"


def test_dropped_connection_get_vs_post(scripted, client):
    scripted.routes[("GET", "/devices")] = Reply(drop=True)
    scripted.routes[("POST", "/send/message")] = Reply(drop=True)
    with pytest.raises(WhatsAppUnavailableError) as info:
        client.device_list()
    assert info.value.code == "connection_dropped"
    with pytest.raises(WhatsAppOutcomeUnknownError) as info:
        client.send_text("t1", "628111", "hi")
    assert info.value.code == "connection_dropped"


def test_logs_never_carry_credentials_or_bodies(scripted, client, caplog):
    caplog.set_level(logging.DEBUG)
    scripted.success("POST", "/send/message", SENT)
    client.send_text("t1", "628999", "secret-body-text")
    scripted.routes[("POST", "/send/message")] = Reply(drop=True)
    with pytest.raises(WhatsAppError):
        client.send_text("t1", "628999", "secret-body-text")
    logged = caplog.text
    assert "/send/message" in logged
    for secret in ("pa55", "secret-body-text", "628999", base64.b64encode(b"admin:pa55").decode()):
        assert secret not in logged
    assert "pa55" not in repr(client)


# --- QR download -------------------------------------------------------------------------------


def test_fetch_qr_png_rewrites_host_onto_base_url(scripted, client):
    scripted.routes[("GET", "/statics/qrcode/scan-qr-1.png")] = Reply(
        body=PNG, content_type="image/png"
    )
    png = client.fetch_qr_png("http://gowa-internal:3000/statics/qrcode/scan-qr-1.png")
    assert png == PNG
    assert scripted.last.path == "/statics/qrcode/scan-qr-1.png"
    assert scripted.last.headers["Host"] == scripted.base_url.removeprefix("http://")


def test_fetch_qr_png_keeps_base_path_of_link(scripted):
    scripted.routes[("GET", "/gowa/statics/qrcode/q.png")] = Reply(
        body=PNG, content_type="image/png"
    )
    client = WhatsAppClient(scripted.base_url + "/gowa", "u", "p")
    assert client.fetch_qr_png("https://public.example/gowa/statics/qrcode/q.png") == PNG


def test_fetch_qr_png_rejects_non_png_and_missing(scripted, client):
    scripted.routes[("GET", "/statics/qrcode/x.png")] = Reply(
        body="<html>", content_type="text/html"
    )
    with pytest.raises(WhatsAppRejectedError) as info:
        client.fetch_qr_png("http://h/statics/qrcode/x.png")
    assert info.value.code == "invalid_qr_image"
    with pytest.raises(WhatsAppRejectedError) as info:
        client.fetch_qr_png("http://h/statics/qrcode/gone.png")
    assert info.value.code == "qr_not_found"
    with pytest.raises(ValueError):
        client.fetch_qr_png("")


def test_from_settings_without_url_is_improperly_configured(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setattr("django.conf.settings", SimpleNamespace(WHATSAPP_API_USER="u"))
    with pytest.raises(ImproperlyConfigured):
        WhatsAppClient.from_settings()
    with pytest.raises(ImproperlyConfigured):
        WhatsAppEventStream.from_settings()
