"""API keys in the admin: made and changed by the API's service, the new key shown once."""

import re

import pytest
from factories.devices import DeviceFactory, api_key_for

from devices.models import DeviceApiKey
from devices.services.api_keys import api_key_authenticate, api_key_hash, api_key_revoke

pytestmark = pytest.mark.django_db

LIST = "/admin/devices/deviceapikey/"
KEY = re.compile(r"wa_[a-z0-9]{8}_[A-Za-z0-9]{32}")


def _form(device, **values) -> dict:
    return {"device": device.pk, "name": "CRM", "expires_at_0": "", "expires_at_1": "", **values}


def test_a_key_made_in_the_admin_is_stored_as_prefix_and_hash_and_shown_once(
    admin_client, admin_user
):
    device = DeviceFactory()
    response = admin_client.post(f"{LIST}add/", _form(device, read_only="on"))

    assert response.status_code == 200
    page = response.content.decode()
    (raw_key,) = set(KEY.findall(page))
    # The one page with the key in it is kept by no cache, nor by the browser's history.
    assert "no-store" in response.headers["Cache-Control"]
    api_key = DeviceApiKey.objects.get(device=device)
    assert (api_key.name, api_key.read_only, api_key.created_by) == ("CRM", True, admin_user)
    assert raw_key == f"wa_{api_key.prefix}_{raw_key[12:]}"
    assert api_key.key_hash == api_key_hash(raw_key)
    assert api_key_authenticate(raw_key=raw_key) == api_key
    assert raw_key not in admin_client.get(f"{LIST}{api_key.pk}/change/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_rename_in_the_admin_keeps_a_revoke_that_landed_meanwhile(admin_client, row_lock):
    """Staff rename a key while its owner revokes it through the API's service: the rename
    writes the name only, so the key stays revoked."""
    api_key, raw_key = api_key_for(DeviceFactory(), name="CRM")
    lock = row_lock(DeviceApiKey, api_key.pk)
    pending = lock.blocked(
        admin_client.post, f"{LIST}{api_key.pk}/change/", _form(api_key.device, name="CRM (old)")
    )
    lock.commit(api_key_revoke, api_key=DeviceApiKey.objects.get(pk=api_key.pk))
    assert pending.result(timeout=10).status_code == 302
    api_key.refresh_from_db()
    assert api_key.name == "CRM (old)"
    assert api_key.revoked_at is not None
    assert api_key_authenticate(raw_key=raw_key) is None
