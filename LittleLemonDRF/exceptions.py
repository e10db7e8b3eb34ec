"""The one place that turns errors into HTTP answers: domain errors, and Django's error pages."""

import logging
import sys
from dataclasses import asdict, dataclass, is_dataclass
from dataclasses import field as dataclass_field

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.db.models import ProtectedError
from django.http import HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from . import errors

logger = logging.getLogger(__name__)

# The database refusing or dropping connections (a restart, a failover, too many clients):
# the request may well succeed a moment later, so it is a 503 with Retry-After, not a 500.
# Django opens a fresh connection for the next request (CONN_HEALTH_CHECKS), so the service
# comes back by itself as soon as the database does.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
DATABASE_RETRY_AFTER = 5  # seconds
DATABASE_DETAIL = "The database is unavailable. Try again in a few seconds."


@dataclass(frozen=True)
class Answer:
    """How a domain error answers: its status, the input field it is about (else `detail`),
    and more keys of the body, each read from an attribute of the error."""

    status: int
    field: str | None = None
    extra: dict[str, str] = dataclass_field(default_factory=dict)


# A subclass answers as its nearest listed ancestor.
DOMAIN_ERRORS: dict[type[errors.DomainError], Answer] = {
    errors.DomainError: Answer(status.HTTP_400_BAD_REQUEST),
    errors.NotAllowed: Answer(status.HTTP_403_FORBIDDEN),
    errors.NotFound: Answer(status.HTTP_404_NOT_FOUND),
    errors.SlugTaken: Answer(status.HTTP_400_BAD_REQUEST, "slug"),
    errors.NoSlugInTitle: Answer(status.HTTP_400_BAD_REQUEST, "slug"),
    errors.AlreadyRated: Answer(status.HTTP_400_BAD_REQUEST, "menuitem_id"),
    errors.RatingMoved: Answer(status.HTTP_400_BAD_REQUEST, "menuitem_id"),
    errors.CartLineTooLarge: Answer(status.HTTP_400_BAD_REQUEST, "quantity"),
    errors.NotOrderable: Answer(status.HTTP_400_BAD_REQUEST, "menuitem_id"),
    errors.StockShort: Answer(status.HTTP_400_BAD_REQUEST, "quantity"),
    errors.ReasonRequired: Answer(status.HTTP_400_BAD_REQUEST, "reason"),
    errors.MoveNotPossible: Answer(status.HTTP_409_CONFLICT, extra={"allowed": "allowed"}),
    errors.PaymentChangeNotPossible: Answer(status.HTTP_409_CONFLICT),
    errors.ItemsUnavailable: Answer(status.HTTP_409_CONFLICT, extra={"unavailable": "shortages"}),
    errors.WebhookTargetRefused: Answer(status.HTTP_400_BAD_REQUEST, "url"),
    errors.TimeNotOffered: Answer(status.HTTP_400_BAD_REQUEST, "scheduled_for"),
    errors.SlotNotOffered: Answer(status.HTTP_400_BAD_REQUEST, "slot"),
    errors.SlotUnavailable: Answer(
        status.HTTP_409_CONFLICT, extra={"next_available": "next_available"}
    ),
    errors.HoursOverlap: Answer(status.HTTP_400_BAD_REQUEST, "opens"),
    errors.ChoicesRefused: Answer(status.HTTP_400_BAD_REQUEST, "choices"),
    errors.BelowMinimumOrder: Answer(
        status.HTTP_400_BAD_REQUEST, extra={"minimum_order": "minimum_order"}
    ),
    errors.ItemsRefused: Answer(status.HTTP_400_BAD_REQUEST, extra={"items": "errors"}),
    errors.RefundNotPossible: Answer(status.HTTP_409_CONFLICT),
    errors.RefundLineUnknown: Answer(status.HTTP_400_BAD_REQUEST, "lines"),
    errors.StartRefused: Answer(status.HTTP_400_BAD_REQUEST, "start"),
    errors.PartyTooLarge: Answer(status.HTTP_400_BAD_REQUEST, "party_size"),
    errors.NoTableFree: Answer(status.HTTP_409_CONFLICT, extra={"alternatives": "alternatives"}),
    errors.TableRefused: Answer(status.HTTP_409_CONFLICT),
    errors.TableInUse: Answer(status.HTTP_409_CONFLICT),
}


