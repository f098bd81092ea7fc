"""Device API keys: create (the key is shown once), revoke, and authenticate.

A key reads `wa_<prefix>_<secret>`: the 8-character prefix finds the row, the SHA-256 of the
whole key is compared in constant time. The secret carries about 190 bits of randomness, so a
plain hash is enough (no slow KDF, no pepper that would tie keys to SECRET_KEY).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import string
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from core.services import model_update
from devices.models import Device, DeviceApiKey

logger = logging.getLogger(__name__)

KEY_PREFIX = "wa_"
PREFIX_LENGTH = 8
SECRET_LENGTH = 32
_ALPHABET = string.ascii_letters + string.digits
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits
_KEY_RE = re.compile(r"^wa_([a-z0-9]{8})_([A-Za-z0-9]{32})$")
# `last_used_at` is written at most this often per key: a busy key does not write every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# Compared against when no key has the prefix, so a miss costs what a hit costs.
_DUMMY_HASH = hashlib.sha256(b"wa_00000000_" + b"0" * SECRET_LENGTH).hexdigest()


def api_key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def _new_raw_key() -> tuple[str, str]:
    prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
    secret = "".join(secrets.choice(_ALPHABET) for _ in range(SECRET_LENGTH))
    return prefix, f"{KEY_PREFIX}{prefix}_{secret}"


def api_key_create(
    *,
    device: Device,
    name: str,
    read_only: bool = False,
    expires_at: datetime | None = None,
    created_by: User | None = None,
) -> tuple[DeviceApiKey, str]:
    """A new key for `device` and the key itself, which is not stored and cannot be shown
    again."""
    api_key = DeviceApiKey(
        device=device,
        name=name,
        read_only=read_only,
        expires_at=expires_at,
        created_by=created_by,
    )
    return api_key, api_key_store(api_key=api_key)


def api_key_store(*, api_key: DeviceApiKey) -> str:
    """Save a new, unsaved key (device, name and limits set) with a prefix and secret drawn for
    it; return the key itself, of which only the prefix and the hash are stored."""
    for _ in range(5):
        prefix, raw_key = _new_raw_key()
        api_key.prefix, api_key.key_hash = prefix, api_key_hash(raw_key)
        api_key.full_clean(exclude=["prefix", "key_hash"])
        try:
            with transaction.atomic():
                api_key.save(force_insert=True)
        except IntegrityError:
            continue  # the prefix is taken: draw another
        logger.info("API key %s created for device %s", api_key.prefix, api_key.device_id)
        return raw_key
    raise RuntimeError("could not draw a free API key prefix")


def api_key_update(
    *, api_key: DeviceApiKey, name: str, read_only: bool, expires_at: datetime | None
) -> DeviceApiKey:
    """Rename a key or change its limits. Only what differs is written, so a revoke or a use
    recorded meanwhile stays."""
    data = {"name": name, "read_only": read_only, "expires_at": expires_at}
    if fields := model_update(instance=api_key, data=data):
        logger.info("API key %s changed: %s", api_key.prefix, ", ".join(fields))
    return api_key


def api_key_revoke(*, api_key: DeviceApiKey) -> DeviceApiKey:
    """Revoke the key (idempotent); the row stays for the record."""
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at", "updated_at"])
        logger.info("API key %s revoked", api_key.prefix)
    return api_key


def api_key_authenticate(*, raw_key: str) -> DeviceApiKey | None:
    """The usable key matching `raw_key` (not revoked, not expired), or None.

    Records `last_used_at`, at most once per `LAST_USED_RESOLUTION`.
    """
    match = _KEY_RE.match(raw_key.strip())
    api_key = None
    if match:
        api_key = DeviceApiKey.objects.select_related("device").filter(prefix=match[1]).first()
    expected = api_key.key_hash if api_key is not None else _DUMMY_HASH
    if not hmac.compare_digest(expected, api_key_hash(raw_key.strip())) or api_key is None:
        return None
    now = timezone.now()
    if not api_key.is_usable(now):
        return None
    if api_key.last_used_at is None or api_key.last_used_at <= now - LAST_USED_RESOLUTION:
        # Conditional update: concurrent requests write once between them.
        DeviceApiKey.objects.filter(pk=api_key.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key
