"""Strict parsing of what clients send, shared by every app: integers, text and dates.

- Integers: only ASCII digits 0–9, an optional sign only where a negative number makes sense, and the range of the
  database column they are compared with (`SMALLINT`, `INTEGER`, `BIGINT`, … below). `"²"`, `"٢"`, `"1.0"`,
  `" 5"`, `"1e5"` and a 5,000-digit number are refused, never passed to `int()` or the database.
- Text: no NUL byte and no other control character (C0, DEL, C1), in query parameters, path segments and body
  fields; body text may hold line breaks and tabs (`multiline=True`). Lone surrogates (from JSON `\\ud800`) are
  refused too: they cannot be stored.
- Dates: strictly `YYYY-MM-DD` (ASCII digits) and within the portal's plausible range, `DATE_MIN` (1990-01-01)
  to today + `DATE_YEARS_AHEAD` (30) years; a payment date may not be in the future (`not_after_today`). The same
  bounds apply to dates and times in filters, so that no date conversion overflows.

Every refusal is a Django `ValidationError` whose message comes from the catalogue (`common.messages`) and whose
`code` says what was wrong; callers put it under the name of the parameter or field. The django-filter and form
pieces built on these functions are in `common.filters`.
"""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from .messages import message

# The ranges of the database columns (PostgreSQL; SQLite stores up to 64 bits).
SMALLINT = (-(2**15), 2**15 - 1)
POSITIVE_SMALLINT = (0, 2**15 - 1)
INTEGER = (-(2**31), 2**31 - 1)
POSITIVE_INTEGER = (0, 2**31 - 1)
BIGINT = (-(2**63), 2**63 - 1)
ID = (1, 2**63 - 1)  # primary keys (BigAutoField)

DATE_MIN = datetime.date(1990, 1, 1)
DATE_YEARS_AHEAD = 30

_DIGITS = re.compile(r"[0-9]+\Z")
_SIGNED_DIGITS = re.compile(r"[+-]?[0-9]+\Z")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
MAX_INTEGER_DIGITS = 20  # more digits than any column holds: refused before int() is called


def parse_int(value, *, bounds: tuple[int, int] = POSITIVE_INTEGER, signed: bool | None = None) -> int:
    """`value` (str from a query or CSV cell, or int from JSON) as an int within `bounds` (inclusive).

    A sign is accepted only when `signed` (default: when the range includes negative numbers). Booleans, floats
    and anything but ASCII digits are refused with code `integer`; out of range with `min_value`/`max_value`."""
    low, high = bounds
    signed = low < 0 if signed is None else signed
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError(message("integer"), code="integer")
    if isinstance(value, str):
        pattern = _SIGNED_DIGITS if signed else _DIGITS
        if len(value) > MAX_INTEGER_DIGITS + 1 or not pattern.match(value):
            raise ValidationError(message("integer"), code="integer")
        value = int(value)
    if value < low:
        raise ValidationError(message("integer_min", min=low), code="min_value")
    if value > high:
        raise ValidationError(message("integer_max", max=high), code="max_value")
    return value


def check_text(value: str, *, multiline: bool = False) -> str:
    """`value` unchanged, unless it holds a control character (NUL, C0, DEL, C1) or a lone surrogate: then a
    ValidationError with code `control_characters`. `multiline` allows tab, line feed and carriage return."""
    if (_CONTROL_MULTILINE if multiline else _CONTROL).search(value):
        raise ValidationError(message("control_characters"), code="control_characters")
    return value


def date_max(today: datetime.date | None = None) -> datetime.date:
    """The latest plausible date: today + DATE_YEARS_AHEAD years (28 February for a 29th in a common year)."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year + DATE_YEARS_AHEAD)
    except ValueError:
        return today.replace(year=today.year + DATE_YEARS_AHEAD, day=28)


def _german(day: datetime.date) -> str:
    return day.strftime("%d.%m.%Y")


def check_date(value: datetime.date, *, not_after_today: bool = False) -> datetime.date:
    """`value` unchanged if it lies between DATE_MIN and today + 30 years (or today, with `not_after_today`);
    else a ValidationError with code `date_range` naming the bounds."""
    today = timezone.localdate()
    high = today if not_after_today else date_max(today)
    if isinstance(value, datetime.datetime):
        value = value.date()
    if not DATE_MIN <= value <= high:
        code = "date_future" if not_after_today and value > today else "date_range"
        raise ValidationError(message(code, min=_german(DATE_MIN), max=_german(high)), code=code)
    return value


def parse_date(value, *, not_after_today: bool = False) -> datetime.date:
    """A date from `YYYY-MM-DD` text (or a date), within the bounds of `check_date`."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if not isinstance(value, datetime.date):
        if not isinstance(value, str) or not _ISO_DATE.match(value):
            raise ValidationError(message("date"), code="date")
        try:
            value = datetime.date.fromisoformat(value)
        except ValueError:
            raise ValidationError(message("date"), code="date") from None
    return check_date(value, not_after_today=not_after_today)


class ParameterError(ValidationError):
    """A query parameter that cannot be used: `{name: [text]}`. The API answers 400 with the parameter (the
    exception handler), a page 400 with the German error page naming it (itvsh_portal.security.InputCheckMiddleware).
    """

    def __init__(self, name: str, text: str):
        super().__init__({name: [text]})
        self.name, self.text = name, text


def query_int(query, name: str, *, bounds: tuple[int, int] = POSITIVE_INTEGER, default=None):
    """The integer query parameter `name` of `query` (request.GET / query_params), `default` when absent or empty;
    a value `parse_int` refuses raises ParameterError naming the parameter."""
    value = query.get(name, "")
    if value == "":
        return default
    try:
        return parse_int(value, bounds=bounds)
    except ValidationError as error:
        raise ParameterError(name, error.messages[0]) from None


# --- form fields (pages, filters) ------------------------------------------------------------------------------


class IntegerField(forms.Field):
    """A form field for `parse_int`: empty is None (unless required)."""

    def __init__(self, *, bounds: tuple[int, int] = POSITIVE_INTEGER, signed: bool | None = None, **kwargs):
        self.bounds, self.signed = bounds, signed
        kwargs.pop("min_value", None), kwargs.pop("max_value", None), kwargs.pop("step_size", None)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        return parse_int(value, bounds=self.bounds, signed=self.signed)


class DateField(forms.DateField):
    """`YYYY-MM-DD` within the portal's date range."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        return parse_date(value)


class DateTimeField(forms.DateTimeField):
    """ISO 8601 date and time (or a date) within the portal's date range, so that no time zone conversion
    overflows (year 1 at +14:00, year 9999 at -14:00)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, str):
            text = value.strip()
            if not text.isascii():
                raise ValidationError(message("datetime"), code="datetime")
            try:
                parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise ValidationError(message("datetime"), code="datetime") from None
        elif isinstance(value, datetime.datetime):
            parsed = value
        else:
            raise ValidationError(message("datetime"), code="datetime")
        check_date(parsed.date())
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        return parsed
