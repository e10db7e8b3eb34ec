"""Project routes: the API, Djoser's account routes, token aliases, admin and API docs."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from djoser.views import TokenDestroyView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from LittleLemonDRF.urls import account_router
from LittleLemonDRF.views import TokenLoginView
from LittleLemonDRF.views.accounts import login_form
from LittleLemonDRF.views.kitchen import favicon, kitchen_board
from LittleLemonDRF.views.reservations import BookingViewSet, CapstoneMenuView
from LittleLemonDRF.views.tables_page import tables_page

login = TokenLoginView.as_view()
bookings = BookingViewSet.as_view({"get": "list", "post": "create"})
booking = BookingViewSet.as_view(
    {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}
)
logout = TokenDestroyView.as_view()

# The browsable API's login pages (rest_framework.urls), with the login form on the login budget.
browsable_api_login = (
    [
        path(
            "login/",
            login_form(auth_views.LoginView.as_view(template_name="rest_framework/login.html")),
            name="login",
        ),
        path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    ],
    "rest_framework",
)

urlpatterns = [
    path("admin/login/", login_form(admin.site.login)),
    path("admin/", admin.site.urls),
    path("api-auth/", include(browsable_api_login)),
    re_path(r"^api/schema/?$", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/", include("LittleLemonDRF.urls")),
    re_path(r"^auth/", include(account_router.urls)),
    re_path(r"^auth/token/login/?$", login, name="login"),
    re_path(r"^auth/token/logout/?$", logout, name="logout"),
    re_path(r"^token/login/?$", login, name="token-login"),
    re_path(r"^token/logout/?$", logout, name="token-logout"),
    path("kitchen/", kitchen_board, name="kitchen-board"),
    path("tables/", tables_page, name="tables-page"),
    # The Little Lemon capstone's booking API and menu, for its clients.
    re_path(r"^restaurant/booking/tables/?$", bookings, name="bookings"),
    re_path(r"^restaurant/booking/tables/(?P<pk>[0-9]+)/?$", booking, name="booking"),
    re_path(r"^restaurant/menu/?$", CapstoneMenuView.as_view(), name="capstone-menu"),
    path("favicon.ico", favicon, name="favicon"),
]

handler400 = "LittleLemonDRF.exceptions.bad_request"
handler404 = "LittleLemonDRF.exceptions.page_not_found"
handler500 = "LittleLemonDRF.exceptions.server_error"
