import secrets
import uuid

from django.conf import settings
from django.db import models

from core.models import TimeStampedModel


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class Device(TimeStampedModel):
    """One WhatsApp account, held in a slot on the upstream server.

    The upstream slot id is this device's UUID as text unless an existing slot was adopted;
    webhooks name the account by JID, so `jid` is how events find their device when the
    upstream cannot map its slot (`session_id` omitted).
    """

    class State(models.TextChoices):
        CREATED = "created", "Created"
        AWAITING_SCAN = "awaiting_scan", "Awaiting scan"
        CONNECTED = "connected", "Connected"
        DISCONNECTED = "disconnected", "Disconnected"
        LOGGED_OUT = "logged_out", "Logged out"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    state = models.CharField(max_length=20, choices=State.choices, default=State.CREATED)
    upstream_id = models.CharField(
        "upstream slot id", max_length=200, unique=True, null=True, blank=True
    )
    jid = models.CharField("account JID", max_length=100, blank=True, db_index=True)
    phone_number = models.CharField(max_length=32, blank=True)
    display_name = models.CharField(max_length=200, blank=True)
    # The upstream's own word for the state (GOWA: disconnected/connecting/connected/logged_in).
    upstream_state = models.CharField(max_length=40, blank=True)
    state_checked_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # Given to the upstream for this device's webhooks; needed in clear to verify HMACs.
    webhook_secret = models.CharField(max_length=100, default=new_webhook_secret, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="created_devices",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def slot_id(self) -> str:
        return self.upstream_id or str(self.id)
