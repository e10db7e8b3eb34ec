"""The one place that turns errors into HTTP answers: domain errors, and Django's error pages."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.http import JsonResponse
from django.views import defaults
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.views import exception_handler as drf_exception_handler

from . import errors

# Each domain error's answer: its status and, for errors about one input field, that field.
# A subclass answers as its nearest listed ancestor.
DOMAIN_ERRORS: dict[type[errors.DomainError], tuple[int, str | None]] = {
    errors.DomainError: (status.HTTP_400_BAD_REQUEST, None),
    errors.NotAllowed: (status.HTTP_403_FORBIDDEN, None),
    errors.NotFound: (status.HTTP_404_NOT_FOUND, None),
    errors.SlugTaken: (status.HTTP_400_BAD_REQUEST, "slug"),
    errors.NoSlugInTitle: (status.HTTP_400_BAD_REQUEST, "slug"),
    errors.AlreadyRated: (status.HTTP_400_BAD_REQUEST, "menuitem_id"),
    errors.RatingMoved: (status.HTTP_400_BAD_REQUEST, "menuitem_id"),
    errors.CartLineTooLarge: (status.HTTP_400_BAD_REQUEST, "quantity"),
}


def exception_handler(exc, context):
    """DRF's handler, after turning domain errors, ProtectedError and Django's
    ValidationError into the API exceptions they answer as."""
    if isinstance(exc, errors.DomainError):
        exc = _domain_answer(exc)
    elif isinstance(exc, ProtectedError):
        exc = _with_status(APIException(_protected_detail(exc)), status.HTTP_409_CONFLICT)
    elif isinstance(exc, DjangoValidationError):
        exc = ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    return drf_exception_handler(exc, context)


def _domain_answer(exc: errors.DomainError) -> APIException:
    code, field = next(DOMAIN_ERRORS[k] for k in type(exc).__mro__ if k in DOMAIN_ERRORS)
    if field is not None:
        return ValidationError({field: [exc.message]})
    return _with_status(APIException(exc.message), code)


def _with_status(exc: APIException, code: int) -> APIException:
    exc.status_code = code
    return exc


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
