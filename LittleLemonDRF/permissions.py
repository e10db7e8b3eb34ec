"""DRF permission classes, built from roles.py and nothing else."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from . import roles


class IsManager(BasePermission):
    """Managers and admins."""

    def has_permission(self, request, view):
        return roles.is_manager(request.user)


class IsManagerOrReadOnly(BasePermission):
    """Anyone may read; managers and admins may write."""

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or roles.is_manager(request.user)


class IsAuthorOrAdminOrReadOnly(BasePermission):
    """Anyone may read; only the object's author (its `user`) or an admin may change it."""

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or bool(request.user.is_authenticated)

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        return obj.user_id == request.user.pk or roles.is_admin(request.user)


class IsManagerOrAssignedCrew(BasePermission):
    """Managers change any order; a crew member only an order assigned to them."""

    def has_object_permission(self, request, view, obj):
        if roles.is_manager(request.user):
            return True
        return roles.is_delivery_crew(request.user) and obj.delivery_crew_id == request.user.pk


class IsManagerOnObject(BasePermission):
    """Managers and admins, checked on the object after a scoped lookup: 404 comes before 403."""

    def has_object_permission(self, request, view, obj):
        return roles.is_manager(request.user)
