"""What each shared cache is computed from, declared once, and the wiring that forgets it
whenever any of that changes, whichever way it is written.

A namespace (caching.py) is one kind of cached data. DEPENDENCIES lists, for each, the models
it reads (`Reads`). From that alone, every write the ORM makes bumps the namespaces it
touches, at once and again when its transaction commits (caching.invalidate):

- a saved or deleted row, cascades included (post_save, post_delete): the services, the
  admin, a shell, loaddata;
- a changed many-to-many relation (m2m_changed);
- a bulk write through the QuerySet of one of this app's models: update(), bulk_update(),
  bulk_create(), delete(). Each such model's manager uses ReportingQuerySet; connect()
  refuses to start otherwise.

Two ways of writing pass no hook. Raw SQL: a raw write sends the signal the ORM would have
sent (services.cart_add_item does). And a queryset update() of a model that is not this app's:
`User.objects.update(username=...)` leaves order pages showing the old name until their TTL.

tests/test_cache_dependencies.py walks the serializers of every cached answer and fails when
one reads a model (or a field) that its namespaces do not declare here.
"""

from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save

from . import caching


@dataclass(frozen=True)
class Reads:
    """A model that a namespace is computed from.

    `fields` None: any write of a row changes what is kept. A tuple: the namespace reads the
    model only through references from its own rows, and only those fields of it, so a new
    row changes nothing; deleting one does (the references go or are nulled), as does a
    change of one of the fields. `per`: the lookup path whose value names the namespace of
    each row ("user_id": one namespace per user, "cart:<user id>").
    """

    model: str
    fields: tuple[str, ...] | None = None
    per: str | None = None

    def touched(self, fields: frozenset[str] | None, *, created=False, deleted=False) -> bool:
        """Whether a write of these `fields` (None: all of them) changes what is kept."""
        if self.fields is None or deleted:
            return True
        if created:
            return False
        return bool(self.fields) if fields is None else bool(fields & set(self.fields))


DEPENDENCIES: dict[str, tuple[Reads, ...]] = {
    # Menu pages: categories, dishes with their rating summaries.
    caching.MENU: (
        Reads("LittleLemonDRF.Category"),
        Reads("LittleLemonDRF.MenuItem"),
        Reads("LittleLemonDRF.Rating"),
        Reads("LittleLemonDRF.OptionGroup"),
        Reads("LittleLemonDRF.OptionChoice"),
    ),
    # Pages of orders with their lines, and their counts.
    caching.ORDERS: (
        Reads("LittleLemonDRF.Order"),
        Reads("LittleLemonDRF.OrderItem"),
        Reads("LittleLemonDRF.OrderStateChange"),
        Reads("LittleLemonDRF.Refund"),
        # A deleted dish nulls its lines' menuitem_id (SET_NULL, which sends no signal).
        Reads("LittleLemonDRF.MenuItem", fields=()),
        # Names show on orders (customer, crew, who moved it); a deleted user nulls crew and by.
        Reads(settings.AUTH_USER_MODEL, fields=("username",)),
    ),
    # A user's cart: their lines. Its answers are kept under MENU as well (the dishes as now).
    caching.CART: (Reads("LittleLemonDRF.Cart", per="user_id"),),
    # The restaurant's settings, hours and closures (clock.config).
    caching.CLOCK: (
        Reads("LittleLemonDRF.Restaurant"),
        Reads("LittleLemonDRF.ServiceHours"),
        Reads("LittleLemonDRF.Closure"),
    ),
    # Lists of slots: the places taken (and the clock's configuration, under CLOCK).
    caching.SLOTS: (Reads("LittleLemonDRF.SlotTaken"),),
}

# Filled by connect(): each model, and the namespaces that read it.
_readers: dict[type[models.Model], list[tuple[str, Reads]]] = {}
# The through model of each many-to-many relation of a declared model: (owner, field name).
_m2m: dict[type[models.Model], tuple[type[models.Model], str]] = {}
# The namespaces a bulk write has touched so far, bumped once when it ends (batch()).
_pending: ContextVar[set[str] | None] = ContextVar("cache_dependencies_pending", default=None)


def changed(model, rows, *, fields=None, created=False, deleted=False, per_values=None) -> None:
    """Bump every namespace that reads `model` and that this write of `rows` (instances, or a
    queryset) touches. `per_values` gives a per-namespace's values when `rows` no longer can
    (after an update that moved them)."""
    names = set()
    for namespace, reads in _readers.get(model, ()):
        if not reads.touched(fields, created=created, deleted=deleted):
            continue
        if reads.per is None:
            names.add(namespace)
            continue
        values = per_values[reads.per] if per_values else _values(rows, reads.per)
        names.update(f"{namespace}:{value}" for value in values)
    pending = _pending.get()
    if pending is None:
        caching.invalidate(*names)
    else:
        pending.update(names)


