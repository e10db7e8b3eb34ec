"""Writes with business rules. Services take the acting user and plain values, never a request.

Every write of the app goes through here, the admin's included, so each rule and its message
exist once, and so do the side effects of a write: the shared caches are invalidated here and
nowhere else (caching.py explains the versions). One module per area, every service named here.
"""

from ..errors import BadIdempotencyKey
from .accounts import group_add_user, group_remove_user, token_for_login, user_deleted, user_saved
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
from .orders import IDEMPOTENCY_WINDOW, order_delete, order_place, order_update

__all__ = [
    "IDEMPOTENCY_WINDOW",
    "BadIdempotencyKey",
    "cart_add_item",
    "cart_clear",
    "cart_remove_line",
    "cart_set_quantity",
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
    "token_for_login",
    "user_deleted",
    "user_saved",
]
