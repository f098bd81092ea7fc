from rest_framework import serializers

from accounts.models import User


class UserMeOutputSerializer(serializers.ModelSerializer):
    # Plain strings: either may be "" (no email, no picture), which `format: email` / `uri`
    # in the schema would not allow.
    email = serializers.CharField(read_only=True, help_text='An email address, or "".')
    picture_url = serializers.CharField(
        read_only=True, help_text='An http(s) URL of the user\'s picture, or "".'
    )

    class Meta:
        model = User
        fields = ["id", "email", "name", "picture_url", "date_joined"]
        read_only_fields = fields
