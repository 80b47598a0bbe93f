"""Writes of staff to the catalogue: the executing level of an OZG-Leistung; the managed lists' entries."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _lazy

from audit.context import stamp_provenance
from common.authorization import Rule
from common.provenance import SourceKind

from ..models import (
    ManagedEntry,
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


# --- managed lists (Fokusleistungen, Basisdienste, Roll-out-Pläne) ------------------------------------------


def _managed_rule(instance, verb: str) -> Rule:
    meta = instance._meta
    return Rule(
        action=_lazy("%(model)s speichern") % {"model": meta.verbose_name},
        perms=(f"{meta.app_label}.{verb}_{meta.model_name}",),
    )


@transaction.atomic
def managed_entry_save(*, instance: ManagedEntry, by) -> ManagedEntry:
    """Staff save a Fokusleistung, a Basisdienst or a Roll-out-Plan (the admin; with a plan, its targets). The entry
    takes the writer's source kind (`audit.context.stamp_provenance`); a write that is not the demo loader's makes a
    demo entry real, so that removing the demo keeps it."""
    _managed_rule(instance, "add" if instance._state.adding else "change").require(by)
    instance.is_demo = stamp_provenance(instance, by=by) == SourceKind.DEMO
    instance.full_clean()
    instance.save()
    return instance
