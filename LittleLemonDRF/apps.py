from django.apps import AppConfig


class LittleLemonDRFConfig(AppConfig):
    name = "LittleLemonDRF"
    verbose_name = "Little Lemon"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.db.models.signals import post_delete, post_save
        from rest_framework.authtoken.models import Token

        from . import authentication, checks, schema, services  # noqa: F401  (checks, schema)
        from .models import ApiToken

        post_delete.connect(
            services.user_deleted,
            sender=get_user_model(),
            dispatch_uid="littlelemon-user-deleted",
        )
        post_save.connect(
            services.user_saved,
            sender=get_user_model(),
            dispatch_uid="littlelemon-user-saved",
        )
        # The token cache (authentication.py): tokens, users and groups change outside our
        # services too. (Memberships change through services.group_add_user and _remove_user,
        # and through the admin's user form, which saves the user.)
        for model in (Token, ApiToken, get_user_model(), Group):
            for change, signal in (("saved", post_save), ("deleted", post_delete)):
                signal.connect(
                    authentication.forget_tokens,
                    sender=model,
                    dispatch_uid=f"littlelemon-forget-tokens-{model.__name__}-{change}",
                )
