"""The sandbox's GOWA REST surface: lifecycle, auth, device resolution, quirks, validation."""

from __future__ import annotations

import re
import time

import requests
from sandbox_helpers import ACCOUNT_PHONE, CONTACT_PHONE, Gowa

MESSAGE_ID = re.compile(r"^3EB0[0-9A-F]{18}$")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_device_lifecycle_from_create_to_delete(gowa: Gowa) -> None:
    """create → QR login (PNG served, expires) → scan → logged in → send → logout → delete."""
    assert gowa.control("PATCH", "/config", json={"qr_duration": 1}).status_code == 200
    created = gowa.create_device("tenant-1")
    assert created["id"] == "tenant-1"
    assert created["state"] == "disconnected"
    assert created["jid"] == ""

    login = gowa.get("/devices/tenant-1/login").json()["results"]
    assert login["device_id"] == "tenant-1"
    assert login["qr_duration"] == 1
    assert re.fullmatch(
        re.escape(gowa.base_url) + r"/statics/qrcode/scan-qr-[0-9a-f-]{36}\.png", login["qr_link"]
    )
    image = requests.get(login["qr_link"], timeout=5)  # statics need no credentials
    assert image.status_code == 200
    assert image.headers["Content-Type"] == "image/png"
    assert image.content.startswith(PNG_MAGIC)

    scanned = gowa.control(
        "POST", "/devices/tenant-1/scan", json={"phone": ACCOUNT_PHONE, "push_name": "Ana"}
    ).json()
    assert scanned["state"] == "logged_in"
    assert scanned["jid"] == f"{ACCOUNT_PHONE}@s.whatsapp.net"
    assert scanned["phone_number"] == ACCOUNT_PHONE
    assert scanned["display_name"] == "Ana"

    status = gowa.get("/devices/tenant-1/status").json()["results"]
    assert status == {"device_id": "tenant-1", "is_connected": True, "is_logged_in": True}
    assert gowa.get("/devices/tenant-1").json()["results"]["state"] == "logged_in"

    sent = gowa.post(
        "/send/message",
        headers={"X-Device-Id": "tenant-1"},
        json={"phone": CONTACT_PHONE, "message": "Hello"},
    )
    assert sent.status_code == 200
    body = sent.json()
    assert body["code"] == "SUCCESS"
    assert MESSAGE_ID.match(body["results"]["message_id"])
    assert body["results"]["status"].startswith(f"Message sent to {CONTACT_PHONE}@s.whatsapp.net")
    assert body["message"] == body["results"]["status"]
    recorded = gowa.control("GET", "/sent").json()
    assert [(s["kind"], s["message_id"]) for s in recorded] == [
        ("message", body["results"]["message_id"])
    ]

    time.sleep(1.1)  # past qr_duration: GOWA deletes the PNG
    assert requests.get(login["qr_link"], timeout=5).status_code == 404

    logout = gowa.post("/devices/tenant-1/logout").json()
    assert logout == {"code": "SUCCESS", "message": "Logout requested"}  # no results key
    after = gowa.get("/devices/tenant-1").json()["results"]
    assert after["state"] == "disconnected"
    assert "jid" not in after  # omitempty

    assert gowa.delete("/devices/tenant-1").status_code == 200
    assert gowa.get("/devices").json() == {
        "code": "SUCCESS",
        "message": "List devices",
        "results": None,
    }


def test_basic_auth_failure_is_plain_text(gowa: Gowa) -> None:
    for auth in (None, ("admin", "wrong"), ("nobody", "admin")):
        response = requests.get(gowa.base_url + "/devices", auth=auth, timeout=5)
        assert response.status_code == 401
        assert response.text == "Unauthorized"
        assert response.headers["Content-Type"].startswith("text/plain")
        assert response.headers["WWW-Authenticate"] == 'Basic realm="Restricted"'


def test_public_routes_need_no_credentials(gowa: Gowa) -> None:
    health = requests.get(gowa.base_url + "/health", timeout=5)
    assert (health.status_code, health.text) == (200, "OK")
    assert requests.get(gowa.base_url + "/_sandbox/ws/stats", timeout=5).status_code == 200


