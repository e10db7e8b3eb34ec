"""Project routes: the API, Djoser's account routes, token aliases, admin and API docs."""

from django.contrib import admin
from django.urls import include, path, re_path
from djoser.views import TokenDestroyView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from LittleLemonDRF.urls import account_router
from LittleLemonDRF.views import TokenLoginView
from LittleLemonDRF.views.kitchen import kitchen_board

login = TokenLoginView.as_view()
logout = TokenDestroyView.as_view()

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api-auth/", include("rest_framework.urls")),
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
]

handler400 = "LittleLemonDRF.exceptions.bad_request"
handler404 = "LittleLemonDRF.exceptions.page_not_found"
handler500 = "LittleLemonDRF.exceptions.server_error"
