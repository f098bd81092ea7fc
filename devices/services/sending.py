"""Sending through a device: the one door other apps (and staff's test sends) use.

Other apps never hold the client: sending here means a recipient is checked by the one phone
rule and the upstream's failures reach them as the API's errors. One call is one attempt:
an outbox, retries and pacing belong to the caller.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from devices.errors import InvalidRecipientError
from devices.models import Device
from devices.upstream import upstream_client, upstream_errors
from devices.whatsapp.errors import (
    WhatsAppDeviceNotLoggedInError,
    WhatsAppError,
    WhatsAppOutcomeUnknownError,
    WhatsAppUnavailableError,
)
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


@dataclass(frozen=True)
class Outgoing:
    """One message to send: `kind` is text, image, document, video, audio, sticker, location
    or contact; the fields that kind needs are set, the rest left empty."""

    kind: str
    to: str  # a JID
    text: str = ""
    media_url: str = ""
    caption: str = ""
    latitude: float | None = None
    longitude: float | None = None
    contact_name: str = ""
    contact_phone: str = ""
    reply_to: str = ""  # the upstream id of the message replied to


class SendFailedError(Exception):
    """A send that did not go through: `outcome` says what the caller may do next.

    - "retry": the upstream was unreachable, failed with a 5xx, throttled (429) or said the
      device is not logged in: the request did nothing, trying later may work;
    - "rejected": a definite refusal (`code`, `detail`): the same request will fail again;
    - "unknown": the request went out and no answer came: it may have been sent.
    """

    def __init__(self, outcome: str, *, code: str, detail: str) -> None:
        super().__init__(code + ": " + detail)
        self.outcome, self.code, self.detail = outcome, code, detail


def device_send(*, device: Device, outgoing: Outgoing) -> SendResult:
    """One attempt at sending `outgoing` through `device`: the upstream's message id, or
    SendFailedError. No retries here: the outbox (messaging) owns them."""
    client = upstream_client()
    slot, to = device.slot_id, outgoing.to
    reply = {"reply_message_id": outgoing.reply_to or None}
    caption = outgoing.caption or None
    try:
        if outgoing.kind == "text":
            return client.send_text(slot, to, outgoing.text, **reply)
        if outgoing.kind == "image":
            return client.send_image(slot, to, url=outgoing.media_url, caption=caption, **reply)
        if outgoing.kind == "document":
            return client.send_file(slot, to, url=outgoing.media_url, caption=caption, **reply)
        if outgoing.kind == "video":
            return client.send_video(slot, to, url=outgoing.media_url, caption=caption, **reply)
        if outgoing.kind == "audio":
            return client.send_audio(slot, to, url=outgoing.media_url, **reply)
        if outgoing.kind == "sticker":
            return client.send_sticker(slot, to, url=outgoing.media_url)
        if outgoing.kind == "location":
            return client.send_location(slot, to, outgoing.latitude, outgoing.longitude)
        if outgoing.kind == "contact":
            return client.send_contact(slot, to, outgoing.contact_name, outgoing.contact_phone)
    except WhatsAppOutcomeUnknownError as exc:
        raise SendFailedError("unknown", code=exc.code, detail=exc.message) from exc
    except WhatsAppUnavailableError as exc:
        raise SendFailedError("retry", code=exc.code, detail=exc.message) from exc
    except WhatsAppError as exc:
        # A session away for now (not logged in) may be back by the next attempt.
        outcome = "retry" if isinstance(exc, WhatsAppDeviceNotLoggedInError) else "rejected"
        raise SendFailedError(outcome, code=exc.code, detail=exc.message) from exc
    raise ValueError("cannot send a message of kind " + outgoing.kind)
