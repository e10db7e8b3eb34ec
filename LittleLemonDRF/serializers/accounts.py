"""The serializers Djoser's account endpoints use (named in settings.DJOSER["SERIALIZERS"])."""

from django.contrib.auth import get_user_model
from djoser import serializers as djoser_serializers

from .common import OptionalEmailField

User = get_user_model()


class AccountSerializer(djoser_serializers.UserSerializer):
    email = OptionalEmailField(required=False, allow_blank=True, max_length=254)


class AccountCreateSerializer(djoser_serializers.UserCreateSerializer):
    email = OptionalEmailField(required=False, allow_blank=True, max_length=254)


class _ValidatedUidMixin:
    """Djoser decodes `uid` from the raw input; a JSON number there raised a 500.

    The fields have been validated (and coerced to strings) by the time validate() runs, so
    hand Djoser those instead.
    """

    def validate(self, attrs):
        self.initial_data = {"uid": attrs.get("uid", ""), "token": attrs.get("token", "")}
        return super().validate(attrs)


class ActivationSerializer(_ValidatedUidMixin, djoser_serializers.ActivationSerializer):
    pass


class PasswordResetConfirmSerializer(
    _ValidatedUidMixin, djoser_serializers.PasswordResetConfirmSerializer
):
    pass


class UsernameResetConfirmSerializer(
    _ValidatedUidMixin, djoser_serializers.UsernameResetConfirmSerializer
):
    pass


class EmailResetSerializer(djoser_serializers.SendEmailResetSerializer):
    """Djoser's reset request, safe when several accounts share an email (Django allows it).

    Djoser looked the address up with get(), a 500 on a shared address. The answer stays the
    same whether or not the address is known, so it reveals nothing about who is registered.
    """

    def get_user(self, is_active=True):
        email = self.data.get(self.email_field, "")
        users = User.objects.filter(is_active=is_active, **{self.email_field: email})
        return next((user for user in users.order_by("id") if user.has_usable_password()), None)
