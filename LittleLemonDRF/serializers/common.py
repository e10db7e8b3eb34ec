"""Small shapes several areas share: messages, user references, usernames."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .engine import FastReadMixin, ModelSerializer

User = get_user_model()


@extend_schema_field(
    {
        "anyOf": [{"type": "string", "format": "email"}, {"type": "string", "maxLength": 0}],
        "description": "An email address, or empty when none was given.",
    }
)
class OptionalEmailField(serializers.EmailField):
    """Django's users may have no email: the schema must allow "" as well as an address."""


class UserRefSerializer(FastReadMixin, ModelSerializer):
    """How a user appears inside other objects."""

    class Meta:
        model = User
        fields = ["id", "username"]
        read_only_fields = fields


class GroupMemberSerializer(ModelSerializer):
    email = OptionalEmailField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "email"]
        read_only_fields = fields


class UsernameSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class MessageSerializer(serializers.Serializer):
    message = serializers.CharField()
