from django.apps import AppConfig


class LittleLemonDRFConfig(AppConfig):
    name = "LittleLemonDRF"
    verbose_name = "Little Lemon"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save, pre_save

        from . import authentication, checks, schema, services  # noqa: F401  (checks, schema)

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
        # A saved password that differs from the stored one ends the user's tokens, whoever
        # saves it (authentication.py).
        pre_save.connect(
            authentication.remember_stored_password,
            sender=get_user_model(),
            dispatch_uid="littlelemon-remember-stored-password",
        )
        post_save.connect(
            authentication.revoke_tokens_on_password_change,
            sender=get_user_model(),
            dispatch_uid="littlelemon-revoke-tokens-on-password-change",
        )
