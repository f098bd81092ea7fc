"""Sending through a device: the one door other apps (and staff's test sends) use.

Other apps never hold the client: sending here means a recipient is checked by the one phone
rule and the upstream's failures reach them as the API's errors. One call is one attempt:
an outbox, retries and pacing belong to the caller.
"""

from __future__ import annotations

import logging

from devices.errors import InvalidRecipientError
from devices.models import Device
from devices.upstream import upstream_client, upstream_errors
from devices.whatsapp.phones import jid_for_phone
from devices.whatsapp.types import SendResult

logger = logging.getLogger(__name__)


def recipient_jid(to: str) -> str:
    """`+55 11 91234-5678`, `5511912345678` or a JID -> a JID (400 for anything else)."""
    try:
        return jid_for_phone(to)
    except ValueError:
        raise InvalidRecipientError() from None


def device_send_text(*, device: Device, to: str, text: str) -> SendResult:
    """Send `text` to `to` now; returns the upstream's message id (409 if not logged in)."""
    jid = recipient_jid(to)
    with upstream_errors():
        result = upstream_client().send_text(device.slot_id, jid, text)
    logger.info("device %s sent message %s", device.pk, result.message_id)
    return result
