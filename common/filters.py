"""django-filter pieces on the strict parsing of `common.params`, for every app's FilterSets (API and pages).

`StrictFilterSet` is the base of every FilterSet: filters it generates for integer, date and date-time model fields
are the strict ones below, and declared filters use `IntegerFilter`, `DateFilter` and `IsoDateTimeFilter` instead of
django-filter's NumberFilter (a DecimalField: it takes `1e5`, `-1` and numbers beyond any column), DateFilter and
IsoDateTimeFilter (which take year 1 and overflow in the time zone conversion).

`NamedIntegerFilter` is an integer key (a catalogue id) that a page offers as a select of names: the URL keeps the
number (`?themenfeld=6`), the person chooses "Familie & Kind".
"""

from collections.abc import Callable, Iterable

import django_filters
from django import forms
from django.db import models
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS

from . import params
from .sql import german_key


class IntegerFilter(django_filters.Filter):
    """An integer within `bounds` (the column's range; default non-negative INTEGER): else 400 / a form error."""

    field_class = params.IntegerField

    def __init__(self, *args, bounds=params.POSITIVE_INTEGER, signed=None, **kwargs):
        kwargs.update(bounds=bounds, signed=signed)
        super().__init__(*args, **kwargs)


class _OptionalSelect(forms.Select):
    """A select whose first option is "all": never `required`, and its choices are read once per rendering (the
    default `use_required_attribute` reads them a second time)."""

    def use_required_attribute(self, initial):
        return False


class NamedIntegerFilter(IntegerFilter):
    """An integer key shown as a select of names, sorted as in a German dictionary, with a German "all" choice
    first ("Alle Themenfelder"). It parses as `IntegerFilter` does, so an API client sends what it always sent and a
    number that names nothing finds nothing; `names()` returns (key, name) pairs and is read at each rendering
    (one query), never at import."""

    def __init__(self, *args, names: Callable[[], Iterable[tuple[int, str]]], empty_label, **kwargs):
        def choices():
            return [("", empty_label), *sorted(names(), key=lambda pair: german_key(pair[1]))]

        kwargs.setdefault("widget", _OptionalSelect(choices=choices))
        super().__init__(*args, **kwargs)


class DateFilter(django_filters.DateFilter):
    field_class = params.DateField


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = params.DateTimeField


def _bounds(field) -> tuple[int, int]:
    if isinstance(field, models.PositiveSmallIntegerField):
        return params.POSITIVE_SMALLINT
    if isinstance(field, models.SmallIntegerField):
        return params.SMALLINT
    if isinstance(field, models.PositiveIntegerField):
        return params.POSITIVE_INTEGER
    if isinstance(field, models.BigIntegerField | models.BigAutoField):
        return params.BIGINT
    return params.INTEGER


STRICT_FILTER_DEFAULTS = {
    **FILTER_FOR_DBFIELD_DEFAULTS,
    models.AutoField: {"filter_class": IntegerFilter, "extra": lambda f: {"bounds": _bounds(f)}},
    models.BigAutoField: {"filter_class": IntegerFilter, "extra": lambda f: {"bounds": _bounds(f)}},
    models.IntegerField: {"filter_class": IntegerFilter, "extra": lambda f: {"bounds": _bounds(f)}},
    models.SmallIntegerField: {"filter_class": IntegerFilter, "extra": lambda f: {"bounds": _bounds(f)}},
    models.BigIntegerField: {"filter_class": IntegerFilter, "extra": lambda f: {"bounds": _bounds(f)}},
    models.PositiveIntegerField: {"filter_class": IntegerFilter, "extra": lambda f: {"bounds": _bounds(f)}},
    models.PositiveSmallIntegerField: {"filter_class": IntegerFilter, "extra": lambda f: {"bounds": _bounds(f)}},
    models.DateField: {"filter_class": DateFilter},
    models.DateTimeField: {"filter_class": IsoDateTimeFilter},
}


class StrictFilterSet(django_filters.FilterSet):
    """The base of every FilterSet of the portal: strict integers and bounded dates for generated filters."""

    FILTER_DEFAULTS = STRICT_FILTER_DEFAULTS
