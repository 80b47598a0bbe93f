"""German number formats shared by pages, exports and error messages."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_cents(value) -> Decimal:
    """Rounds a money amount to two places, commercial rounding (0.005 -> 0.01)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def format_number(value, places: int = 0) -> str:
    """1234567.891 -> '1.234.567,89' with `places=2`; None -> '–'."""
    if value is None:
        return "–"
    quantum = Decimal(1).scaleb(-places)
    amount = Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{amount:,.{places}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def format_euro(value) -> str:
    """Decimal('12345.67') -> '12.345,67 €' (with a non-breaking space before the sign)."""
    if value is None:
        return "–"
    return f"{format_number(value, 2)}\u00a0€"


def format_percent(value, places: int = 0) -> str:
    """42.5 -> '42,5 %' with places=1 (the value is already in percent)."""
    if value is None:
        return "–"
    return f"{format_number(value, places)}\u00a0%"


def format_euro_or_unknown(value, unknown: str = "nicht bekannt") -> str:
    """An amount as `format_euro`, or "nicht bekannt" where none is recorded (None): never 0,00 € for an unknown."""
    return unknown if value is None else format_euro(value)
