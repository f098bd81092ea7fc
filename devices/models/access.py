"""Who may use a device: members with a role, and the device's own API keys."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.access import Role
from core.models import TimeStampedModel


class DeviceMembership(TimeStampedModel):
    """A dashboard user's role on one device: viewer reads, admin operates, owner manages."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="device_memberships"
    )
    device = models.ForeignKey(
        "devices.Device", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["device", "user"], name="devices_membership_unique"),
        ]
        indexes = [
            models.Index(fields=["user", "device"], name="devices_membership_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} is {self.role} of {self.device}"


class DeviceInvitation(TimeStampedModel):
    """A role on a device waiting for an email that no active user has yet.

    Owners add members by email and are not told whether the address has an account; for one
    that has none the role waits here, and the first sign-in with that (verified) email turns
    it into a membership. `email` is stored stripped and lower-cased.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    device = models.ForeignKey(
        "devices.Device", on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sent_device_invitations",
    )

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["device", "email"], name="devices_invitation_unique"),
        ]
        indexes = [models.Index(fields=["email"], name="devices_invitation_email")]

    def __str__(self) -> str:
        return f"{self.email} invited as {self.role} of {self.device}"


class DeviceApiKey(TimeStampedModel):
    """A key scoped to one device, for integrations (`X-API-Key`).

    The key reads `wa_<prefix>_<secret>`; only the prefix (to find the row) and the SHA-256 of
    the whole key are stored, so the key is shown once, at creation. A full key acts as an admin
    of its device, a read-only key as a viewer; no key ever acts as an owner.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    device = models.ForeignKey("devices.Device", on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField("SHA-256 of the key", max_length=64, editable=False)
    read_only = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="created_api_keys",
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "device API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def role(self) -> str:
        return Role.VIEWER if self.read_only else Role.ADMIN

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now
