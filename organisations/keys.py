"""The register's keys: the shape of an ARS, an AGS and a key prefix, written once for the whole portal.

The rule. The register holds Schleswig-Holstein (Land key `01`) and nothing else, so every key the portal accepts
is one of Schleswig-Holstein:

- an ARS (Amtlicher Regionalschlüssel) has exactly 12 ASCII digits and starts with `01`:
  Land 2, Regierungsbezirk 1, Kreis 2, Verband 4, Gemeinde 3 (`010545488001`);
- an AGS (Amtlicher Gemeindeschlüssel) has exactly 8 ASCII digits and starts with `01`: the ARS without the
  Verband part (`01054001`);
- a key prefix has 2 to 12 ASCII digits and starts with `01`: everything whose ARS starts with it (the Kreis key
  of 5 digits `01054`, the Verband key of 9 digits `010545488`).

Other digits (`٠١`, `①`), white space, a trailing line break and keys of another Land are refused, with the same
German message wherever the key came in: a FilterSet of any app (`ArsFilter`, `ArsPrefixFilter` in
`organisations.filters`), the model's validators, an API body, an import, the search. The database's check
constraint (`organisation_ars_format`) says the same in SQL (`DB_ARS_REGEX`).
"""

import re

from django.core.exceptions import ValidationError

from common.messages import message

LAND_KEY = "01"
LAND_ARS = "010000000000"
ARS_LENGTH, AGS_LENGTH, KREIS_KEY_LENGTH, VERBAND_KEY_LENGTH = 12, 8, 5, 9
MIN_PREFIX_LENGTH = 2

_ARS = re.compile(r"01[0-9]{10}")
_AGS = re.compile(r"01[0-9]{6}")
_PREFIX = re.compile(r"01[0-9]{0,10}")
_KREIS_KEY = re.compile(r"01[0-9]{3}")
_ANY_LAND_ARS = re.compile(r"[0-9]{12}")

#: The ARS rule as a database regular expression (the check constraint `organisation_ars_format`).
DB_ARS_REGEX = r"^01[0-9]{10}$"
#: The same check for a key of any of the 16 Länder: only the Germany-scale benchmark's own database uses it
#: (bench/germany.py widens the check constraint there; the portal admits Schleswig-Holstein only).
DB_GERMANY_ARS_REGEX = r"^(0[1-9]|1[0-6])[0-9]{10}$"


def _full(pattern: re.Pattern, value) -> bool:
    return isinstance(value, str) and pattern.fullmatch(value) is not None


def is_ars(value) -> bool:
    """True for a well-formed ARS of Schleswig-Holstein (12 ASCII digits starting with 01)."""
    return _full(_ARS, value)


def is_ags(value) -> bool:
    """True for a well-formed AGS of Schleswig-Holstein (8 ASCII digits starting with 01)."""
    return _full(_AGS, value)


def is_prefix(value) -> bool:
    """True for a key prefix: 2 to 12 ASCII digits starting with 01 (a whole ARS is a prefix of itself)."""
    return _full(_PREFIX, value)


def is_any_land_ars(value) -> bool:
    """True for a well-formed ARS of any Land (12 ASCII digits): only where records of other Länder arrive and
    must be told apart from malformed keys (the federal dashboard's records)."""
    return _full(_ANY_LAND_ARS, value)


def is_kreis_key(value) -> bool:
    """True for the 5-digit key of a Kreis or a kreisfreie Stadt (`01054`)."""
    return _full(_KREIS_KEY, value)


def validate_ars(value) -> None:
    """The validator of every ARS field and filter: ValidationError (German, code "invalid") unless `is_ars`."""
    if not is_ars(value):
        raise ValidationError(message("organisations.ars_format"), code="invalid")


def validate_ags(value) -> None:
    if not is_ags(value):
        raise ValidationError(message("organisations.ags_format"), code="invalid")


def validate_prefix(value) -> None:
    if not is_prefix(value):
        raise ValidationError(message("organisations.ars_prefix_format"), code="invalid")


def parse_ars(value) -> str:
    """The ARS `value` (surrounding white space removed); ValidationError with the one ARS message otherwise."""
    value = value.strip() if isinstance(value, str) else value
    validate_ars(value)
    return value


def parse_prefix(value) -> str:
    """The key prefix `value` (surrounding white space removed); ValidationError with the one message otherwise."""
    value = value.strip() if isinstance(value, str) else value
    validate_prefix(value)
    return value


def kreis_key(ars: str) -> str:
    """The 5-digit Kreis key of an ARS or prefix (`010545488001` → `01054`)."""
    return ars[:KREIS_KEY_LENGTH]


def verband_key(ars: str) -> str:
    """The 9-digit Verband key of an ARS (`010545488001` → `010545488`): an Amt, an amtsfreie Gemeinde, a kreisfreie
    Stadt; for an amtsangehörige Gemeinde that of her Amt."""
    return ars[:VERBAND_KEY_LENGTH]


def ars_of_prefix(prefix: str) -> str:
    """The ARS of the body a prefix names itself (the Kreis of `01054` is `010540000000`)."""
    return prefix.ljust(ARS_LENGTH, "0")
