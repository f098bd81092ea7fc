"""The people a device talks to, and the traffic it chooses not to answer."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel


class Contact(TimeStampedModel):
    """One person as one device knows them.

    `jid` is the phone JID (`<digits>@s.whatsapp.net`) once the phone is known, else the LID
    JID the person first appeared under; `lid` keeps the LID as an alias, so a person seen as
    `@lid` in a group and by phone in a chat stays one contact. `phone` is E.164 digits
    (country code first, no `+`), blank while only the LID is known.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    device = models.ForeignKey(
        "devices.Device", on_delete=models.CASCADE, related_name="contacts"
    )
    jid = models.CharField("JID", max_length=100)
    phone = models.CharField(max_length=20, blank=True)
    lid = models.CharField("LID", max_length=100, blank=True)
    push_name = models.CharField(max_length=200, blank=True)
    name = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    is_blocked = models.BooleanField(default=False)
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["device", "jid"], name="contacts_contact_jid_unique"),
            models.UniqueConstraint(
                fields=["device", "lid"], condition=~Q(lid=""), name="contacts_contact_lid_unique"
            ),
            models.UniqueConstraint(
                fields=["device", "phone"],
                condition=~Q(phone=""),
                name="contacts_contact_phone_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["device", "-created_at", "-id"], name="contacts_contact_device"),
        ]

    def __str__(self) -> str:
        return self.name or self.push_name or self.phone or self.jid

    @property
    def display_name(self) -> str:
        return str(self)


class IgnoreRule(TimeStampedModel):
    """Traffic a device stores but hides and never answers: a contact (phone or JID), a group
    (its JID), or a keyword (a whole word of the text, case-insensitive)."""

    class Kind(models.TextChoices):
        CONTACT = "contact", "Contact"
        GROUP = "group", "Group"
        KEYWORD = "keyword", "Keyword"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    device = models.ForeignKey(
        "devices.Device", on_delete=models.CASCADE, related_name="ignore_rules"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["device", "kind", "value"], name="contacts_ignore_rule_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"
