"""Writes of staff to the catalogue: the executing level of an OZG-Leistung."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _lazy

from common.authorization import Rule

from ..models import (
    OzgLeistung,
)

LEISTUNG_LEVEL_SET = Rule(
    action=_lazy("Vollzugsebene einer OZG-Leistung festlegen"), perms=("ozg_monitoring.change_ozgleistung",)
)


# --- catalogue --------------------------------------------------------------------------------------------


@transaction.atomic
def leistung_level_set(*, leistung: OzgLeistung, level: str, by) -> OzgLeistung:
    """Staff set the executing level of an OZG-Leistung. It is marked "von der Redaktion festgelegt", so later
    catalogue imports keep it (they re-derive only levels of origin "default")."""
    LEISTUNG_LEVEL_SET.require(by)
    leistung.level = level
    leistung.level_source = OzgLeistung.LevelSource.MANUAL
    leistung.full_clean()
    leistung.save()
    return leistung
