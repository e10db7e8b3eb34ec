"""The project's routes plus `/api/bench/baseline`, last: resolving it costs no less than an
endpoint's route."""

from django.urls import re_path

from LittleLemon.urls import handler400, handler404, handler500, urlpatterns

from .views import BaselineView

__all__ = ["handler400", "handler404", "handler500", "urlpatterns"]

urlpatterns = [*urlpatterns, re_path(r"^api/bench/baseline/?$", BaselineView.as_view())]
