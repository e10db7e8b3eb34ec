"""Conditional requests: an ETag on each read, 304 for a copy the client already has, and 412
for a change made from a representation that has changed since it was read.

A tag is the hash of the canonical JSON of what a GET answers, so it changes exactly when the
representation does (renaming a category changes the tags of its dishes), and a cache can keep
it beside the data. A write that sends If-Match is judged with the row locked, in the
transaction that then makes the change: of two managers editing one dish from the same read,
one saves and the other is told, instead of the second silently overwriting the first.
"""

import hashlib
import json

from django.db import transaction
from django.http import HttpResponseNotModified
from django.utils.http import parse_etags
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from .schema import AutoSchema
from .serializers import DetailSerializer

READ_METHODS = ("GET", "HEAD")
WRITE_ACTIONS = ("update", "partial_update", "destroy")


def etag_for(data) -> str:
    """A strong tag for response data: the hash of its JSON, keys sorted and without spaces."""
    text = json.dumps(
        data, cls=JSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return f'"{hashlib.sha256(text.encode()).hexdigest()}"'


def none_match(header: str, etag: str) -> bool:
    """Whether an If-None-Match header names `etag`: `*`, or any tag by weak comparison
    (RFC 9110, 13.1.2), so W/"x" names "x" too."""
    tags = parse_etags(header)
    return tags == ["*"] or etag.removeprefix("W/") in {tag.removeprefix("W/") for tag in tags}


def match(header: str, etag: str) -> bool:
    """Whether an If-Match header names `etag`: `*`, or any tag by strong comparison
    (RFC 9110, 13.1.1), where a weak tag matches nothing."""
    tags = parse_etags(header)
    return tags == ["*"] or (not etag.startswith("W/") and etag in tags)


class PreconditionFailed(APIException):
    """If-Match names a tag the object no longer has: 412, as DRF answers its own errors."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = (
        "It has changed since the read that gave this If-Match tag, so nothing was changed. "
        "Read it again, then retry."
    )
    default_code = "precondition_failed"


# --- Schema ---------------------------------------------------------------------------------

IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    str,
    OpenApiParameter.HEADER,
    description=(
        "Optional: the ETag of a copy you hold (or several, comma-separated, or `*`). While it "
        "is current the answer is 304 with no body."
    ),
)
ETAG = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    response=[200, 304],
    description=(
        "The tag of this representation; it changes whenever the representation does. Send it "
        "in If-None-Match to skip an unchanged read, or in If-Match to change the object only "
        "if nobody has changed it since."
    ),
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description=(
        "Optional: the ETag a GET of this object gave (or `*`). The change is made only while "
        "the object still has it; otherwise 412 and nothing changes."
    ),
)
NOT_MODIFIED = OpenApiResponse(description="Not modified: If-None-Match names the current ETag.")
PRECONDITION_FAILED = OpenApiResponse(
    DetailSerializer, "If-Match no longer names the current ETag; nothing was changed."
)


class ConditionalSchema(AutoSchema):
    """Documents the headers, 304 and 412 on exactly the operations the mixin answers
    conditionally."""

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self._is_tagged_read():
            return [*parameters, IF_NONE_MATCH, ETAG]
        if self._is_checked_write():
            return [*parameters, IF_MATCH]
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction == "response" and self._is_tagged_read():
            responses.setdefault("304", self._get_response_for_code(NOT_MODIFIED, "304"))
        if direction == "response" and self._is_checked_write():
            responses.setdefault("412", self._get_response_for_code(PRECONDITION_FAILED, "412"))
        return responses

    def _is_tagged_read(self):
        return self.method == "GET" and self.view.action in self.view.etag_actions

    def _is_checked_write(self):
        return self.view.action in WRITE_ACTIONS


# --- The view mixin -------------------------------------------------------------------------


class ConditionalRequestMixin:
    """ETag and If-None-Match on the reads named in `etag_actions`; If-Match on update and
    destroy, checked against the object's current representation under its row lock."""

    etag_actions = ("list", "retrieve")
    schema = ConditionalSchema()

    def dispatch(self, request, *args, **kwargs):
        if _if_match(request, self.action_map.get(request.method.lower())) is None:
            return super().dispatch(request, *args, **kwargs)
        # One transaction from the check to the write: the row lock get_object() takes is held
        # until the change commits, so a concurrent write with the same tag waits, then fails.
        with transaction.atomic():
            return super().dispatch(request, *args, **kwargs)

    def get_object(self):
        if_match = _if_match(self.request, self.action)
        if if_match is None:
            return super().get_object()
        self._lock_row()
        instance = super().get_object()  # read after the lock: the state about to be changed
        if not match(if_match, etag_for(self.get_serializer(instance).data)):
            raise PreconditionFailed()
        return instance

    def _lock_row(self):
        # The bare row: the view's queryset may join or aggregate, which FOR UPDATE refuses.
        # Scoping and permissions are checked by the get_object() that follows.
        lookup = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        rows = self.get_queryset().model._default_manager.filter(**{self.lookup_field: lookup})
        list(rows.select_for_update().values_list("pk", flat=True))

    def finalize_response(self, request, response, *args, **kwargs):
        if (
            request.method in READ_METHODS
            and self.action in self.etag_actions
            and isinstance(response, Response)
            and response.status_code == status.HTTP_200_OK
        ):
            # A tag already set was computed where the data was built (caching.cached_response).
            etag = response.get("ETag") or etag_for(response.data)
            if none_match(request.headers.get("If-None-Match", ""), etag):
                response = HttpResponseNotModified(headers={"ETag": etag})
            else:
                response["ETag"] = etag
        return super().finalize_response(request, response, *args, **kwargs)


def _if_match(request, action) -> str | None:
    """The If-Match header of an update or delete; None makes the request unconditional."""
    if action not in WRITE_ACTIONS:
        return None
    return request.headers.get("If-Match", "").strip() or None
