from decimal import Decimal

from common.formatting import format_euro, format_number, format_percent, to_cents


def test_euro_uses_german_separators_and_rounds_commercially():
    assert format_euro(Decimal("12345.675")) == "12.345,68\u00a0€"
    assert format_euro(Decimal("2959517")) == "2.959.517,00\u00a0€"
    assert format_euro(None) == "–"


def test_number_and_percent():
    assert format_number(2959517) == "2.959.517"
    assert format_number(Decimal("0.5")) == "1"
    assert format_percent(Decimal("42.55"), 1) == "42,6\u00a0%"
    assert to_cents("1.005") == Decimal("1.01")
