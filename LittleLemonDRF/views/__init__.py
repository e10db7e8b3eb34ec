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
from .webhooks import WebhookViewSet

__all__ = [
    "AccountViewSet",
    "CartViewSet",
    "CategoryViewSet",
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
    "SecretView",
    "ThrottleCheckAuthView",
    "ThrottleCheckView",
    "TokenLoginView",
    "WebhookViewSet",
]