def exception_handler(exc, context):
    """Domain errors answered from DOMAIN_ERRORS; ProtectedError and Django's ValidationError
    turned into the API exceptions they answer as; the rest as DRF answers them."""
    if isinstance(exc, errors.DomainError):
        set_rollback()
        answer = _answer(exc)
        return Response(_domain_body(exc, answer), status=answer.status)
    if isinstance(exc, DATABASE_UNAVAILABLE):
        logger.warning("The database is unavailable", exc_info=exc)
        set_rollback()
        return _database_unavailable(context["request"])
    if isinstance(exc, ProtectedError):
        exc = _with_status(APIException(_protected_detail(exc)), status.HTTP_409_CONFLICT)
    elif isinstance(exc, DjangoValidationError):
        exc = ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    return drf_exception_handler(exc, context)


def _answer(exc: errors.DomainError) -> Answer:
    return next(DOMAIN_ERRORS[k] for k in type(exc).__mro__ if k in DOMAIN_ERRORS)


def _domain_body(exc: errors.DomainError, answer: Answer) -> dict:
    if answer.field is not None:
        return {answer.field: [exc.message]}
    body = {"detail": exc.message}
    return body | {key: _plain(getattr(exc, attr)) for key, attr in answer.extra.items()}


def _plain(value):
    """Dataclasses (and lists of them) as the dicts JSON shows; a domain error inside (a line
    of ItemsRefused) as it would answer on its own, {} for a line without one; None is null."""
    if isinstance(value, list):
        return [{} if item is None else _plain(item) for item in value]
    if isinstance(value, errors.DomainError):
        return _domain_body(value, _answer(value))
    return asdict(value) if is_dataclass(value) else value


def _with_status(exc: APIException, code: int) -> APIException:
    exc.status_code = code
    return exc


def _protected_detail(exc: ProtectedError) -> str:
    blockers = list(exc.protected_objects)
    kind = blockers[0]._meta.verbose_name_plural if blockers else "objects"
    count = len(blockers)
    return f"Cannot delete: {count} {kind} still refer to it. Move or delete them first."


# Django-level error pages: JSON for API clients, Django's own pages for people.
_API_PREFIXES = ("/api/", "/auth/", "/token/", "/restaurant/")


def _is_api(request) -> bool:
    return request.path.startswith(_API_PREFIXES) or request.path in (
        "/api",
        "/auth",
        "/token",
        "/restaurant",
    )


def page_not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)


def server_error(request):
    # Django calls this while handling the exception, outside DRF's views as well (a
    # middleware, a plain Django view, the admin): the database being down is a 503 there too.
    if isinstance(sys.exception(), DATABASE_UNAVAILABLE):
        return _database_unavailable(request)
    if _is_api(request):
        return JsonResponse(
            {"detail": "A server error occurred."}, status=status.HTTP_500_INTERNAL_SERVER_ERROR
        )
    return defaults.server_error(request)


def bad_request(request, exception=None):
    if _is_api(request):
        return JsonResponse({"detail": "Bad request."}, status=status.HTTP_400_BAD_REQUEST)
    return defaults.bad_request(request, exception)


def _database_unavailable(request):
    if _is_api(request):
        response = JsonResponse(
            {"detail": DATABASE_DETAIL}, status=status.HTTP_503_SERVICE_UNAVAILABLE
        )
    else:
        response = HttpResponse(
            DATABASE_DETAIL, status=status.HTTP_503_SERVICE_UNAVAILABLE, content_type="text/plain"
        )
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response
