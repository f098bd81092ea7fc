"""Serializers of the devices API: one class per input or output, each with a unique name
(drf-spectacular names components after them)."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from devices.models import Device, DeviceApiKey, DeviceInvitation, DeviceMembership, Role
from devices.whatsapp.phones import normalise_phone


class DeviceOutputSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(
        source="caller_role",
        choices=Role.choices,
        read_only=True,
        help_text="The caller's role on the device (an API key: admin, or viewer if read-only).",
    )

    class Meta:
        model = Device
        fields = [
            "id",
            "name",
            "state",
            "jid",
            "phone_number",
            "display_name",
            "last_seen_at",
            "created_at",
            "updated_at",
            "role",
        ]
        read_only_fields = fields


class DeviceCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class DeviceUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)


class DeviceStatusOutputSerializer(DeviceOutputSerializer):
    upstream_state = serializers.CharField(read_only=True)
    checked_at = serializers.DateTimeField(source="state_checked_at", read_only=True)
    stale = serializers.BooleanField(
        read_only=True,
        help_text="True when the upstream could not be asked: the stored state is shown.",
    )

    class Meta(DeviceOutputSerializer.Meta):
        fields = [*DeviceOutputSerializer.Meta.fields, "upstream_state", "checked_at", "stale"]
        read_only_fields = fields


class DeviceLoginQROutputSerializer(serializers.Serializer):
    qr_code = serializers.CharField(source="data_uri", help_text="The QR code as a PNG data URI.")
    expires_at = serializers.DateTimeField()
    expires_in = serializers.IntegerField(
        source="duration_seconds", help_text="Seconds until the code expires."
    )


class DeviceLoginCodeInputSerializer(serializers.Serializer):
    phone_number = serializers.CharField(
        max_length=32, help_text="The account's number in international format, e.g. +5511…"
    )

    def validate_phone_number(self, value: str) -> str:
        try:
            return normalise_phone(value)
        except ValueError:
            raise serializers.ValidationError(
                "Enter a phone number in international format, country code first."
            ) from None


class DeviceLoginCodeOutputSerializer(serializers.Serializer):
    pair_code = serializers.CharField(
        source="code", help_text="Enter it on the phone: Linked devices → Link with phone number."
    )


class DeviceMemberOutputSerializer(serializers.ModelSerializer):
    user_id = serializers.IntegerField(source="user.pk", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    name = serializers.CharField(source="user.name", read_only=True)

    class Meta:
        model = DeviceMembership
        fields = ["id", "user_id", "email", "name", "role", "created_at"]
        read_only_fields = fields


class DeviceMemberCreateInputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices, default=Role.VIEWER)

    def validate_email(self, value: str) -> str:
        return value.strip().lower()


class DeviceMemberAddedOutputSerializer(serializers.Serializer):
    """The answer to adding a member: the same whether or not the email has an account."""

    email = serializers.EmailField(help_text="The address as stored: trimmed, lower-case.")
    role = serializers.ChoiceField(choices=Role.choices)
    status = serializers.ChoiceField(
        choices=["invited"],
        help_text=(
            "Always `invited`: the address has the role now if its user has signed in before, "
            "or from their first sign-in. The member and invitation lists show which."
        ),
    )


class DeviceInvitationOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeviceInvitation
        fields = ["id", "email", "role", "invited_by_id", "created_at"]
        read_only_fields = fields


class DeviceMemberUpdateInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class DeviceApiKeyOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeviceApiKey
        fields = [
            "id",
            "name",
            "prefix",
            "read_only",
            "created_at",
            "last_used_at",
            "expires_at",
            "revoked_at",
        ]
        read_only_fields = fields


class DeviceApiKeyCreatedOutputSerializer(DeviceApiKeyOutputSerializer):
    key = serializers.CharField(
        read_only=True, help_text="The whole key. Shown once: only its prefix is stored."
    )

    class Meta(DeviceApiKeyOutputSerializer.Meta):
        fields = [*DeviceApiKeyOutputSerializer.Meta.fields, "key"]
        read_only_fields = fields


class DeviceApiKeyCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    read_only = serializers.BooleanField(default=False)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate_expires_at(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("Must be in the future.")
        return value


class UserDeviceLinkInputSerializer(serializers.Serializer):
    api_key = serializers.CharField(
        max_length=200, help_text="A full (not read-only) API key of the device to link."
    )


class WebhookReceiptOutputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["recorded", "duplicate"])
    event_id = serializers.IntegerField()
