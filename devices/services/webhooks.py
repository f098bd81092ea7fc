"""Accepting a webhook from the upstream: signature on the raw body, then record once."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings

from devices.errors import WebhookPayloadError, WebhookSignatureError
from devices.models import Device, UpstreamEvent
from devices.services.events import device_for_event, upstream_event_record
from devices.services.processing import upstream_events_drain_kick
from devices.whatsapp.signing import verify


def _signer(envelope: Mapping[str, Any] | None) -> tuple[Device | None, str]:
    """The device the event names and the secret that must sign it: that device's own, else
    the global one.

    A known device's events verify only with that device's secret, so the global secret (which
    GOWA defaults to "secret") can never speak for another tenant's device.
    """
    if envelope is not None:
        device = device_for_event(
            account_jid=str(envelope.get("device_id") or ""),
            session_id=str(envelope.get("session_id") or ""),
        )
        if device is not None:
            return device, device.webhook_secret
    return None, settings.WHATSAPP_WEBHOOK_SECRET


def _parse(body: bytes) -> dict[str, Any] | None:
    """The envelope, or None when the body is not a JSON object (recording cleans it)."""
    try:
        envelope = json.loads(body)
    except (ValueError, RecursionError):  # malformed, not UTF-8, or nested absurdly deep
        return None
    return envelope if isinstance(envelope, dict) else None


def webhook_receive(*, body: bytes, signature: str | None) -> tuple[UpstreamEvent, bool]:
    """Verify `body` against `signature` and record the event; nothing is stored if either fails.

    The body is parsed only to find whose secret signs it; the HMAC is always checked over the
    raw bytes (re-serialised JSON would not reproduce GOWA's signature).
    """
    envelope = _parse(body)
    device, secret = _signer(envelope)
    if not verify(secret, body, signature):
        raise WebhookSignatureError()
    if envelope is None or not isinstance(envelope.get("event"), str):
        raise WebhookPayloadError()
    event, created = upstream_event_record(
        source=UpstreamEvent.Source.WEBHOOK, envelope=envelope, device=device
    )
    if created and event.status == UpstreamEvent.Status.RECEIVED:
        upstream_events_drain_kick()
    return event, created
