"""Messages in and out of a device, and receipts that arrived before their message."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel


class Message(TimeStampedModel):
    """One WhatsApp message of one device, inbound or outbound.

    `upstream_id` is WhatsApp's message id, unique per device once known: an inbound message
    is stored once however often its event is delivered, and an outbound one gets it from the
    send response, so that receipts find it. `timestamp` is when the message was sent (the
    event's time for inbound, the creation for outbound): lists are ordered by it.
    """

    class Direction(models.TextChoices):
        INBOUND = "inbound", "Inbound"
        OUTBOUND = "outbound", "Outbound"

    class Kind(models.TextChoices):
        TEXT = "text", "Text"
        IMAGE = "image", "Image"
        VIDEO = "video", "Video"
        AUDIO = "audio", "Audio"
        DOCUMENT = "document", "Document"
        STICKER = "sticker", "Sticker"
        LOCATION = "location", "Location"
        CONTACT = "contact", "Contact"
        REACTION = "reaction", "Reaction"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        UNKNOWN = "unknown", "Unknown (no answer from the upstream)"
        SENT = "sent", "Sent"
        RECEIVED = "received", "Received"
        DELIVERED = "delivered", "Delivered"
        READ = "read", "Read"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Canceled"

    class Origin(models.TextChoices):
        INBOUND = "inbound", "Inbound"
        PHONE = "phone", "The phone itself"
        API = "api", "API"
        USER = "user", "Dashboard user"
        AGENT = "agent", "Agent"
        SCHEDULE = "schedule", "Schedule"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    device = models.ForeignKey("devices.Device", on_delete=models.CASCADE, related_name="messages")
    chat_jid = models.CharField("chat JID", max_length=100)
    sender_jid = models.CharField(
        "sender JID", max_length=100, blank=True, help_text="The participant, in a group."
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    direction = models.CharField(max_length=10, choices=Direction.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEXT)
    text = models.TextField(blank=True)
    media = models.JSONField(
        default=dict, blank=True, help_text="kind, path or url, caption, filename, mime type"
    )
    location = models.JSONField(null=True, blank=True)
    shared_contacts = models.JSONField(default=list, blank=True)
    replied_to_id = models.CharField(max_length=100, blank=True)
    quoted_text = models.TextField(blank=True)
    reactions = models.JSONField(default=dict, blank=True, help_text="sender JID → emoji")
    upstream_id = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    error_code = models.CharField(max_length=100, blank=True)
    error_detail = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    origin = models.CharField(max_length=10, choices=Origin.choices)
    sent_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    sent_by_api_key = models.ForeignKey(
        "devices.DeviceApiKey",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    origin_ref = models.CharField(
        max_length=100, blank=True, help_text="The agent run or schedule run that sent it."
    )
    idempotency_key = models.CharField(max_length=200, blank=True)
    request_fingerprint = models.CharField(
        max_length=64, blank=True, help_text="What the request that queued it said (a hash)."
    )
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="A queued message is not sent before this time."
    )
    claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a worker took it to send (the sweeper's lease)."
    )
    is_ignored = models.BooleanField(default=False)
    ignore_rule = models.ForeignKey(
        "contacts.IgnoreRule",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    timestamp = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-timestamp", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["device", "upstream_id"],
                condition=~Q(upstream_id=""),
                name="messaging_message_upstream_unique",
            ),
            models.UniqueConstraint(
                fields=["device", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="messaging_message_idempotency_unique",
            ),
        ]
        indexes = [
            # GET /messages: newest first over the caller's devices, with or without a chat
            # or a contact; every list is (timestamp, id) ordered, so each index ends so.
            models.Index(fields=["device", "-timestamp", "-id"], name="messaging_msg_device"),
            models.Index(
                fields=["device", "chat_jid", "-timestamp", "-id"], name="messaging_msg_chat"
            ),
            models.Index(fields=["contact", "-timestamp", "-id"], name="messaging_msg_contact"),
            models.Index(fields=["-timestamp", "-id"], name="messaging_msg_timeline"),
            # The outbox sweeper: the few rows in flight, never the whole table.
            models.Index(
                fields=["status", "next_attempt_at"],
                condition=Q(status__in=["queued", "sending"]),
                name="messaging_msg_outbox",
            ),
        ]

    def __str__(self) -> str:
        return "%s %s %s" % (self.direction, self.kind, self.chat_jid)

    @property
    def is_outbound(self) -> bool:
        return self.direction == self.Direction.OUTBOUND

    @property
    def is_group(self) -> bool:
        return self.chat_jid.endswith("@g.us")


class SendPolicy(models.Model):
    """How fast one device may send: a token bucket of `burst` sends, refilled at
    `per_minute`, a waiting send put off by up to `jitter_seconds` more. A blank field (or no
    row) takes the settings' default (`SEND_RATE_PER_MINUTE`, `SEND_BURST`,
    `SEND_JITTER_SECONDS`)."""

    device = models.OneToOneField(
        "devices.Device", on_delete=models.CASCADE, related_name="send_policy"
    )
    per_minute = models.FloatField(
        null=True, blank=True, help_text="Sends per minute; 0 for no pacing."
    )
    burst = models.PositiveSmallIntegerField(null=True, blank=True)
    jitter_seconds = models.FloatField(null=True, blank=True)
    # The embedded bucket (no Redis): its state, under this row's lock.
    tokens = models.FloatField(default=0)
    refilled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return "%s: %g/min" % (self.device, self.per_minute)


class EarlyReceipt(models.Model):
    """A receipt whose message is not stored yet (receipts can overtake their message):
    applied, then deleted, when the message arrives. One row per message, the furthest
    status only."""

    device = models.ForeignKey("devices.Device", on_delete=models.CASCADE, related_name="+")
    upstream_id = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=Message.Status.choices)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["device", "upstream_id"], name="messaging_early_receipt_unique"
            ),
        ]

    def __str__(self) -> str:
        return "%s → %s" % (self.upstream_id, self.status)
