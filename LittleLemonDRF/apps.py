from django.apps import AppConfig


class LittleLemonDRFConfig(AppConfig):
    name = "LittleLemonDRF"
    verbose_name = "Little Lemon"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import checks, schema  # noqa: F401  (register the system checks and schema extensions)
        from .caching import MENU, ORDERS
        from .models import Category, MenuItem, Order, Rating

        # Menu pages show categories, dishes and the ratings summarised on them; order
        # lists are counted from orders.
        watched = {Category: MENU, MenuItem: MENU, Rating: MENU, Order: ORDERS}
        for model, namespace in watched.items():
            for signal in (post_save, post_delete):
                signal.connect(
                    _invalidator(namespace),
                    sender=model,
                    weak=False,
                    dispatch_uid=f"cache-{model.__name__}-{signal is post_save}",
                )


def _invalidator(namespace):
    def changed(sender, **kwargs):
        from .caching import invalidate

        invalidate(namespace)

    return changed