def test_unknown_route_is_fiber_plain_404(gowa: Gowa) -> None:
    response = gowa.get("/chats/nowhere")
    assert response.status_code == 404
    assert response.text == "Cannot GET /chats/nowhere"
    assert gowa.post("/send/nothing", json={}).text == "Cannot POST /send/nothing"
    # Without credentials the auth layer answers first, as in fiber.
    assert requests.get(gowa.base_url + "/chats/nowhere", timeout=5).status_code == 401


def test_device_resolution_errors(gowa: Gowa) -> None:
    body = {"phone": CONTACT_PHONE, "message": "hi"}
    none = gowa.post("/send/message", json=body)
    assert none.status_code == 400
    assert none.json()["code"] == "DEVICE_ID_REQUIRED"

    gowa.paired_device("only")
    assert gowa.post("/send/message", json=body).status_code == 200  # the only device

    gowa.create_device("second")
    ambiguous = gowa.post("/send/message", json=body)
    assert (ambiguous.status_code, ambiguous.json()["code"]) == (400, "DEVICE_ID_REQUIRED")

    unknown = gowa.post("/send/message", json=body, headers={"X-Device-Id": "ghost"})
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "DEVICE_NOT_FOUND"
    assert unknown.json()["results"] == {"device_id": "ghost"}

    jid = f"{ACCOUNT_PHONE}@s.whatsapp.net"
    for value in (jid, f"{ACCOUNT_PHONE}:11@s.whatsapp.net"):  # bare and companion JID
        assert gowa.post("/send/message", json=body, headers={"X-Device-Id": value}).ok
    assert gowa.post("/send/message?device_id=only", json=body).ok
    assert gowa.get("/app/status?device_id=second").json()["results"] == {
        "is_connected": False,
        "is_logged_in": False,
        "device_id": "second",
        "jid": "",
    }
    requests_seen = gowa.control("GET", "/requests", params={"path": "/send/message"}).json()
    assert requests_seen[-1]["device_id"] == "only"
    assert "Authorization" not in requests_seen[-1]["headers"]


def test_devices_routes_reproduce_gowa_quirks(gowa: Gowa) -> None:
    for method, path in (
        ("GET", "/devices/ghost"),
        ("GET", "/devices/ghost/status"),
        ("POST", "/devices/ghost/reconnect"),
        ("DELETE", "/devices/ghost"),
    ):
        response = gowa.http.request(method, gowa.base_url + path, timeout=5)
        assert response.status_code == 500, path
        assert response.json() == {
            "code": "INTERNAL_SERVER_ERROR",
            "message": "device ghost not found",
        }
    webhook = gowa.get("/devices/ghost/webhook")
    assert (webhook.status_code, webhook.json()["code"]) == (404, "NOT_FOUND")

    # A login on an unknown id quietly creates the slot.
    assert gowa.get("/devices/implicit/login").status_code == 200
    assert [d["id"] for d in gowa.get("/devices").json()["results"]] == ["implicit"]

    gowa.create_device("dup")
    duplicate = gowa.post("/devices", json={"device_id": "dup"})
    assert duplicate.status_code == 500
    assert duplicate.json()["message"] == "device dup already exists"

    generated = gowa.post("/devices", json={}).json()["results"]["id"]
    assert re.fullmatch(r"[0-9a-f-]{36}", generated)


def test_not_logged_in_comes_in_three_shapes(gowa: Gowa) -> None:
    body = {"phone": CONTACT_PHONE, "message": "hi"}
    headers = {"X-Device-Id": "d1"}
    gowa.create_device("d1")
    fresh = gowa.post("/send/message", json=body, headers=headers)
    assert (fresh.status_code, fresh.json()["code"]) == (500, "INVALID_WA_CLI")

    gowa.get("/devices/d1/login")
    pending = gowa.post("/send/message", json=body, headers=headers)
    assert pending.status_code == 401
    assert pending.json() == {"code": "AUTHENTICATION_ERROR", "message": "you are not logged in"}
    assert gowa.get("/devices/d1").json()["results"]["state"] == "connected"

    gowa.control("POST", "/devices/d1/scan", json={"phone": ACCOUNT_PHONE})
    gowa.control("POST", "/devices/d1/disconnect")
    offline = gowa.post("/send/message", json=body, headers=headers)
    assert offline.status_code == 401
    assert "please reconnect" in offline.json()["message"]
    assert gowa.post("/devices/d1/reconnect").status_code == 200
    assert gowa.post("/send/message", json=body, headers=headers).status_code == 200

    again = gowa.get("/devices/d1/login")
    assert (again.status_code, again.json()["code"]) == (400, "ALREADY_LOGGED_IN")


