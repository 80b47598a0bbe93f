"""History in words: one formatter for every place that shows what changed.

The public history of the OZG statuses (pages and API), the admin's history pages (django-simple-history), the
admin's list of status changes and the audit trail all say a change the same way: the field's verbose_name, the
value as a person reads it (a choice's label, "ja"/"nein", a date as 01.02.2025, a body's name instead of its id)
and an arrow between old and new: "Umsetzungsstand: geplant → online verfügbar; Plattform: OZG-Cloud".

An unknown value (empty choice, date, number or reference, a reference to a row deleted since) is "nicht bekannt",
an empty text "–". No raw field name or code reaches the reader while the model knows the field.

Callers with many entries resolve the references of all of them at once with `related_labels` (one query per
referenced model), so a list of changes costs a fixed number of queries however long it is.
"""

import datetime
import decimal
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .formatting import format_number

EMPTY = "–"
ARROW = " → "
SEPARATOR = "; "


def unknown() -> str:
    return _("nicht bekannt")


@dataclass(frozen=True)
class Change:
    """One changed field in words. `old` is None where there is no before (a row created, a value set)."""

    field: str
    label: str
    new: str
    old: str | None = None
    phrase: str = ""  # a whole sentence instead of "label: old → new" (e.g. "Reifegrad 3 nach Modell 2.0")

    @property
    def text(self) -> str:
        if self.phrase:
            return self.phrase
        if self.old is None:
            return f"{self.label}: {self.new}"
        return f"{self.label}: {self.old}{ARROW}{self.new}"

    def as_dict(self) -> dict:
        return {
            "feld": self.field,
            "bezeichnung": self.label,
            "vorher": self.old,
            "nachher": self.new,
            "text": self.text,
        }

    def __str__(self):
        return self.text


def text(changes: Iterable[Change]) -> str:
    """The changes as one line, "; " between them."""
    return SEPARATOR.join(change.text for change in changes)


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        # An audit entry names a foreign key by its attname now and then ("provider_id").
        for candidate in model._meta.concrete_fields:
            if candidate.attname == name:
                return candidate
        return None


def field_label(model, name: str) -> str:
    """The field's verbose_name, capitalised; the name itself only for a field the model no longer has."""
    found = _field(model, name)
    if found is None or not hasattr(found, "verbose_name"):
        return name
    return str(capfirst(found.verbose_name))


def ordered(model, names: Iterable[str]) -> list[str]:
    """`names` in the order of the model's fields (a JSON column need not keep the order it was written in:
    PostgreSQL's jsonb does not); names the model does not know come last, in their own order."""
    names = list(names)
    if model is None:
        return names
    position = {}
    for index, found in enumerate(model._meta.get_fields()):
        position.setdefault(found.name, index)
        position.setdefault(getattr(found, "attname", found.name), index)
    return sorted(names, key=lambda name: (position.get(name, len(position)), names.index(name)))


def _is_empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _date(value):
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        return parse_datetime(value) or parse_date(value)
    return None


def value_text(model, name: str, value, *, related: dict | None = None) -> str:
    """One value of `model.name` as a person reads it (see the module docstring). `related` maps a foreign key's
    field name to {pk: label} (`related_labels`); without it a reference is looked up on its own."""
    found = _field(model, name)
    if not isinstance(found, models.Field):  # unknown, or the other side of a relation
        return EMPTY if _is_empty(value) else _plain(value)
    if isinstance(found, models.ManyToManyField) or found.many_to_many:
        if _is_empty(value):
            return EMPTY
        return ", ".join(_plain(item) for item in (value if isinstance(value, list | tuple) else [value]))
    if _is_empty(value):
        textual = isinstance(found, models.CharField | models.TextField) and not found.choices
        return EMPTY if textual else unknown()
    if found.choices:
        labels = {str(key): label for key, label in found.flatchoices}
        label = labels.get(str(value))
        return str(label) if label is not None else _plain(value)
    if isinstance(found, models.BooleanField):
        return _("ja") if value in (True, "true", "True", 1) else _("nein")
    if found.many_to_one or found.one_to_one:
        return _related_label(found, value, related)
    if isinstance(found, models.DateTimeField):
        moment = _date(value)
        if isinstance(moment, datetime.datetime):
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return moment.strftime("%d.%m.%Y %H:%M")
        return _plain(value)
    if isinstance(found, models.DateField):
        day = _date(value)
        return day.strftime("%d.%m.%Y") if isinstance(day, datetime.date) else _plain(value)
    if isinstance(found, models.DecimalField):
        try:
            return format_number(decimal.Decimal(str(value)), found.decimal_places or 0)
        except (decimal.InvalidOperation, ValueError):
            return _plain(value)
    if isinstance(found, models.IntegerField) and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _plain(value)


