"""The serializer engine every shape is built on: booleans, aliases and the fast read path."""

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from operator import attrgetter, itemgetter

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Manager
from django.http import QueryDict
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.settings import api_settings


class BooleanField(serializers.BooleanField):
    """A boolean that a form body leaves out takes its default, as in a JSON body.

    DRF reads an absent HTML checkbox as False, so a form that did not mention `available`
    switched the dish off. Every serializer here takes booleans from this class: declared
    ones by name, model ones through ModelSerializer's mapping.
    """

    default_empty_html = empty


class ModelSerializer(serializers.ModelSerializer):
    """The project's ModelSerializer: model booleans become the BooleanField above."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.BooleanField: BooleanField,
    }


class AliasMixin:
    """Fields that also answer to a second name, as other course clients send them.

    `aliases` maps the second name to the field's. The second is read as the first before
    any field runs, so it gets the same validation and messages; it is declared as a field
    too, optional, so that the schema shows it. Both sent with different values is a 400.
    """

    aliases: dict[str, str] = {}

    @classmethod
    def names_sent(cls, data) -> set[str]:
        """The field names a body sends, aliases read as the names they stand for."""
        return {cls.aliases.get(n, n) for n in data} if isinstance(data, Mapping) else set()

    def to_internal_value(self, data):
        sent = [(a, n) for a, n in self.aliases.items() if isinstance(data, Mapping) and a in data]
        if sent:
            form = isinstance(data, QueryDict)
            data = data.copy() if form else dict(data)  # a QueryDict's copy keeps its lists
            get = data.getlist if form else data.__getitem__
            put = data.setlist if form else data.__setitem__
            for alias, name in sent:
                if name in data and str(get(name)) != str(get(alias)):
                    raise serializers.ValidationError(
                        {name: [f"{alias} is another name for {name}; they differ. Send one."]}
                    )
                put(name, get(alias))
                del data[alias]
        return super().to_internal_value(data)


class FastReadMixin:
    """Output built from the declared fields, from model instances or from values() rows.

    The declared fields stay the one definition of the shape (and of the schema). From them,
    once per class, each field gets a reader, which skips DRF's per-request field construction
    and its generic per-value steps (attribute lookup by source, None checks) and leaves a
    value as it is where the model's value already is its JSON value; other values still
    convert through the field's own to_representation. Such a serializer's shape is its
    class's: it takes no per-instance `fields`.

    from_row() gives the same shape from a row of `QuerySet.values(*cls.value_paths())`, so a
    page of many objects can be read without building model instances; a list field reads
    the rows the caller put under its source name.
    """

    rows = True  # False: read from instances only, so its sources may be properties

    def __init_subclass__(cls, **kwargs):
        """Refuse a field the readers cannot read, naming it, when the class is defined.

        That is a field computed from the whole object (a SerializerMethodField), a nested
        serializer that is not itself a FastReadMixin, or, unless `rows = False`, a source
        that no values() row holds, such as a model's property.
        """
        super().__init_subclass__(**kwargs)
        if issubclass(cls, serializers.ModelSerializer) and not hasattr(cls, "Meta"):
            return  # an abstract base: its subclasses are checked
        for field in _plan(cls).fields:
            reason = _unreadable(field, cls)
            if reason:
                raise TypeError(
                    f"{cls.__name__}.{field.field_name}: {reason}. A FastReadMixin serializer "
                    "reads every field from a model instance or a values() row; declare the "
                    "field so, or leave FastReadMixin out of this class."
                )

    def to_representation(self, instance):
        return {name: read(instance) for name, read in _plan(type(self)).readers}

    @classmethod
    def from_row(cls, row: dict) -> dict:
        cls._check_rows()
        return {name: read(row) for name, read in _plan(cls).row_readers("")}

    @classmethod
    def value_paths(cls, prefix: str = "") -> list[str]:
        """The values() lookups from_row() reads, list fields aside."""
        cls._check_rows()
        paths = []
        for field in _plan(cls).fields:
            if isinstance(field, serializers.ListSerializer):
                continue
            lookup = prefix + field.source.replace(".", "__")
            if isinstance(field, FastReadMixin):
                paths += type(field).value_paths(lookup + "__")
            else:
                paths.append(lookup)
        return paths

    @classmethod
    def _check_rows(cls):
        if not cls.rows:
            raise TypeError(f"{cls.__name__} has rows = False: it is read from instances only.")


def _unreadable(field, cls) -> str:
    """Why a FastReadMixin class's readers cannot read this field; "" when they can."""
    if isinstance(field, serializers.ListSerializer):
        field = field.child
        if not isinstance(field, FastReadMixin):
            return f"its items' {type(field).__name__} is not a FastReadMixin serializer"
        return (
            "" if field.rows or not cls.rows else f"its items' {type(field).__name__} has no rows"
        )
    if isinstance(field, serializers.BaseSerializer) and not isinstance(field, FastReadMixin):
        return f"the nested {type(field).__name__} is not a FastReadMixin serializer"
    if field.source == "*":
        return f"{type(field).__name__} computes it from the whole object, not from a value"
    if not cls.rows:
        return ""
    if isinstance(field, FastReadMixin) and not field.rows:
        return f"the nested {type(field).__name__} has no rows"
    model = getattr(getattr(cls, "Meta", None), "model", None)
    return _not_a_column(model, field.source) if model else ""


