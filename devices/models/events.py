from django.db import models


class UpstreamEvent(models.Model):
    """Every raw event from the upstream (webhook or WebSocket frame), recorded once.

    `dedupe_key` is derived from the resolved device and the event (event name, payload id or,
    for receipts, ids + type + sender), so a redelivery finds the row already there and changes
    nothing. Unknown devices and unknown event types are recorded too, never dropped. `status`
    follows the drain (devices.services.processing): received, then processed, failed (with
    the reason in `error`) or ignored; a mismatch (the envelope names another account than its
    device's) is never processed.
    """

    class Source(models.TextChoices):
        WEBHOOK = "webhook", "Webhook"
        WEBSOCKET = "websocket", "WebSocket"

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"
        MISMATCH = "mismatch", "Account mismatch"

    device = models.ForeignKey(
        "devices.Device", on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    event = models.CharField(max_length=60)
    account_jid = models.CharField(max_length=100, blank=True)
    session_id = models.CharField(max_length=200, blank=True)
    dedupe_key = models.CharField(max_length=255, unique=True)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["device", "-received_at"], name="devices_event_device_recv"),
            # The drain's claim: the oldest unprocessed events, a small part of the table.
            models.Index(
                fields=["id"], condition=models.Q(status="received"), name="devices_event_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} ({self.source})"
