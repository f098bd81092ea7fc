"""Serializers of the devices API: one class per input or output, each with a unique name
(drf-spectacular names components after them)."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from devices.models import Device, DeviceApiKey, DeviceMembership, Role


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