def _not_a_column(model, source: str) -> str:
    """Why `source` (dotted) is no column a values() row of `model` holds; "" when it is."""
    *relations, last = source.split(".")
    for name in relations:
        try:
            model = model._meta.get_field(name).related_model
        except FieldDoesNotExist:
            model = None
        if model is None:
            return f"its source {source!r} follows {name!r}, which is no relation"
    try:
        if model._meta.get_field(last).concrete:
            return ""
    except FieldDoesNotExist:
        if last in model._default_manager.get_queryset().query.annotations:
            return ""  # a column the model's every query adds
    kind = "a method or property" if hasattr(model, last) else "not a column"
    return f"its source {source!r} is {kind} of {model.__name__}, which no values() row holds"


@dataclass
class _Plan:
    """A FastReadMixin class's readable fields and their readers, built once."""

    fields: list
    readers: list
    by_prefix: dict

    def row_readers(self, prefix: str) -> list:
        if prefix not in self.by_prefix:
            self.by_prefix[prefix] = [(f.field_name, _row_reader(f, prefix)) for f in self.fields]
        return self.by_prefix[prefix]


@functools.cache
def _plan(cls) -> _Plan:
    fields = list(cls()._readable_fields)
    return _Plan(fields, [(f.field_name, _reader(f)) for f in fields], {})


# Fields whose model value is its own JSON value.
_AS_IS = (
    serializers.IntegerField,
    serializers.BooleanField,
    BooleanField,
    serializers.CharField,
    serializers.ReadOnlyField,
)


def _converter(field):
    """None when the value is its JSON value, else its conversion."""
    if type(field) in _AS_IS:
        return None
    if isinstance(field, serializers.DecimalField) and _plain_decimal(field):
        # What DRF's DecimalField gives for a value the model stored with these places.
        return f"{{:.{field.decimal_places}f}}".format
    return field.to_representation


def _plain_decimal(field) -> bool:
    as_string = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
    return as_string and not (field.localize or field.normalize_output or field.rounding)


def _reader(field):
    if field.source == "*":
        return field.to_representation  # computed from the whole object
    get = attrgetter(field.source)
    if isinstance(field, serializers.ListSerializer):
        child = field.child.to_representation

        def read_many(obj):
            rows = get(obj)
            return [child(row) for row in (rows.all() if isinstance(rows, Manager) else rows)]

        return read_many
    return _converted(get, _converter(field))


def _row_reader(field, prefix: str):
    lookup = prefix + field.source.replace(".", "__")
    if isinstance(field, serializers.ListSerializer):
        child = type(field.child).from_row
        return lambda row: [child(line) for line in row[field.source]]
    if isinstance(field, FastReadMixin):
        # A related object: absent when its primary key is (a NULL foreign key).
        pk = f"{lookup}__{field.Meta.model._meta.pk.name}"
        nested = _plan(type(field)).row_readers(lookup + "__")
        return lambda row: None if row[pk] is None else {n: read(row) for n, read in nested}
    return _converted(itemgetter(lookup), _converter(field))


def _converted(get, convert):
    if convert is None:
        return get

    def read(obj):
        value = get(obj)
        return None if value is None else convert(value)

    return read


def bounds(low, high, message: str) -> dict:
    """min_value and max_value for a field, both refused with the rule's one message."""
    return {
        "min_value": low,
        "max_value": high,
        "error_messages": {"min_value": message, "max_value": message},
    }
