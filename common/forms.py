"""Form fields shared by the admin of every app.

`GermanAmountField` reads an amount of money the way it is written in German: "100.000,00", "100000,00",
"100000" and "100.000" are all one hundred thousand euros, "100,5" is 100,50 €. The dot groups thousands (in
groups of exactly three digits), the comma separates the cents (at most two places). Whatever else ("1.5",
"100,000.00", "1.00.0", "1,234,5", letters, three decimals) is refused with a message that names the expected
form, never guessed: "1.5" could be 1,50 € or 15 €, and a factor-100 error must not slip through.

The saved value is shown back with grouping ("100.000,00", `common.formatting.format_number`). The API keeps its
JSON numbers and decimal strings; this field is for forms only.
"""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .formatting import format_number

AMOUNT_EXAMPLE = "100.000,00"
AMOUNT_INVALID = _("Bitte als Betrag in Euro angeben, z. B. 100.000,00 (Punkt für Tausender, Komma für Cent).")

# Digits with thousands grouped by dots in threes ("1.234.567") or not grouped at all ("1234567"), then optionally
# a comma and one or two decimals. An optional sign in front, an optional euro sign behind.
_AMOUNT = re.compile(r"^(?P<sign>[-+]?)(?P<whole>\d{1,3}(?:\.\d{3})+|\d+)(?:,(?P<cents>\d{1,2}))?$", re.ASCII)
_BLANKS = " \t\n\r\u00a0\u202f"


def _strip(text: str) -> str:
    return text.strip(_BLANKS)


def parse_german_amount(text: str) -> Decimal:
    """'100.000,00' -> Decimal('100000.00'); raises ValueError for anything that is not German notation.
    Blanks around the number and a trailing '€' or 'EUR' are ignored; a blank inside it is refused."""
    cleaned = _strip(str(text))
    for suffix in ("€", "EUR"):
        if cleaned.upper().endswith(suffix):
            cleaned = _strip(cleaned[: -len(suffix)])
    match = _AMOUNT.match(cleaned)
    if match is None:
        raise ValueError(text)
    whole = match["whole"].replace(".", "")
    cents = (match["cents"] or "").ljust(2, "0")
    try:
        amount = Decimal(f"{match['sign']}{whole}.{cents}")
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise ValueError(text) from None
    return amount


def format_german_amount(value) -> str:
    """Decimal('100000') -> '100.000,00' (what the field shows); None -> ''."""
    if value is None or value == "":
        return ""
    return format_number(value, 2)


class GermanAmountInput(forms.TextInput):
    """A text input for amounts: the numeric keypad on phones (inputmode=decimal), no browser spinner that would
    read "100000,00" the English way."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", "class": "vTextField amount", **(attrs or {})})


class GermanAmountField(forms.DecimalField):
    """A money amount in German notation (see the module docstring). Max digits and decimal places are checked
    as for a DecimalField; the model field's `max_digits`/`decimal_places` apply."""

    widget = GermanAmountInput
    default_error_messages = {"invalid": AMOUNT_INVALID}

    def __init__(self, *, max_digits=14, decimal_places=2, **kwargs):
        kwargs.setdefault("localize", False)
        super().__init__(max_digits=max_digits, decimal_places=decimal_places, **kwargs)
        self.widget.attrs.pop("step", None)  # a text input has no step

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        text = str(value).strip()
        if not text:
            return None
        try:
            if len(text) > 40:
                raise ValueError(text)
            return parse_german_amount(text)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def prepare_value(self, value):
        """A saved Decimal shows grouped ("100.000,00"); what was typed (a string) shows as typed."""
        if isinstance(value, Decimal | int):
            return format_german_amount(value)
        return value

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)
        return attrs


def money_formfield(db_field, **kwargs):
    """The form field for a model's money DecimalField: `formfield_for_dbfield` calls it in the admin."""
    return db_field.formfield(form_class=GermanAmountField, **kwargs)


class GermanAmountsAdminMixin:
    """Goes before `admin.ModelAdmin`: the model fields named in `money_fields` are entered as German amounts
    (`GermanAmountField`) on the admin's forms."""

    money_fields: tuple[str, ...] = ()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in self.money_fields:
            return money_formfield(db_field, **kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)
