"""Viewsets and small APIViews that wire serializers, selectors and services together."""

from .accounts import (
    AccountViewSet,
    JWTBlacklistView,
    JWTObtainPairView,
    JWTRefreshView,
    ObtainAuthTokenView,
    TokenLoginView,
)
from .cart import CartViewSet
from .demo import ManagerView, SecretView, ThrottleCheckAuthView, ThrottleCheckView
from .groups import GroupMembersView, GroupMemberView
from .menu import CategoryViewSet, MenuItemViewSet, RatingViewSet
from .operations import HealthView
from .orders import OrderViewSet
from .restaurant import ClosureViewSet, RestaurantView, ServiceHoursViewSet, SlotListView
from .webhooks import WebhookViewSet

__all__ = [
    "AccountViewSet",
    "CartViewSet",
    "CategoryViewSet",
    "ClosureViewSet",
    "GroupMemberView",
    "GroupMembersView",
    "HealthView",
    "JWTBlacklistView",
    "JWTObtainPairView",
    "JWTRefreshView",
    "ManagerView",
    "MenuItemViewSet",
    "ObtainAuthTokenView",
    "OrderViewSet",
    "RatingViewSet",
    "RestaurantView",
    "SecretView",
    "ServiceHoursViewSet",
    "SlotListView",
    "ThrottleCheckAuthView",
    "ThrottleCheckView",
    "TokenLoginView",
    "WebhookViewSet",
]