@contextmanager
def batch():
    """Bump what the writes inside touch once, when the outermost batch ends: a bulk write
    and its cascades of signals bump each namespace once, not once a row."""
    if _pending.get() is not None:
        yield
        return
    token = _pending.set(set())
    try:
        yield
    finally:
        names = _pending.get()
        _pending.reset(token)
        caching.invalidate(*names)


def _values(rows, path: str) -> set:
    """The values of `path` ("user_id", "line__user_id") on the rows."""
    if isinstance(rows, models.QuerySet):
        return set(rows.values_list(path, flat=True)) - {None}
    values = set()
    for row in rows:
        for step in path.split("__"):  # a related row may be read; a missing one is None
            row = getattr(row, step, None)
        values.add(row)
    return values - {None}


def _names(model, fields: Iterable[str] | None) -> frozenset[str] | None:
    """Field names as declared, whether written by name ("user") or column ("user_id")."""
    if fields is None:
        return None
    return frozenset(model._meta.get_field(name).name for name in fields)


class ReportingQuerySet(models.QuerySet):
    """A QuerySet whose bulk writes bump the namespaces that read its model, as a single save
    or deletion does through its signals. Every declared model of this app uses one."""

    def update(self, **kwargs):
        fields = _names(self.model, kwargs)
        with batch():
            before = self._per_values(fields, kwargs)
            count = super().update(**kwargs)
            changed(self.model, self, fields=fields, per_values=before)
        return count

    def bulk_create(self, objs, *args, **kwargs):
        with batch():
            objs = super().bulk_create(objs, *args, **kwargs)
            changed(self.model, objs, created=True)
        return objs

    def delete(self):
        with batch():  # the rows go one by one through post_delete, cascades included
            return super().delete()

    # bulk_update() writes through update().

    def _per_values(self, fields, kwargs) -> dict[str, set] | None:
        """Each per-namespace path's values on the rows before the update, and after it."""
        paths = {
            reads.per
            for _, reads in _readers.get(self.model, ())
            if reads.per and reads.touched(fields)
        }
        if not paths:
            return None
        values = {path: _values(self, path) for path in paths}
        for path in paths:
            field = self.model._meta.get_field(path.split("__")[0])
            new = kwargs.get(field.name, kwargs.get(getattr(field, "attname", None)))
            if "__" not in path and new is not None:
                values[path].add(getattr(new, "pk", new))
        return values


# --- Signals ----------------------------------------------------------------------------------


def _saved(sender, instance, created=False, update_fields=None, **kwargs) -> None:
    changed(sender, [instance], fields=_names(sender, update_fields), created=created)


def _deleted(sender, instance, **kwargs) -> None:
    changed(sender, [instance], deleted=True)


def _m2m_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    owner, name = _m2m[sender]
    if action == "pre_clear" and reverse:  # the owners are known only before they go
        instance._cache_cleared = list(owner._base_manager.filter(**{name: instance}))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        rows = [instance]
    elif action == "post_clear":
        rows = instance.__dict__.pop("_cache_cleared", [])
    else:
        rows = owner._base_manager.filter(pk__in=pk_set or ())
    changed(owner, rows, fields=frozenset({name}))


def connect() -> None:
    """Wire every declared model's writes to the namespaces that read it (apps.py, once)."""
    for namespace, declared in DEPENDENCIES.items():
        for reads in declared:
            _readers.setdefault(apps.get_model(reads.model), []).append((namespace, reads))
    for model in _readers:
        label = model._meta.label
        if model._meta.app_label == "LittleLemonDRF" and not isinstance(
            model._default_manager.all(), ReportingQuerySet
        ):
            raise ImproperlyConfigured(
                f"{label} is read by a cache (cache_dependencies.DEPENDENCIES), so its bulk "
                "writes must say so: base its manager's QuerySet on ReportingQuerySet "
                "(objects = ReportingQuerySet.as_manager())."
            )
        post_save.connect(_saved, sender=model, dispatch_uid=f"cache-saved-{label}")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"cache-deleted-{label}")
        for field in model._meta.many_to_many:
            # Only relations a cache reads: a listener costs every add() a query.
            if not any(reads.touched(frozenset({field.name})) for _, reads in _readers[model]):
                continue
            through = field.remote_field.through
            _m2m[through] = (model, field.name)
            uid = f"cache-m2m-{through._meta.label}"
            m2m_changed.connect(_m2m_changed, sender=through, dispatch_uid=uid)
