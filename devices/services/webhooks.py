"""Accepting a webhook from the upstream: signature on the raw body, then record once."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings

from core.exceptions import ApplicationError
from devices.models import UpstreamEvent
from devices.services.events import device_for_event, upstream_event_record
from devices.whatsapp.signing import verify


class WebhookSignatureError(ApplicationError):
    code = "invalid_signature"
    status_code = 401
    default_message = "The webhook signature is missing or does not match."


class WebhookPayloadError(ApplicationError):
    code = "malformed_event"
    status_code = 400
    default_message = "The webhook body is not an upstream event."


def _candidate_secrets(envelope: Mapping[str, Any] | None) -> list[str]:
    """The device's own secret when the event names a known device, then the global one."""
    secrets = []
    if envelope is not None:
        device = device_for_event(
            account_jid=str(envelope.get("device_id") or ""),
            session_id=str(envelope.get("session_id") or ""),
        )
        if device is not None:
            secrets.append(device.webhook_secret)
    secrets.append(settings.WHATSAPP_WEBHOOK_SECRET)
    return secrets


def webhook_receive(*, body: bytes, signature: str | None) -> tuple[UpstreamEvent, bool]:
    """Verify `body` against `signature` and record the event; nothing is stored if either fails.

    The body is parsed only to find whose secret signs it; the HMAC is always checked over the
    raw bytes (re-serialised JSON would not reproduce GOWA's signature).
    """
    try:
        envelope = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        envelope = None
    if not isinstance(envelope, dict):
        envelope = None
    if not any(verify(secret, body, signature) for secret in _candidate_secrets(envelope)):
        raise WebhookSignatureError()
    if envelope is None or not isinstance(envelope.get("event"), str):
        raise WebhookPayloadError()
    return upstream_event_record(source=UpstreamEvent.Source.WEBHOOK, envelope=envelope)
