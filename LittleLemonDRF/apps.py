from django.apps import AppConfig


class LittleLemonDRFConfig(AppConfig):
    name = "LittleLemonDRF"
    verbose_name = "Little Lemon"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete

        from . import checks, schema, services  # noqa: F401  (system checks, schema extensions)

        post_delete.connect(
            services.user_deleted,
            sender=get_user_model(),
            dispatch_uid="littlelemon-user-deleted",
        )