def test_scan_without_open_login_is_a_conflict(gowa: Gowa) -> None:
    gowa.create_device("idle")
    response = gowa.control("POST", "/devices/idle/scan", json={"phone": ACCOUNT_PHONE})
    assert response.status_code == 409
    assert response.json()["code"] == "NO_LOGIN_IN_PROGRESS"
    missing = gowa.control("POST", "/devices/ghost/scan", json={"phone": ACCOUNT_PHONE})
    assert missing.status_code == 404


def test_pairing_code_login(gowa: Gowa) -> None:
    gowa.create_device("coded")
    bad = gowa.post("/devices/coded/login/code", params={"phone": "0812345"})
    assert (bad.status_code, bad.json()["code"]) == (400, "VALIDATION_ERROR")
    code = gowa.post("/devices/coded/login/code", params={"phone": "+" + ACCOUNT_PHONE})
    results = code.json()["results"]
    assert results["device_id"] == "coded"
    assert re.fullmatch(r"[1-9A-Z]{4}-[1-9A-Z]{4}", results["pair_code"])
    # The phone side confirms the code; the account is the number the code was asked for.
    paired = gowa.control("POST", "/devices/coded/scan", json={}).json()
    assert paired["jid"] == f"{ACCOUNT_PHONE}@s.whatsapp.net"


def test_phone_normalisation_and_validation(gowa: Gowa) -> None:
    gowa.paired_device("d1")

    def send(phone: str) -> requests.Response:
        return gowa.post("/send/message", json={"phone": phone, "message": "hi"})

    assert send("+" + CONTACT_PHONE).ok
    leading_zero = send("081234567890")
    assert (leading_zero.status_code, leading_zero.json()["code"]) == (400, "VALIDATION_ERROR")
    group = send("120363402106000000")  # longer than 15 characters: a group
    assert "120363402106000000@g.us" in group.json()["results"]["status"]
    spaced = send("62 812 3456")  # GOWA does not clean spaces; the lookup then fails
    assert (spaced.status_code, spaced.json()["code"]) == (400, "INVALID_JID")
    blank = gowa.post("/send/message", json={"phone": ""})
    assert blank.json() == {
        "code": "VALIDATION_ERROR",
        "message": "message: cannot be blank; phone: cannot be blank.",
    }
    timer = gowa.post("/send/message", json={"phone": CONTACT_PHONE, "message": "x", "duration": 5})
    assert timer.status_code == 400


def test_media_and_typed_sends(gowa: Gowa) -> None:
    gowa.paired_device("d1")
    phone = {"phone": CONTACT_PHONE}

    as_numbers = gowa.post("/send/location", json={**phone, "latitude": -7.7, "longitude": 110})
    assert (as_numbers.status_code, as_numbers.json()["code"]) == (500, "INTERNAL_SERVER_ERROR")
    as_strings = {**phone, "latitude": "-7.797068", "longitude": "110.370529"}
    assert gowa.post("/send/location", json=as_strings).ok

    png = ("photo.png", b"\x89PNG\r\n\x1a\nrest", "image/png")
    upload = gowa.post("/send/image", data={**phone, "caption": "look"}, files={"image": png})
    assert upload.ok, upload.text
    untyped = gowa.post("/send/image", data=phone, files={"image": ("photo.png", b"\x89PNG")})
    assert (untyped.status_code, untyped.json()["code"]) == (400, "VALIDATION_ERROR")
    by_url = gowa.post("/send/image", json={**phone, "image_url": "https://example.com/a.jpg"})
    assert by_url.ok
    neither = gowa.post("/send/image", json=phone)
    assert neither.status_code == 400

    assert gowa.post("/send/file", data=phone, files={"file": ("a.pdf", b"%PDF")}).ok
    video = ("v.mp4", b"\x00\x00", "video/mp4")
    assert gowa.post("/send/video", data=phone, files={"video": video}).ok
    assert gowa.post("/send/audio", json={**phone, "audio_url": "https://e.com/a.ogg"}).ok
    assert gowa.post("/send/sticker", json={**phone, "sticker_url": "https://e.com/s.webp"}).ok
    contact = {**phone, "contact_name": "Budi", "contact_phone": "6283333333333"}
    assert gowa.post("/send/contact", json=contact).ok
    link = {**phone, "link": "https://example.com", "caption": "see"}
    assert gowa.post("/send/link", json=link).ok
    poll = {**phone, "question": "Lunch?", "options": ["yes", "no"], "max_answer": 1}
    assert gowa.post("/send/poll", json=poll).ok

    kinds = [entry["kind"] for entry in gowa.control("GET", "/sent").json()]
    assert kinds == [
        "location",
        "image",
        "image",
        "file",
        "video",
        "audio",
        "sticker",
        "contact",
        "link",
        "poll",
    ]
    image = gowa.control("GET", "/sent", params={"kind": "image"}).json()[0]
    assert image["files"] == [
        {"field": "image", "filename": "photo.png", "content_type": "image/png", "size": 12}
    ]
    assert image["fields"] == {"caption": "look"}


