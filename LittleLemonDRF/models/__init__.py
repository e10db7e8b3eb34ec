"""Tables of the Little Lemon API, with the invariants the database itself enforces.

One module per area; every model is imported here, which is how Django finds them.
"""

from .accounts import ApiToken
from .bounds import (
    IDEMPOTENCY_KEY_MAX,
    NOTE_MAX,
    PRICE_MAX,
    PRICE_MIN,
    PRICE_RULE,
    QUANTITY_MAX,
    QUANTITY_RULE,
    RATING_MAX,
    RATING_MIN,
    RATING_RULE,
    STOCK_MAX,
    STOCK_RULE,
)
from .events import EVENT_ORDER_LOCK, OrderEvent
from .menu import ORDERABLE, Cart, Category, MenuItem, Rating
from .options import (
    ALLERGENS,
    DELTA_MAX,
    DELTA_RULE,
    DIETS,
    GROUP_PICKS_MAX,
    GROUP_RULE,
    LINE_NOTE_MAX,
    OptionChoice,
    OptionGroup,
    Refund,
    contains_any,
    free_of,
    read_picks,
)
from .orders import Order, OrderItem, OrderManager, OrderQuerySet, OrderStateChange
from .restaurant import Closure, Restaurant, ServiceHours, SlotTaken
from .tables import Reservation, Table
from .webhooks import WEBHOOK_URL_MAX, Webhook, WebhookDelivery

__all__ = [
    "ALLERGENS",
    "DELTA_MAX",
    "DELTA_RULE",
    "DIETS",
    "GROUP_PICKS_MAX",
    "GROUP_RULE",
    "LINE_NOTE_MAX",
    "OptionChoice",
    "OptionGroup",
    "Refund",
    "contains_any",
    "free_of",
    "read_picks",
    "EVENT_ORDER_LOCK",
    "IDEMPOTENCY_KEY_MAX",
    "NOTE_MAX",
    "ORDERABLE",
    "PRICE_MAX",
    "PRICE_MIN",
    "PRICE_RULE",
    "QUANTITY_MAX",
    "QUANTITY_RULE",
    "RATING_MAX",
    "RATING_MIN",
    "RATING_RULE",
    "STOCK_MAX",
    "STOCK_RULE",
    "WEBHOOK_URL_MAX",
    "ApiToken",
    "Cart",
    "Category",
    "MenuItem",
    "Order",
    "OrderEvent",
    "OrderItem",
    "OrderManager",
    "OrderQuerySet",
    "OrderStateChange",
    "Rating",
    "Webhook",
    "WebhookDelivery",
    "Reservation",
    "Table",
    "Closure",
    "Restaurant",
    "ServiceHours",
    "SlotTaken",
]
