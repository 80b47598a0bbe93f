"""The monthly snapshots of the time series: the aggregates of every status as of the first of a month, replayed
from the history (`selectors.status_states_as_of`, the one replay). Each computed snapshot is announced with the
signal `snapshot_computed` once committed."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from common.authorization import Rule
from organisations import selectors as register
from organisations.keys import kreis_key

from ..models import ONLINE_STAGES, MonthlySnapshot, OzgLeistung, RolloutStatus, Stage
from ..selectors import status_states_as_of
from ..signals import snapshot_computed

SNAPSHOT_CREATE = Rule(action=_lazy("Monatsstand berechnen"), perms=("ozg_monitoring.change_monthlysnapshot",))


# --- snapshots --------------------------------------------------------------------------------------------


def snapshot_aggregates(states, *, leistung_themenfeld: dict, verwaltung_ars: dict) -> dict:
    """Aggregates of status states [(leistung_id, verwaltung_id, stage, maturity_level)] for the time series."""
    by_stage = dict.fromkeys(Stage.values, 0)
    by_themenfeld: dict[str, dict] = {}
    by_kreis: dict[str, dict] = {}
    leistungen_online, verwaltungen_online = set(), set()
    statuses = online = 0
    for leistung_id, verwaltung_id, stage, _level in states:
        statuses += 1
        by_stage[stage] = by_stage.get(stage, 0) + 1
        kreis = kreis_key(verwaltung_ars.get(verwaltung_id) or "")
        bucket = by_kreis.setdefault(kreis, {"statuses": 0, "online": 0})
        bucket["statuses"] += 1
        if stage in ONLINE_STAGES:
            online += 1
            bucket["online"] += 1
            leistungen_online.add(leistung_id)
            verwaltungen_online.add(verwaltung_id)
    for leistung_id in leistungen_online:
        themenfeld = str(leistung_themenfeld.get(leistung_id))
        by_themenfeld[themenfeld] = by_themenfeld.get(themenfeld, 0) + 1
    return {
        "statuses": statuses,
        "online": online,
        "leistungen_online": len(leistungen_online),
        "verwaltungen_online": len(verwaltungen_online),
        "by_stage": by_stage,
        "leistungen_online_by_themenfeld": by_themenfeld,
        "by_kreis": by_kreis,
    }


@transaction.atomic
def snapshot_create(*, date: datetime.date, by) -> MonthlySnapshot:
    """The aggregates as of the start of `date` (00:00 Europe/Berlin), stored once per date: running it again
    for the same date recomputes and replaces the same row. When the transaction commits, `snapshot_computed` is
    sent (the open data files of the month are published by its receiver)."""
    SNAPSHOT_CREATE.require(by)
    _day, states = next(status_states_as_of([date], fields=("stage", "maturity_level")))
    aggregates = snapshot_aggregates(
        (
            (state["leistung_id"], state["verwaltung_id"], state["stage"], state["maturity_level"])
            for state in states.values()
        ),
        leistung_themenfeld=dict(OzgLeistung.objects.values_list("pk", "themenfeld__catalogue_id")),
        verwaltung_ars=dict(register.verwaltungen_and_land().values_list("pk", "ars")),
    )
    snapshot, _created = MonthlySnapshot.objects.update_or_create(
        date=date,
        defaults={
            "statuses": aggregates["statuses"],
            "online": aggregates["online"],
            "leistungen_online": aggregates["leistungen_online"],
            "aggregates": aggregates,
            "is_demo": RolloutStatus.objects.filter(is_demo=True).exists(),
            "created_at": timezone.now(),
        },
    )
    transaction.on_commit(lambda: snapshot_computed.send(sender=MonthlySnapshot, date=date, snapshot=snapshot))
    return snapshot
