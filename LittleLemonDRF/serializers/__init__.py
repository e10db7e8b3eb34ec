"""JSON in and out, and field validation: one module per area, every shape named here.

settings.DJOSER["SERIALIZERS"] names the account serializers by their path in this package.
"""

from .accounts import (
    AccountCreateSerializer,
    AccountSerializer,
    ActivationSerializer,
    EmailResetSerializer,
    PasswordResetConfirmSerializer,
    UsernameResetConfirmSerializer,
)
from .cart import CartAddSerializer, CartLineSerializer, CartQuantitySerializer
from .common import (
    DetailSerializer,
    GroupMemberSerializer,
    MessageSerializer,
    OptionalEmailField,
    UsernameSerializer,
    UserRefSerializer,
)
from .engine import AliasMixin, BooleanField, FastReadMixin, ModelSerializer
from .menu import (
    CategorySerializer,
    MenuItemRefSerializer,
    MenuItemSerializer,
    RatingSerializer,
    RatingSummarySerializer,
)
from .orders import (
    OrderCreateSerializer,
    OrderItemSerializer,
    OrderSerializer,
    OrderStateChangeSerializer,
    OrderSummarySerializer,
    OrderUpdateSerializer,
)
from .webhooks import WebhookCreatedSerializer, WebhookDeliverySerializer, WebhookSerializer

__all__ = [
    "AccountCreateSerializer",
    "AccountSerializer",
    "ActivationSerializer",
    "AliasMixin",
    "BooleanField",
    "CartAddSerializer",
    "CartLineSerializer",
    "CartQuantitySerializer",
    "CategorySerializer",
    "DetailSerializer",
    "EmailResetSerializer",
    "FastReadMixin",
    "GroupMemberSerializer",
    "MenuItemRefSerializer",
    "MenuItemSerializer",
    "MessageSerializer",
    "ModelSerializer",
    "OptionalEmailField",
    "OrderCreateSerializer",
    "OrderItemSerializer",
    "OrderSerializer",
    "OrderStateChangeSerializer",
    "OrderSummarySerializer",
    "OrderUpdateSerializer",
    "PasswordResetConfirmSerializer",
    "RatingSerializer",
    "RatingSummarySerializer",
    "UserRefSerializer",
    "UsernameResetConfirmSerializer",
    "UsernameSerializer",
    "WebhookCreatedSerializer",
    "WebhookDeliverySerializer",
    "WebhookSerializer",
]
