"""Routes under /api/: one router, plus explicit paths for the cart, groups and demo views.

Every route takes its trailing slash as optional, for every method, without a redirect.
"""

from django.urls import include, re_path
from rest_framework.routers import SimpleRouter

from . import roles, views
from .views.options import OptionChoiceViewSet, OptionGroupViewSet
from .views.refunds import OrderRefundsView
from .views.reservations import AvailabilityView, ReservationViewSet, TableViewSet
from .views.stream import order_stream


class OptionalSlashRouter(SimpleRouter):
    def __init__(self):
        super().__init__()
        self.trailing_slash = "/?"


router = OptionalSlashRouter()
router.register("categories", views.CategoryViewSet, basename="category")
router.register("menu-items", views.MenuItemViewSet, basename="menuitem")
router.register("ratings", views.RatingViewSet, basename="rating")
router.register("orders", views.OrderViewSet, basename="order")
router.register("webhooks", views.WebhookViewSet, basename="webhook")
router.register("tables", TableViewSet, basename="table")
router.register("reservations", ReservationViewSet, basename="reservation")
router.register("service-hours", views.ServiceHoursViewSet, basename="service-hours")
router.register("closures", views.ClosureViewSet, basename="closure")
router.register("option-groups", OptionGroupViewSet, basename="option-group")
router.register("option-choices", OptionChoiceViewSet, basename="option-choice")

# Djoser's user routes, mounted at /auth/ (the project's urls) and at /api/users/ (the course).
account_router = OptionalSlashRouter()
account_router.register("users", views.AccountViewSet, basename="user")

cart = views.CartViewSet.as_view({"get": "list", "post": "create", "delete": "clear"})
cart_line = views.CartViewSet.as_view(
    {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
)


def group_routes(slug: str, group_name: str) -> list:
    members = views.GroupMembersView.as_view(group_name=group_name)
    member = views.GroupMemberView.as_view(group_name=group_name)
    return [
        re_path(rf"^groups/{slug}/users/?$", members, name=f"{slug}-members"),
        re_path(rf"^groups/{slug}/users/(?P<user_id>[0-9]+)/?$", member, name=f"{slug}-member"),
    ]


urlpatterns = [
    re_path(r"^orders/stream/?$", order_stream, name="order-stream"),
    re_path(r"^orders/(?P<pk>[0-9]+)/refunds/?$", OrderRefundsView.as_view(), name="order-refunds"),
    re_path(r"^reservations/availability/?$", AvailabilityView.as_view(), name="availability"),
    *router.urls,
    re_path(r"^users/?$", views.AccountViewSet.as_view({"post": "create"}), name="register"),
    re_path(r"^users/", include((account_router.urls, "course-users"))),
    re_path(r"^api-token-auth/?$", views.ObtainAuthTokenView.as_view(), name="api-token-auth"),
    re_path(r"^token/?$", views.JWTObtainPairView.as_view(), name="jwt-create"),
    re_path(r"^token/refresh/?$", views.JWTRefreshView.as_view(), name="jwt-refresh"),
    re_path(r"^token/blacklist/?$", views.JWTBlacklistView.as_view(), name="jwt-blacklist"),
    re_path(r"^cart/menu-items/?$", cart, name="cart"),
    re_path(r"^cart/menu-items/(?P<pk>[0-9]+)/?$", cart_line, name="cart-line"),
    *group_routes("manager", roles.MANAGER),
    *group_routes("delivery-crew", roles.DELIVERY_CREW),
    re_path(r"^secret/?$", views.SecretView.as_view(), name="secret"),
    re_path(r"^manager-view/?$", views.ManagerView.as_view(), name="manager-view"),
    re_path(r"^throttle-check/?$", views.ThrottleCheckView.as_view(), name="throttle-check"),
    re_path(
        r"^throttle-check-auth/?$",
        views.ThrottleCheckAuthView.as_view(),
        name="throttle-check-auth",
    ),
    re_path(r"^health/?$", views.HealthView.as_view(), name="health"),
    re_path(r"^restaurant/?$", views.RestaurantView.as_view(), name="restaurant"),
    re_path(r"^slots/?$", views.SlotListView.as_view(), name="slots"),
]