def _plain(value) -> str:
    if isinstance(value, bool):
        return _("ja") if value else _("nein")
    if isinstance(value, list | tuple):
        return ", ".join(_plain(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_plain(item)}" for key, item in value.items())
    return str(value)


def _related_label(found, value, related: dict | None) -> str:
    if not isinstance(value, int | str | uuid.UUID) or isinstance(value, bool):
        return str(value)  # an object already (simple_history's diff gives the instance, or its DeletedObject)
    labels = (related or {}).get(found.name)
    if labels is None:
        labels = _labels_of(found, {value})
    label = labels.get(_key(found, value))
    return label if label is not None else unknown()


def _key(found, value):
    try:
        return found.target_field.to_python(value)
    except Exception:  # noqa: BLE001 - a malformed key in an old entry reads as unknown
        return value


def _labels_of(found, values: set) -> dict:
    keys = {_key(found, value) for value in values if not _is_empty(value)}
    if not keys:
        return {}
    manager = found.related_model._base_manager
    return {obj.pk: str(obj) for obj in manager.filter(pk__in=keys)}


def related_labels(model, value_dicts: Iterable[dict]) -> dict:
    """{fk field name: {pk: label}} for every reference in `value_dicts` (dicts of field → value, or of field →
    [old, new] as the audit stores a change): one query per referenced model."""
    wanted: dict = {}
    for values in value_dicts:
        for name, value in (values or {}).items():
            found = _field(model, name)
            if found is None or not (found.many_to_one or found.one_to_one):
                continue
            for item in value if isinstance(value, list | tuple) else [value]:
                if not _is_empty(item) and not isinstance(item, dict | list):
                    wanted.setdefault(found, set()).add(item)
    return {found.name: _labels_of(found, values) for found, values in wanted.items()}


def describe(
    model,
    *,
    new: dict,
    old: dict | None = None,
    related: dict | None = None,
    skip: Iterable[str] = (),
    skip_empty: bool = False,
) -> list[Change]:
    """The changes between `old` and `new` (dicts of field → stored value) in words, in the order of the model's
    fields. Without `old` (a row created) each value stands alone; with `skip_empty` empty ones are left out."""
    skip = set(skip)
    changes = []
    for name in ordered(model, new):
        value = new[name]
        if name in skip:
            continue
        if old is None and skip_empty and _is_empty(value):
            continue
        before = None if old is None else value_text(model, name, old.get(name), related=related)
        changes.append(
            Change(
                field=name,
                label=field_label(model, name),
                new=value_text(model, name, value, related=related),
                old=before,
            )
        )
    return changes


def describe_pairs(model, pairs: dict, *, related: dict | None = None) -> list[Change]:
    """Changes stored as {field: [old, new]} (the audit trail's form) in words."""
    old = {name: pair[0] for name, pair in pairs.items() if isinstance(pair, list | tuple) and len(pair) == 2}
    new = {name: pair[1] for name, pair in pairs.items() if isinstance(pair, list | tuple) and len(pair) == 2}
    return describe(model, old=old, new=new, related=related)
