"""The restaurant's settings, service hours and closures in the Django admin, written through
the same services as the API (services/restaurant.py); slot places are shown, never edited."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from .. import services
from ..admin_base import ServiceModelAdmin
from ..errors import DomainError
from ..models import Closure, Restaurant, ServiceHours, SlotTaken


@admin.register(Restaurant)
class RestaurantAdmin(admin.ModelAdmin):
    """The one row of settings: changed, never added twice or deleted."""

    list_display = ["name", "timezone", "slot_minutes", "lead_minutes", "paused_until"]

    def has_add_permission(self, request):
        return not Restaurant.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        fields = form.changed_data if change else [f.name for f in Restaurant._meta.fields]
        changes = {name: getattr(obj, name) for name in fields if name != "id"}
        obj.pk = services.restaurant_update(changes=changes).pk


class ServiceHoursForm(forms.ModelForm):
    class Meta:
        model = ServiceHours
        fields = ["fulfilment", "weekday", "opens", "closes", "capacity"]

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            hours = ServiceHours(pk=self.instance.pk, **cleaned)
            try:
                services.service_hours_check(hours)
            except DomainError as error:
                raise ValidationError(error.message) from error
        return cleaned


@admin.register(ServiceHours)
class ServiceHoursAdmin(ServiceModelAdmin):
    form = ServiceHoursForm
    list_display = ["fulfilment", "weekday", "opens", "closes", "capacity"]
    list_filter = ["fulfilment", "weekday"]

    def save_model(self, request, obj, form, change):
        services.service_hours_save(hours=obj)

    def delete_model(self, request, obj):
        services.service_hours_delete(hours=obj)


@admin.register(Closure)
class ClosureAdmin(ServiceModelAdmin):
    list_display = ["starts", "ends", "reason"]
    search_fields = ["reason"]
    date_hierarchy = "starts"

    def save_model(self, request, obj, form, change):
        services.closure_save(closure=obj)

    def delete_model(self, request, obj):
        services.closure_delete(closure=obj)


@admin.register(SlotTaken)
class SlotTakenAdmin(admin.ModelAdmin):
    """How many orders hold each slot: kept by placing, moving and cancelling orders."""

    list_display = ["start", "fulfilment", "taken"]
    list_filter = ["fulfilment"]
    date_hierarchy = "start"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