def test_message_actions_and_user_lookups(gowa: Gowa) -> None:
    gowa.paired_device("d1")
    chat = {"phone": CONTACT_PHONE}
    target = "3EB0AAAAAAAAAAAAAAAAAA"
    read = gowa.post(f"/message/{target}/read", json=chat).json()["results"]
    assert read["message_id"] == target
    reaction = gowa.post(f"/message/{target}/reaction", json={**chat, "emoji": "👍"})
    assert MESSAGE_ID.match(reaction.json()["results"]["message_id"])
    assert gowa.post(f"/message/{target}/revoke", json=chat).ok
    assert gowa.post(f"/message/{target}/update", json=chat).status_code == 400
    assert gowa.post(f"/message/{target}/update", json={**chat, "message": "edited"}).ok
    deleted = gowa.post(f"/message/{target}/delete", json=chat).json()
    assert "results" not in deleted

    check = gowa.get("/user/check", params={"phone": CONTACT_PHONE}).json()["results"]
    assert check == {"is_on_whatsapp": True}
    info = gowa.get("/user/info", params={"phone": CONTACT_PHONE}).json()["results"]
    assert info["data"][0]["devices"][0]["User"] == CONTACT_PHONE


def test_app_routes_follow_the_scoped_device(gowa: Gowa) -> None:
    gowa.create_device("d1")
    login = gowa.get("/app/login").json()["results"]
    assert login["device_id"] == "d1"
    assert login["qr_link"].startswith(gowa.base_url + "/statics/qrcode/")
    gowa.control("POST", "/devices/d1/scan", json={"phone": ACCOUNT_PHONE, "push_name": "Ana"})
    status = gowa.get("/app/status").json()["results"]
    assert status["jid"] == f"{ACCOUNT_PHONE}@s.whatsapp.net"
    assert status["is_logged_in"] is True
    devices = gowa.get("/app/devices").json()["results"]
    assert devices == [{"name": "Ana", "device": "d1", "jid": f"{ACCOUNT_PHONE}@s.whatsapp.net"}]
    assert gowa.get("/app/reconnect").json()["results"] == {"device_id": "d1"}
    assert gowa.get("/app/logout").json()["results"] == {"device_id": "d1"}
    assert gowa.get("/app/reconnect").json()["code"] == "INVALID_WA_CLI"
    assert gowa.get("/app/info").json()["results"]["version"].startswith("v9")


def test_device_webhook_settings(gowa: Gowa) -> None:
    created = gowa.create_device("d1", webhook_url="https://hooks.example/in", webhook_secret="s3")
    assert created["webhook_url"] == "https://hooks.example/in"
    assert created["webhook_insecure_skip_verify"] is False
    got = gowa.get("/devices/d1/webhook").json()["results"]
    assert got["webhook_secret"] == "s3"
    missing_url = gowa.patch("/devices/d1/webhook", json={"webhook_secret": "x"})
    assert (missing_url.status_code, missing_url.json()["code"]) == (400, "BAD_REQUEST")
    cleared = gowa.patch("/devices/d1/webhook", json={"webhook_url": ""}).json()["results"]
    assert cleared["webhook_url"] == ""
    bad_body = gowa.post("/devices", data="{", headers={"Content-Type": "application/json"})
    assert (bad_body.status_code, bad_body.json()["code"]) == (400, "BAD_REQUEST")
