"""Writes with business rules. Services take the acting user and plain values, never a request.

Every write of the app goes through here, the admin's included, so each rule and its message
exist once. The shared caches follow every write by themselves (cache_dependencies.py).
One module per area, every service named here.
"""

from ..errors import BadIdempotencyKey
from .accounts import group_add_user, group_remove_user, token_for_login
from .cart import cart_add_item, cart_clear, cart_remove_line, cart_set_quantity
from .menu import (
    category_delete,
    category_save,
    menu_item_delete,
    menu_item_save,
    menu_load,
    rating_create,
    rating_delete,
    rating_set,
)
from .options import (
    option_choice_delete,
    option_choice_save,
    option_group_delete,
    option_group_save,
)
from .orders import IDEMPOTENCY_WINDOW, order_delete, order_place, order_update
from .refunds import refund_make
from .restaurant import (
    closure_delete,
    closure_save,
    restaurant_update,
    service_hours_check,
    service_hours_delete,
    service_hours_demo_load,
    service_hours_save,
)

__all__ = [
    "option_choice_delete",
    "option_choice_save",
    "option_group_delete",
    "option_group_save",
    "refund_make",
    "IDEMPOTENCY_WINDOW",
    "BadIdempotencyKey",
    "cart_add_item",
    "cart_clear",
    "cart_remove_line",
    "cart_set_quantity",
    "closure_delete",
    "closure_save",
    "category_delete",
    "category_save",
    "group_add_user",
    "group_remove_user",
    "menu_item_delete",
    "menu_item_save",
    "menu_load",
    "order_delete",
    "order_place",
    "order_update",
    "rating_create",
    "rating_delete",
    "rating_set",
    "restaurant_update",
    "service_hours_check",
    "service_hours_delete",
    "service_hours_demo_load",
    "service_hours_save",
    "token_for_login",
]
