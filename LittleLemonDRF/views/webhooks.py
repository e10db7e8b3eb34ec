"""Webhooks: managers and admins register endpoints for order events and watch deliveries."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import webhooks
from ..models import Webhook
from ..permissions import IsManager
from ..serializers import (
    WebhookCreatedSerializer,
    WebhookDeliverySerializer,
    WebhookSerializer,
)
from .menu import ID_PATTERN

DELIVERY_DESCRIPTION = (
    "Each delivery is a POST of `{id, type, created, data}` (`data`: the order as "
    "`GET /api/orders/{id}` shows it when sent) with `Content-Type: application/json`, "
    "`LittleLemon-Event-Id` and `LittleLemon-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 "
    'of "<t>.<raw body>" keyed by the secret\'s UTF-8 bytes>` (two `v1=` values for a day '
    "after the secret is rotated: accept the delivery when any of them matches). Receivers "
    "should refuse a `t` more than five minutes old and ignore an event id they have already "
    "handled. Any 2xx within 5 seconds is success; redirects are not followed. Anything else "
    "is retried with exponential backoff, then marked failed."
)
ROTATE_DESCRIPTION = (
    "Replace the endpoint's secret; the new one is shown in this answer only. For 24 hours "
    "after, each delivery carries two signatures, `LittleLemon-Signature: "
    "t=<t>,v1=<new>,v1=<old>` (the new secret's first), so a receiver can switch to the new "
    "secret without losing an event; after that, only the new one. A second rotation within "
    "the 24 hours keeps only the latest previous secret: the one before it stops signing at "
    "once, and the new overlap lasts 24 hours from the second rotation."
)


class WebhookSecretSerializer(serializers.Serializer):
    """A webhook's new secret, just rotated."""

    secret = serializers.CharField(
        read_only=True,
        help_text="Signs every delivery from now on. Shown in this response only: keep it.",
    )


@extend_schema_view(
    list=extend_schema(description="Registered endpoints, oldest first; secrets are not shown."),
    retrieve=extend_schema(description="One endpoint; its secret is not shown."),
    create=extend_schema(
        request=WebhookSerializer,
        description=f"Register an endpoint for the events from now on. {DELIVERY_DESCRIPTION}",
        responses={
            201: OpenApiResponse(
                WebhookCreatedSerializer, "Registered; the secret is shown in this answer only."
            )
        },
    ),
    destroy=extend_schema(
        description="Remove the endpoint and its deliveries.", responses={204: None}
    ),
    secret=extend_schema(
        request=None,
        description=ROTATE_DESCRIPTION,
        responses={200: OpenApiResponse(WebhookSecretSerializer, "The new secret.")},
    ),
    deliveries=extend_schema(
        description=(
            "The endpoint's deliveries, newest event first: `pending` (due at "
            "`next_attempt_at`), `delivered` or `failed`."
        ),
        responses=WebhookDeliverySerializer(many=True),
    ),
)
class WebhookViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Webhook endpoints: managers and admins register, read and remove them."""

    permission_classes = [IsManager]
    serializer_class = WebhookSerializer
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return Webhook.objects.select_related("created_by")

    def create(self, request, *args, **kwargs):
        given = WebhookSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        webhook = webhooks.webhook_register(user=request.user, **given.validated_data)
        return Response(WebhookCreatedSerializer(webhook).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        webhooks.webhook_delete(webhook=instance)

    @action(detail=True, methods=["post"])
    def secret(self, request, *args, **kwargs):
        webhook = webhooks.webhook_rotate_secret(webhook=self.get_object())
        return Response(WebhookSecretSerializer(webhook).data)

    @action(detail=True, methods=["get"])
    def deliveries(self, request, *args, **kwargs):
        page = self.paginate_queryset(webhooks.delivery_list(self.get_object()))
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)
