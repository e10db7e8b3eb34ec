"""The order admin's refund page: some lines or an amount, given back through
services.refund_make, so its rules and refusals are the API's, word for word."""

import uuid
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from . import services
from .errors import DomainError
from .models import NOTE_MAX, Order, Refund

BOTH_OR_NEITHER = "Send lines or an amount, one of them."


class RefundInline(admin.TabularInline):
    """An order's refunds, read-only: they are made on the refund page, never edited."""

    model = Refund
    fields = ["at", "amount", "lines", "reason", "by"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RefundForm(forms.Form):
    """A reason, and either an amount or how many of each line; one field per order line."""

    reason = forms.CharField(max_length=NOTE_MAX)
    amount = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0.01"), required=False
    )
    # A fresh key per form shown: submitting the same page twice refunds once.
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, order: Order, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(order.items.all())
        for line in self.lines:
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=f"{line.title} (of {line.quantity})",
                min_value=0,
                max_value=line.quantity,
                initial=0,
                required=False,
            )

    def clean(self):
        data = super().clean()
        data["lines"] = [
            {"id": line.pk, "quantity": data[f"line_{line.pk}"]}
            for line in self.lines
            if data.get(f"line_{line.pk}")
        ]
        if bool(data["lines"]) == (data.get("amount") is not None):
            raise forms.ValidationError(BOTH_OR_NEITHER)
        return data


def refund_view(model_admin, request, object_id):
    """GET shows the form; POST makes the refund as the signed-in staff member."""
    order = Order.objects.filter(pk=object_id).first() if object_id.isdigit() else None
    if order is None:
        raise Http404("No such order.")
    if not model_admin.has_change_permission(request, order):
        raise PermissionDenied
    form = RefundForm(request.POST or None, order=order, initial={"key": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        asked = {"lines": data["lines"]} if data["lines"] else {"amount": data["amount"]}
        try:
            refund, created = services.refund_make(
                order=order,
                by=request.user,
                reason=data["reason"],
                idempotency_key=data["key"],
                **asked,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            done = "Refunded" if created else "Already refunded"
            model_admin.message_user(
                request, f"{done} {refund.amount} on order #{order.pk}.", messages.SUCCESS
            )
            change = reverse("admin:LittleLemonDRF_order_change", args=[order.pk])
            return HttpResponseRedirect(change)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Refund order #{order.pk}",
        "opts": model_admin.model._meta,
        "original": order,
        "form": form,
        "left": order.total - order.refunded,
    }
    return render(request, "admin/LittleLemonDRF/order/refund.html", context)
