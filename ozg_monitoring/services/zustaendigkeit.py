"""Writes of the Zuständigkeit tables (default rows and exceptions): the admin and the loader call these.

The group Redaktion and the group Monitoring may change them (migration ozg_monitoring.0003); each write checks its
Rule, runs the model's checks (`full_clean`) and is recorded by simple_history (with the acting user) and the
audit trail (signals)."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _lazy

from common.authorization import model_rules

from ..models import Zustaendigkeit, ZustaendigkeitAusnahme

ZUSTAENDIGKEIT = model_rules("ozg_monitoring.zustaendigkeit", _lazy("Zuständigkeit"))
AUSNAHME = model_rules("ozg_monitoring.zustaendigkeitausnahme", _lazy("Ausnahme der Zuständigkeit"))


def _rules_for(obj):
    return ZUSTAENDIGKEIT if isinstance(obj, Zustaendigkeit) else AUSNAHME


@transaction.atomic
def zustaendigkeit_save(*, entry: Zustaendigkeit | ZustaendigkeitAusnahme, by):
    """Creates or changes a default row or an exception; the history names `by`."""
    _rules_for(entry).for_save(entry).require(by)
    entry.full_clean()
    entry._history_user = by
    entry.save()
    return entry


@transaction.atomic
def zustaendigkeit_delete(*, entry: Zustaendigkeit | ZustaendigkeitAusnahme, by) -> None:
    _rules_for(entry).delete.require(by)
    entry._history_user = by
    entry.delete()
