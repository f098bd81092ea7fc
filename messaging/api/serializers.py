"""Serializers of the messaging API: one class per input or output, each with a unique name
(drf-spectacular names components after them)."""

from __future__ import annotations

from rest_framework import serializers

from messaging.media_urls import media_url_refusal
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


SEND_KINDS = ("text", "image", "document", "video", "audio", "sticker", "location", "contact")
MEDIA_KINDS = ("image", "document", "video", "audio", "sticker")
TEXT_MAX = 4096


class MessageSendInputSerializer(serializers.Serializer):
    """`POST /messages`: one recipient (`to` or `contact_id`) and what its `type` needs."""

    device_id = serializers.UUIDField()
    to = serializers.CharField(
        required=False, max_length=100, help_text="A phone in any common notation, or a JID."
    )
    contact_id = serializers.UUIDField(required=False)
    type = serializers.ChoiceField(choices=SEND_KINDS, default="text")
    text = serializers.CharField(required=False, max_length=TEXT_MAX, trim_whitespace=False)
    media_url = serializers.URLField(required=False, max_length=2000)
    caption = serializers.CharField(required=False, max_length=1024)
    filename = serializers.CharField(required=False, max_length=200)
    latitude = serializers.FloatField(required=False, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, min_value=-180, max_value=180)
    contact_name = serializers.CharField(required=False, max_length=200)
    contact_phone = serializers.CharField(required=False, max_length=30)
    reply_to = serializers.UUIDField(
        required=False, help_text="The id of a message of this device to reply to."
    )

    def validate(self, attrs):
        errors: dict[str, list[str]] = {}
        if ("to" in attrs) == ("contact_id" in attrs):
            errors["to"] = ["Give exactly one of to and contact_id."]
        kind = attrs["type"]
        needs = {
            "text": ("text",),
            "location": ("latitude", "longitude"),
            "contact": ("contact_name", "contact_phone"),
        }.get(kind, ("media_url",))
        for field in needs:
            value = attrs.get(field)
            if value is None or (isinstance(value, str) and not value.strip()):
                errors[field] = ["Required for a " + kind + " message."]
        if kind in MEDIA_KINDS and attrs.get("media_url"):
            problem = media_url_refusal(attrs["media_url"])
            if problem:
                errors["media_url"] = [problem]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs
