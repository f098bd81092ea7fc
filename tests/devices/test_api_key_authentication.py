"""`X-API-Key`: the key, not its hash, is the credential; only the hash is stored."""

import hashlib
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from factories.devices import DeviceFactory, api_key_for
from identity_provider import (  # noqa: F401
    api_client_fixture,
    assert_authentication_failed,
)

from devices.models import DeviceApiKey
from devices.services.api_keys import api_key_revoke

pytestmark = pytest.mark.django_db


def test_a_full_key_reads_and_writes_its_device(api_client):
    device = DeviceFactory()
    _, key = api_key_for(device)
    response = api_client.get("/api/v1/devices", HTTP_X_API_KEY=key)
    assert response.status_code == 200
    assert [d["id"] for d in response.json()["results"]] == [str(device.pk)]
    assert response.json()["results"][0]["role"] == "admin"
    response = api_client.patch(
        f"/api/v1/devices/{device.pk}", {"name": "Renamed"}, format="json", HTTP_X_API_KEY=key
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Renamed"


def test_a_read_only_key_reads_but_cannot_write(api_client):
    device = DeviceFactory()
    _, key = api_key_for(device, read_only=True)
    assert api_client.get(f"/api/v1/devices/{device.pk}", HTTP_X_API_KEY=key).status_code == 200
    response = api_client.patch(
        f"/api/v1/devices/{device.pk}", {"name": "x"}, format="json", HTTP_X_API_KEY=key
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_keys_never_reach_owner_routes(api_client):
    device = DeviceFactory()
    _, key = api_key_for(device)
    for path in ("members", "api-keys"):
        response = api_client.get(f"/api/v1/devices/{device.pk}/{path}", HTTP_X_API_KEY=key)
        assert response.status_code == 403
    assert api_client.delete(f"/api/v1/devices/{device.pk}", HTTP_X_API_KEY=key).status_code == 403


def test_another_devices_key_cannot_see_the_device(api_client):
    device = DeviceFactory(name="Secret shop")
    _, other_key = api_key_for(DeviceFactory())
    response = api_client.get(f"/api/v1/devices/{device.pk}", HTTP_X_API_KEY=other_key)
    assert response.status_code == 404
    assert "Secret shop" not in response.content.decode()


def test_wrong_revoked_and_expired_keys_areassert_authentication_failed(api_client):
    device = DeviceFactory()
    revoked, revoked_key = api_key_for(device)
    api_key_revoke(api_key=revoked)
    _, expired_key = api_key_for(device)
    DeviceApiKey.objects.filter(key_hash=hashlib.sha256(expired_key.encode()).hexdigest()).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    _, good_key = api_key_for(device)
    wrong_secret = good_key[:-4] + ("AAAA" if not good_key.endswith("AAAA") else "BBBB")
    for key in (revoked_key, expired_key, wrong_secret, "wa_nope", "garbage", ""):
        assert_authentication_failed(api_client.get("/api/v1/devices", HTTP_X_API_KEY=key))
    assert api_client.get("/api/v1/devices", HTTP_X_API_KEY=good_key).status_code == 200


def test_a_key_in_the_query_string_is_ignored(api_client):
    _, key = api_key_for(DeviceFactory())
    response = api_client.get(f"/api/v1/devices?api_key={key}&X-API-Key={key}")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_only_the_hash_is_stored(api_client):
    api_key, key = api_key_for(DeviceFactory())
    assert key.startswith(f"wa_{api_key.prefix}_")
    assert len(api_key.prefix) == 8
    assert api_key.key_hash == hashlib.sha256(key.encode()).hexdigest()
    secret = key.rsplit("_", 1)[1]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM devices_deviceapikey")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert key not in stored
    assert secret not in stored


def test_last_used_at_is_written_at_most_once_a_minute(api_client):
    api_key, key = api_key_for(DeviceFactory())
    assert api_key.last_used_at is None
    api_client.get("/api/v1/devices", HTTP_X_API_KEY=key)
    api_key.refresh_from_db()
    first = api_key.last_used_at
    assert first is not None
    api_client.get("/api/v1/devices", HTTP_X_API_KEY=key)
    api_key.refresh_from_db()
    assert api_key.last_used_at == first
    DeviceApiKey.objects.filter(pk=api_key.pk).update(last_used_at=first - timedelta(minutes=2))
    api_client.get("/api/v1/devices", HTTP_X_API_KEY=key)
    api_key.refresh_from_db()
    assert api_key.last_used_at > first


def test_api_keys_cannot_use_user_only_routes(api_client):
    _, key = api_key_for(DeviceFactory())
    for path in ("/api/v1/users/me", "/api/v1/users/me/devices"):
        response = api_client.get(path, HTTP_X_API_KEY=key)
        assert response.status_code == 403
    response = api_client.post("/api/v1/devices", {"name": "x"}, format="json", HTTP_X_API_KEY=key)
    assert response.status_code == 403


def test_create_api_key_command_prints_a_working_key_once(api_client, capsys):
    device = DeviceFactory()
    call_command("create_api_key", "--device", str(device.pk), "--read-only", "--name", "CI")
    out, err = capsys.readouterr()
    key = out.strip()
    api_key = DeviceApiKey.objects.get(device=device)
    assert (api_key.name, api_key.read_only) == ("CI", True)
    assert api_key.prefix in err and key not in err
    assert api_client.get("/api/v1/devices", HTTP_X_API_KEY=key).status_code == 200
    with pytest.raises(CommandError):
        call_command("create_api_key", "--device", "not-a-uuid")
    with pytest.raises(CommandError, match="name"):
        call_command("create_api_key", "--device", str(device.pk), "--name", "x" * 101)
    assert DeviceApiKey.objects.filter(device=device).count() == 1
