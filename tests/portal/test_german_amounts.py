"""German amount entry (common/forms.py): what staff type and what is saved, as a table."""

from decimal import Decimal

import pytest
from django import forms

from common.formatting import format_euro_or_unknown
from common.forms import AMOUNT_INVALID, GermanAmountField, parse_german_amount

READ = [
    # typed, saved
    ("100.000,00", Decimal("100000.00")),
    ("100000,00", Decimal("100000.00")),
    ("100000", Decimal("100000.00")),
    ("100.000", Decimal("100000.00")),
    ("100,5", Decimal("100.50")),
    ("100,50", Decimal("100.50")),
    ("0,01", Decimal("0.01")),
    ("1", Decimal("1.00")),
    ("999", Decimal("999.00")),
    ("1.000", Decimal("1000.00")),
    ("1.234.567,89", Decimal("1234567.89")),
    ("1234567,8", Decimal("1234567.80")),
    (" 2.500,00 ", Decimal("2500.00")),
    ("2.500,00 €", Decimal("2500.00")),
    ("2.500,00\u00a0€", Decimal("2500.00")),
    ("2500 EUR", Decimal("2500.00")),
    ("12.345,6", Decimal("12345.60")),
]

REFUSED = [
    "1.5",  # English decimal point or a broken group: never guessed
    "1.50",
    "100,000.00",  # English notation
    "100.000.00",
    "1.00.0",
    "1,234,5",
    "1,234",  # three decimals
    "100,505",
    "1000.000",  # a first group of four digits
    "1.0000",
    ".5",
    ",5",
    "5,",
    "1..000",
    "1.000,",
    "abc",
    "zwölf",
    "1e5",
    "0x10",
    "€",
    "12 34",  # a space inside the number is not a separator here
    "1\u202f000",
    "NaN",
    "Infinity",
    "--5",
    "5-",
    "\u0661\u0662",  # digits of another script
]


@pytest.mark.parametrize(("typed", "saved"), READ)
def test_german_notation_is_read(typed, saved):
    assert parse_german_amount(typed) == saved
    assert GermanAmountField().clean(typed) == saved


@pytest.mark.parametrize("typed", REFUSED)
def test_other_notation_is_refused_with_the_expected_form_named(typed):
    with pytest.raises(ValueError):
        parse_german_amount(typed)
    with pytest.raises(forms.ValidationError) as refused:
        GermanAmountField().clean(typed)
    assert refused.value.messages == [str(AMOUNT_INVALID)]
    assert "z. B. 100.000,00" in refused.value.messages[0]


def test_the_field_keeps_the_decimal_rules_of_its_column():
    field = GermanAmountField(max_digits=14, decimal_places=2)
    with pytest.raises(forms.ValidationError) as too_long:
        field.clean("1.000.000.000.000,00")  # 15 digits
    assert "Stellen" in too_long.value.messages[0]
    assert field.clean("999.999.999.999,99") == Decimal("999999999999.99")
    with pytest.raises(forms.ValidationError):
        GermanAmountField(min_value=Decimal("0.01")).clean("0")
    assert GermanAmountField(required=False).clean("") is None
    with pytest.raises(forms.ValidationError):
        GermanAmountField().clean("")
    with pytest.raises(forms.ValidationError):
        GermanAmountField().clean("1" * 41)


def test_the_saved_value_is_shown_back_with_grouping_and_what_was_typed_as_typed():
    class AmountForm(forms.Form):
        amount = GermanAmountField()

    unbound = AmountForm(initial={"amount": Decimal("1234567.5")})
    html = str(unbound["amount"])
    assert 'value="1.234.567,50"' in html
    assert 'inputmode="decimal"' in html and 'type="text"' in html
    assert "step" not in html

    wrong = AmountForm(data={"amount": "100,000.00"})
    assert not wrong.is_valid()
    assert 'value="100,000.00"' in str(wrong["amount"])  # shown as typed, to be corrected

    right = AmountForm(data={"amount": "100000,00"})
    assert right.is_valid() and right.cleaned_data["amount"] == Decimal("100000.00")


def test_unknown_amount_is_said_so():
    assert format_euro_or_unknown(None) == "nicht bekannt"
    assert format_euro_or_unknown(Decimal("100000")) == "100.000,00\u00a0€"
    assert format_euro_or_unknown(None, "nicht genannt") == "nicht genannt"
