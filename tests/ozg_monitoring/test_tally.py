"""The running count of statuses per stage (ozg_monitoring/tally.py, triggers of migration 0017): as exact as a count
after every kind of write, whichever door it came through, folded and repaired by `compact()`."""

import logging

import pytest
from django.db import connection
from django.db.models import Count

from common.authorization import system_actor
from ozg_monitoring import selectors, tally
from ozg_monitoring.models import RolloutStatus, StageTally
from ozg_monitoring.services import rollout_status_bulk_upsert, rollout_status_update

from .factories import OnlineStatusFactory, OzgLeistungFactory, RolloutStatusFactory

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="Die Zählung führt nur PostgreSQL")


def counted() -> dict:
    return dict(RolloutStatus.objects.order_by().values_list("stage").annotate(n=Count("*")))


@postgresql_only
def test_the_tally_follows_every_kind_of_write(territory):
    leistungen = [OzgLeistungFactory() for _ in range(3)]
    RolloutStatusFactory(leistung=leistungen[0], verwaltung=territory.foehr)  # model save
    OnlineStatusFactory(leistung=leistungen[0], verwaltung=territory.husum)
    assert selectors.stage_counts() == counted() == {"geplant": 1, "online": 1}
    rollout_status_update(  # the service: a stage changes
        leistung=leistungen[0], verwaltung=territory.foehr, changes={"stage": "in_umsetzung"}, by=system_actor()
    )
    items = [  # the bulk upsert's SQL: two new, one changed (its note only)
        {"ozg_id": leistungen[1].ozg_id, "ars": territory.kiel.ars, "stage": "in_umsetzung"},
        {"ozg_id": leistungen[2].ozg_id, "ars": territory.kiel.ars, "stage": "geplant"},
        {"ozg_id": leistungen[0].ozg_id, "ars": territory.husum.ars, "note": "Bulk"},
    ]
    result = rollout_status_bulk_upsert(items=items, by=system_actor())
    assert (result.created, result.updated) == (2, 1)
    assert selectors.stage_counts() == counted() == {"in_umsetzung": 2, "geplant": 1, "online": 1}
    rows = StageTally.objects.count()
    RolloutStatus.objects.filter(verwaltung=territory.kiel).update(note="nur eine Notiz")  # stage unchanged
    assert StageTally.objects.count() == rows  # nothing to add
    RolloutStatus.objects.filter(verwaltung=territory.kiel).update(stage="nicht_geplant")  # QuerySet.update()
    RolloutStatus.objects.filter(verwaltung=territory.husum).delete()
    with connection.cursor() as cursor:  # raw SQL
        cursor.execute(
            "UPDATE ozg_monitoring_rolloutstatus SET stage = 'geplant' WHERE verwaltung_id = %s",
            [territory.foehr.pk],
        )
    assert selectors.stage_counts() == counted() == {"nicht_geplant": 2, "geplant": 1}
    with connection.cursor() as cursor:  # TRUNCATE (the events and audit rows that refer to statuses go with them)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's transaction holds deferred key checks
        cursor.execute("TRUNCATE ozg_monitoring_rolloutstatus CASCADE")
    assert selectors.stage_counts() == counted() == {} and not StageTally.objects.exists()


@postgresql_only
def test_compact_folds_the_rows_into_one_per_stage_and_keeps_the_sums(territory):
    for verwaltung in (territory.foehr, territory.husum, territory.kiel, territory.nf):
        RolloutStatusFactory(verwaltung=verwaltung)
        OnlineStatusFactory(verwaltung=verwaltung)
    RolloutStatus.objects.filter(verwaltung=territory.nf).delete()
    before = selectors.stage_counts()
    assert StageTally.objects.count() == 10
    assert tally.compact() == {"rows_before": 10, "rows_after": 2, "repaired": {}}
    assert selectors.stage_counts() == before == counted() == {"geplant": 3, "online": 3}
    assert tally.compact()["rows_after"] == 2  # again: nothing changes


@postgresql_only
def test_compact_repairs_a_tally_that_differs_from_the_count(territory, caplog):
    """The triggers disabled for a while, or a restore without them: the next compaction writes the difference."""
    OnlineStatusFactory(verwaltung=territory.foehr)
    StageTally.objects.create(stage="online", n=6)
    StageTally.objects.create(stage="geplant", n=-2)
    assert selectors.stage_counts() == {"online": 7}
    with caplog.at_level(logging.ERROR, logger="ozg_monitoring.tally"):
        outcome = tally.compact()
    assert outcome["repaired"] == {"online": -6, "geplant": 2}
    assert "korrigiert" in caplog.text
    assert selectors.stage_counts() == counted() == {"online": 1}


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite: ohne Trigger")
def test_without_triggers_the_dashboard_counts_and_compact_does_nothing(territory):
    OnlineStatusFactory(verwaltung=territory.foehr)
    assert not StageTally.objects.exists()
    assert selectors.stage_counts() == counted() == {"online": 1}
    assert tally.compact() == {"rows_before": 0, "rows_after": 0, "repaired": {}}


def test_the_tally_is_compacted_every_ten_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["ozg-stage-tally"]
    assert entry["task"] == "ozg_monitoring.stage_tally_compact"
    assert entry["schedule"].minute == set(range(0, 60, 10))
