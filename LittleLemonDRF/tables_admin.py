"""Django admin for tables and reservations, and each customer's count of no-shows.

Saves, deletes and actions go through services.reservations, as the API's writes do; the
status actions come from reservation_policy.MOVES, applied as the signed-in staff member.
"""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count, Q

from . import reservation_policy
from .admin_base import ServiceModelAdmin
from .errors import DomainError
from .models import Reservation, Table
from .services import reservations as services

User = get_user_model()


@admin.register(Table)
class TableAdmin(ServiceModelAdmin):
    list_display = ["id", "name", "seats", "active"]
    list_filter = ["active"]
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        services.table_save(table=obj)

    def delete_model(self, request, obj):
        try:
            services.table_delete(table=obj)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)


@admin.register(Reservation)
class ReservationAdmin(ServiceModelAdmin):
    """Reservations: read here, moved by the actions (the API's rules, as this staff member);
    a new one is booked through the API, which picks its table."""

    list_display = ["id", "start", "name", "party_size", "table", "status", "user", "phone"]
    list_filter = ["status", "start", ("table", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["user", "table"]
    search_fields = ["name", "phone", "user__username"]
    date_hierarchy = "start"
    readonly_fields = ["user", "start", "end", "table", "status", "party_size", "created"]
    fields = [*readonly_fields, "name", "phone", "note"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        details = {name: form.cleaned_data[name] for name in form.changed_data}
        if details:
            services.reservation_update(reservation=obj, by=request.user, **details)

    def delete_model(self, request, obj):
        services.reservation_delete(reservation=obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        targets = {to for (_, to), move in reservation_policy.MOVES.items()}
        for to in sorted(targets):
            name = f"mark_{to}"
            actions[name] = (_mover(to), name, f"Mark selected reservations {to}")
        return actions


def _mover(status: str):
    def move(modeladmin, request, queryset):
        changed, refused = 0, []
        for reservation in queryset:
            try:
                services.reservation_update(reservation=reservation, by=request.user, status=status)
                changed += 1
            except DomainError as error:
                refused.append(f"#{reservation.pk}: {error.message}")
        modeladmin.message_user(request, f"{changed} reservation(s) marked {status}.")
        if refused:
            modeladmin.message_user(request, "Not changed: " + "; ".join(refused), messages.WARNING)

    return move


class CustomerAdmin(UserAdmin):
    """Django's user admin, with each customer's count of no-shows."""

    list_display = [*UserAdmin.list_display, "no_shows"]

    def get_queryset(self, request):
        no_shows = Count("reservations", filter=Q(reservations__status=Reservation.Status.NO_SHOW))
        return super().get_queryset(request).annotate(no_shows=no_shows)

    @admin.display(description="no-shows", ordering="no_shows")
    def no_shows(self, user) -> int:
        return user.no_shows


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, CustomerAdmin)
