"""DRF permission classes, built from roles.py and order_policy.py and nothing else."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from . import order_policy, roles


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


class CanChangeOrder(BasePermission):
    """Whoever order_policy lets change the order (checked after a scoped lookup)."""

    def has_object_permission(self, request, view, obj):
        return order_policy.can_change(request.user, obj)


class CanDeleteOrder(BasePermission):
    """Whoever order_policy lets delete the order: 404 for unseen orders comes before 403."""

    def has_object_permission(self, request, view, obj):
        return order_policy.can_delete(request.user, obj)
