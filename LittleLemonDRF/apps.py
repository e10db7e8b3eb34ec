from django.apps import AppConfig


class LittleLemonDRFConfig(AppConfig):
    name = "LittleLemonDRF"
    verbose_name = "Little Lemon"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import checks, schema  # noqa: F401  (register the system checks and schema extensions)
        from .models import Category, MenuItem, Rating

        # Anything a menu page shows: categories, dishes, and the ratings summarised on them.
        for model in (Category, MenuItem, Rating):
            for signal in (post_save, post_delete):
                signal.connect(_menu_changed, sender=model, dispatch_uid=f"menu-{model.__name__}")


def _menu_changed(sender, **kwargs):
    from .response_cache import invalidate

    invalidate()
