"""Serializers of the messaging API: one class per input or output, each with a unique name
(drf-spectacular names components after them)."""

from __future__ import annotations

from rest_framework import serializers

from messaging.models import Message


class MessageOutputSerializer(serializers.ModelSerializer):
    device_id = serializers.UUIDField(read_only=True)
    contact_id = serializers.UUIDField(read_only=True, allow_null=True)
    ignore_rule_id = serializers.UUIDField(read_only=True, allow_null=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "device_id",
            "chat_jid",
            "sender_jid",
            "contact_id",
            "direction",
            "kind",
            "text",
            "media",
            "location",
            "shared_contacts",
            "replied_to_id",
            "quoted_text",
            "reactions",
            "upstream_id",
            "status",
            "error_code",
            "error_detail",
            "origin",
            "is_ignored",
            "ignore_rule_id",
            "timestamp",
            "sent_at",
            "delivered_at",
            "read_at",
            "edited_at",
            "revoked_at",
            "deleted_at",
            "created_at",
        ]
        read_only_fields = fields


class MessageListFilterSerializer(serializers.Serializer):
    """The query parameters of GET /messages."""

    device_id = serializers.UUIDField(required=False)
    contact_id = serializers.UUIDField(required=False)
    chat_jid = serializers.CharField(required=False, max_length=100)
    direction = serializers.ChoiceField(choices=Message.Direction.choices, required=False)
    status = serializers.ChoiceField(choices=Message.Status.choices, required=False)
    kind = serializers.ChoiceField(choices=Message.Kind.choices, required=False)
    since = serializers.DateTimeField(required=False, help_text="From this time (inclusive).")
    until = serializers.DateTimeField(required=False, help_text="Before this time.")
    search = serializers.CharField(
        required=False, max_length=200, help_text="Text contained in the message."
    )
    include_ignored = serializers.BooleanField(
        required=False, default=False, help_text="Also messages an ignore rule flagged."
    )

    def validate(self, attrs):
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and until <= since:
            raise serializers.ValidationError({"until": ["Must be after since."]})
        return attrs
