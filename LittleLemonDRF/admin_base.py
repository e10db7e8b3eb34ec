"""What every model admin of the app shares: writes go through the services."""

from django.contrib import admin


class ServiceModelAdmin(admin.ModelAdmin):
    """A model admin whose deletions go through its `delete_model` (a service call), the
    "delete selected" action included, so a bulk delete keeps the service's rules and
    events rather than one queryset delete passing them by."""

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
