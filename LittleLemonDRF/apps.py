from django.apps import AppConfig


class LittleLemonDRFConfig(AppConfig):
    name = "LittleLemonDRF"
    verbose_name = "Little Lemon"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save, pre_save

        from . import authentication, cache_dependencies, checks, schema  # noqa: F401  (checks, schema)

        # Every write of what a cache reads forgets it, whichever way it is made.
        cache_dependencies.connect()
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
