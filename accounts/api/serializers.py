from rest_framework import serializers

from accounts.models import User


class UserMeOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "name", "picture_url", "date_joined"]
        read_only_fields = fields
