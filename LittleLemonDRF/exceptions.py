"""Domain errors and the project's exception handler."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.http import JsonResponse
from django.views import defaults
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.views import exception_handler as drf_exception_handler


class DomainError(APIException):
    """A business rule refused the request; the message is safe to show the client."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The request breaks a business rule."
    default_code = "domain_error"


class EmptyCart(DomainError):
    default_detail = "Your cart is empty."
    default_code = "empty_cart"


class NotDeliveryCrew(DomainError):
    default_detail = "That user is not a member of the Delivery crew group."
    default_code = "not_delivery_crew"


class AlreadyRated(ValidationError):
    """A second rating of the same dish by the same user, reported on `menuitem_id`."""

    message = "You have already rated this menu item; change that rating instead."

    def __init__(self):
        super().__init__({"menuitem_id": [self.message]}, code="unique")


class CartLineTooLarge(ValidationError):
    """An add that would take a cart line past its maximum, reported on `quantity`."""

    message = "A cart line holds at most 100 of a dish."

    def __init__(self):
        super().__init__({"quantity": [self.message]}, code="max_value")


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The object is still referenced and cannot be deleted."
    default_code = "conflict"


def exception_handler(exc, context):
    """DRF's handler, plus ProtectedError as 409 and Django's ValidationError as 400."""
    if isinstance(exc, ProtectedError):
        exc = Conflict(_protected_detail(exc))
    elif isinstance(exc, DjangoValidationError):
        exc = ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    return drf_exception_handler(exc, context)


def _protected_detail(exc: ProtectedError) -> str:
    blockers = list(exc.protected_objects)
    kind = blockers[0]._meta.verbose_name_plural if blockers else "objects"
    count = len(blockers)
    return f"Cannot delete: {count} {kind} still refer to it. Move or delete them first."


# Django-level error pages: JSON for API clients, Django's own pages for people.
_API_PREFIXES = ("/api/", "/auth/", "/token/")


def _is_api(request) -> bool:
    return request.path.startswith(_API_PREFIXES) or request.path in ("/api", "/auth", "/token")


def page_not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse(
            {"detail": "A server error occurred."}, status=status.HTTP_500_INTERNAL_SERVER_ERROR
        )
    return defaults.server_error(request)


def bad_request(request, exception=None):
    if _is_api(request):
        return JsonResponse({"detail": "Bad request."}, status=status.HTTP_400_BAD_REQUEST)
    return defaults.bad_request(request, exception)
