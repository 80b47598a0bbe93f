import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.context import acting_as
from common.authorization import system_actor
from common.provenance import Door
from ozg_monitoring.models import MonthlySnapshot, RolloutStatus, StatusEvent
from ozg_monitoring.services import (
    BulkUpsertError,
    StaleVersionError,
    rollout_status_bulk_upsert,
    rollout_status_update,
    snapshot_create,
)

from .factories import OzgLeistungFactory

pytestmark = pytest.mark.django_db

ONLINE = {"stage": "online", "maturity_level": 3, "url": "https://dienst.example/a"}


def update(territory, leistung, changes, **kwargs):
    """A change in the admin (its channel: "admin")."""
    with acting_as(door=Door.ADMIN):
        return rollout_status_update(
            leistung=leistung,
            verwaltung=kwargs.pop("verwaltung", territory.foehr),
            changes=changes,
            by=kwargs.pop("by", system_actor()),
            **kwargs,
        )


def bulk(**kwargs):
    """A bulk upsert through the API (its channel: "api")."""
    with acting_as(door=Door.API_TOKEN):
        return rollout_status_bulk_upsert(**kwargs)


def test_create_then_change_writes_history_with_old_and_new_values(territory, django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("monitoring", is_staff=True)
    user.groups.add(Group.objects.get(name="Monitoring"))
    leistung = OzgLeistungFactory()
    status = update(territory, leistung, {"stage": "geplant", "planned_go_live": "2026-03-01"}, by=user)
    assert status.version == 1
    status = update(territory, leistung, ONLINE, by=user)
    assert (status.stage, status.version, status.actual_go_live) == ("online", 2, timezone.localdate())
    created, changed = StatusEvent.objects.order_by("id")
    assert created.action == "created" and created.old_values == {}
    assert created.new_values["planned_go_live"] == "2026-03-01"
    assert changed.old_values == {"stage": "geplant", "maturity_level": 0, "url": "", "actual_go_live": None}
    assert changed.new_values["stage"] == "online" and changed.changed_by == user and changed.channel == "admin"


def test_unchanged_values_write_no_event(territory):
    leistung = OzgLeistungFactory()
    update(territory, leistung, ONLINE)
    status = update(territory, leistung, ONLINE)
    assert status.version == 1
    assert StatusEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"stage": "online", "maturity_level": 3}, "url"),
        ({"stage": "online", "maturity_level": 1, "url": "https://x.example"}, "maturity_level"),
        ({"stage": "ende_zu_ende", "maturity_level": 1, "url": "https://x.example"}, "maturity_level"),
        ({"maturity_model": "1.1", "maturity_level": 5}, "maturity_level"),
        ({"actual_go_live": (timezone.localdate() + datetime.timedelta(days=1)).isoformat()}, "actual_go_live"),
        ({"stage": "fertig"}, "stage"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_rules_reject_and_change_nothing(territory, changes, field):
    leistung = OzgLeistungFactory()
    with pytest.raises(ValidationError) as error:
        update(territory, leistung, changes)
    assert field in error.value.message_dict
    assert not RolloutStatus.objects.exists()
    assert not StatusEvent.objects.exists()


def test_maturity_model_2_allows_level_7_and_1_1_only_4(territory):
    leistung = OzgLeistungFactory()
    assert update(territory, leistung, {"maturity_model": "2.0", "maturity_level": 7}).maturity_level == 7
    with pytest.raises(ValidationError):
        update(territory, leistung, {"maturity_model": "1.1"})


def test_backwards_only_with_a_note(territory):
    leistung = OzgLeistungFactory()
    update(territory, leistung, ONLINE)
    with pytest.raises(ValidationError) as error:
        update(territory, leistung, {"stage": "in_umsetzung"})
    assert "note" in error.value.message_dict
    assert RolloutStatus.objects.get().stage == "online"
    status = update(territory, leistung, {"stage": "in_umsetzung", "note": "Dienst wegen Anbieterwechsel offline"})
    assert status.stage == "in_umsetzung" and status.version == 2


def test_stale_version_is_rejected_and_changes_nothing(territory):
    leistung = OzgLeistungFactory()
    status = update(territory, leistung, {"stage": "geplant"})
    update(territory, leistung, {"stage": "in_umsetzung"}, expected_version=1)
    with pytest.raises(StaleVersionError) as error:
        update(territory, leistung, {"stage": "nicht_geplant", "note": "x"}, status=status, expected_version=1)
    assert error.value.current_version == 2
    status.refresh_from_db()
    assert (status.stage, status.version) == ("in_umsetzung", 2)
    assert StatusEvent.objects.count() == 2


def test_status_only_for_verwaltungen_and_land(territory):
    with pytest.raises(ValidationError) as error:
        update(territory, OzgLeistungFactory(), {"stage": "geplant"}, verwaltung=territory.alkersum)
    assert "verwaltung" in error.value.message_dict


def test_write_invalidates_dashboard_cache_on_commit(territory, django_capture_on_commit_callbacks):
    from ozg_monitoring.selectors import READS

    before = READS.version()
    with django_capture_on_commit_callbacks(execute=True):
        update(territory, OzgLeistungFactory(), ONLINE)
    assert READS.version() != before


def items_for(territory, leistungen, **fields):
    return [{"ozg_id": leistung.ozg_id, "ars": territory.foehr.ars, **fields} for leistung in leistungen]


def test_bulk_upsert_creates_and_updates_with_events(territory, django_assert_max_num_queries):
    leistungen = OzgLeistungFactory.create_batch(30)
    update(territory, leistungen[0], {"stage": "geplant"})
    with django_assert_max_num_queries(12):
        result = bulk(items=items_for(territory, leistungen, **ONLINE), by=system_actor())
    assert (result.created, result.updated) == (29, 1)
    assert RolloutStatus.objects.online().count() == 30
    assert StatusEvent.objects.count() == 31
    assert RolloutStatus.objects.get(leistung=leistungen[0]).version == 2


def test_bulk_upsert_is_all_or_nothing_with_per_item_errors(territory):
    leistungen = OzgLeistungFactory.create_batch(5)
    update(territory, leistungen[0], {"stage": "geplant"})
    items = items_for(territory, leistungen, stage="in_umsetzung")
    items[2]["stage"] = "online"  # no URL
    items[3]["ars"] = "019999999999"
    items[0]["version"] = 7  # stale
    with pytest.raises(BulkUpsertError) as error:
        bulk(items=items, by=system_actor())
    by_index = {entry["index"]: entry["errors"] for entry in error.value.errors}
    assert set(by_index) == {0, 2, 3}
    assert "version" in by_index[0] and "url" in by_index[2] and "ars" in by_index[3]
    assert RolloutStatus.objects.count() == 1
    assert RolloutStatus.objects.get().stage == "geplant"
    assert StatusEvent.objects.count() == 1


def test_bulk_upsert_refuses_foreign_verwaltungen(territory):
    from accounts.services import membership_grant
    from tests.accounts.factories import kommune_user

    leistung = OzgLeistungFactory()
    user = kommune_user()
    membership_grant(user=user, organisation=territory.foehr, by=system_actor())
    items = [{"ozg_id": leistung.ozg_id, "ars": territory.husum.ars, "stage": "geplant"}]
    with pytest.raises(BulkUpsertError) as error:
        bulk(items=items, by=user)
    assert error.value.forbidden
    assert error.value.errors[0]["errors"]["ars"] == ["Für diese Verwaltung dürfen Sie nichts ändern."]
    assert not RolloutStatus.objects.exists()


@pytest.fixture
def created_meanwhile(monkeypatch, territory):
    """created_meanwhile(leistung, changes): another writer creates that status after the bulk upsert has checked
    its items and before it inserts the new ones (the window of a concurrent request, on one connection)."""
    import ozg_monitoring.services.status as services

    def arrange(leistung, changes):
        real = services.insert_new

        def racing(*args, **kwargs):
            update(territory, leistung, changes)
            return real(*args, **kwargs)

        monkeypatch.setattr(services, "insert_new", racing)

    return arrange


def test_bulk_upsert_turns_a_pair_created_meanwhile_into_an_update(territory, created_meanwhile):
    from audit.models import AuditEntry

    leistungen = OzgLeistungFactory.create_batch(3)
    created_meanwhile(leistungen[0], {"stage": "geplant", "note": "von anderswo"})
    result = bulk(items=items_for(territory, leistungen, stage="in_umsetzung"), by=system_actor())
    assert (result.created, result.updated, result.unchanged) == (2, 1, 0)
    raced = RolloutStatus.objects.get(leistung=leistungen[0])
    assert (raced.stage, raced.note, raced.version) == ("in_umsetzung", "von anderswo", 2)
    events = list(
        StatusEvent.objects.filter(status=raced).order_by("id").values_list("action", "old_values", "channel")
    )
    assert events == [("created", {}, "admin"), ("changed", {"stage": "geplant"}, "api")]
    assert StatusEvent.objects.filter(action="created").count() == 3
    audit = AuditEntry.objects.filter(content_type__model="rolloutstatus", object_id=str(raced.pk))
    assert sorted(audit.values_list("action", flat=True)) == ["changed", "created"]


def test_bulk_upsert_item_equal_to_a_pair_created_meanwhile_is_unchanged(territory, created_meanwhile):
    leistungen = OzgLeistungFactory.create_batch(2)
    created_meanwhile(leistungen[0], {"stage": "geplant"})
    result = bulk(items=items_for(territory, leistungen, stage="geplant"), by=system_actor())
    assert (result.created, result.updated, result.unchanged) == (1, 0, 1)
    assert RolloutStatus.objects.get(leistung=leistungen[0]).version == 1
    assert StatusEvent.objects.count() == 2


def test_bulk_upsert_expecting_no_status_conflicts_with_one_created_meanwhile(territory, created_meanwhile):
    leistungen = OzgLeistungFactory.create_batch(2)
    created_meanwhile(leistungen[0], {"stage": "geplant"})
    items = [{**item, "version": 0} for item in items_for(territory, leistungen, stage="in_umsetzung")]
    with pytest.raises(BulkUpsertError) as error:
        bulk(items=items, by=system_actor())
    assert error.value.conflict and not error.value.forbidden
    assert [(entry["index"], list(entry["errors"])) for entry in error.value.errors] == [(0, ["version"])]
    # All or nothing: the other item's insert is undone (here with the other writer's, which ran inside the
    # upsert's savepoint on the same connection).
    assert not RolloutStatus.objects.filter(leistung=leistungen[1]).exists()
    assert not StatusEvent.objects.filter(channel="api").exists()


def test_bulk_upsert_checks_rules_against_a_pair_created_meanwhile(territory, created_meanwhile):
    leistungen = OzgLeistungFactory.create_batch(2)
    created_meanwhile(leistungen[0], {**ONLINE})
    with pytest.raises(BulkUpsertError) as error:  # from online back to geplant needs a note
        bulk(items=items_for(territory, leistungen, stage="geplant"), by=system_actor())
    assert not error.value.conflict
    assert [(entry["index"], list(entry["errors"])) for entry in error.value.errors] == [(0, ["note"])]
    assert not RolloutStatus.objects.filter(leistung=leistungen[1]).exists()
    assert not StatusEvent.objects.filter(channel="api").exists()


def test_bulk_upsert_repeats_after_a_deadlock(territory, monkeypatch):
    from django.db import OperationalError

    import ozg_monitoring.services.status as services

    leistungen = OzgLeistungFactory.create_batch(2)
    real, calls = services.lock_pairs, []

    def deadlocking(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            # What Django raises for PostgreSQL's deadlock_detected: the driver's error (SQLSTATE 40P01) as cause.
            cause = type("DeadlockDetected", (Exception,), {"pgcode": "40P01"})()
            raise OperationalError("deadlock detected") from cause
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "lock_pairs", deadlocking)
    update(territory, leistungen[0], {"stage": "geplant"})
    result = bulk(items=items_for(territory, leistungen, stage="in_umsetzung"), by=system_actor())
    assert (result.created, result.updated, result.retries) == (1, 1, 1)
    assert StatusEvent.objects.count() == 3  # the first attempt's insert was rolled back with its savepoint
    assert RolloutStatus.objects.count() == 2


def test_bulk_upsert_gives_up_after_its_retries_and_never_retries_other_errors(territory, monkeypatch):
    from django.db import OperationalError

    import ozg_monitoring.services.status as services

    calls = []

    def failing(code):
        def lock_pairs(*args, **kwargs):
            calls.append(code)
            raise OperationalError("lost") from type("DatabaseError", (Exception,), {"pgcode": code})()

        return lock_pairs

    items = items_for(territory, OzgLeistungFactory.create_batch(1), stage="geplant")
    for code, attempts in (("40001", 1 + services.BULK_RETRIES), ("57014", 1)):  # 57014: statement timeout
        calls.clear()
        monkeypatch.setattr(services, "lock_pairs", failing(code))
        with pytest.raises(OperationalError):
            bulk(items=items, by=system_actor())
        assert len(calls) == attempts
    assert not RolloutStatus.objects.exists()


def test_bulk_upsert_limit(territory):
    with pytest.raises(ValidationError):
        bulk(items=[{}] * 1001, by=system_actor())


def test_snapshot_is_idempotent_and_replays_history(territory):
    leistungen = OzgLeistungFactory.create_batch(3)
    for leistung in leistungen:
        update(territory, leistung, ONLINE)
    StatusEvent.objects.all().unguarded(reason="Test").update(changed_at=timezone.now() - datetime.timedelta(days=40))
    # a change today: yesterday's snapshot must not see it
    update(territory, leistungen[0], {"stage": "in_umsetzung", "note": "Wartung"})
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    first = snapshot_create(date=yesterday, by=system_actor())
    second = snapshot_create(date=yesterday, by=system_actor())
    assert MonthlySnapshot.objects.count() == 1
    assert first.pk == second.pk
    assert (second.statuses, second.online, second.leistungen_online) == (3, 3, 3)
    tomorrow = snapshot_create(date=timezone.localdate() + datetime.timedelta(days=1), by=system_actor())
    assert (tomorrow.online, tomorrow.aggregates["by_stage"]["in_umsetzung"]) == (2, 1)
    before_all = snapshot_create(date=timezone.localdate() - datetime.timedelta(days=60), by=system_actor())
    assert before_all.statuses == 0
    assert MonthlySnapshot.objects.count() == 3


def test_monthly_snapshot_task_is_idempotent(territory):
    from ozg_monitoring.tasks import snapshot_monthly

    update(territory, OzgLeistungFactory(), ONLINE)
    first = snapshot_monthly.delay("2030-01-01").get()
    second = snapshot_monthly.delay("2030-01-01").get()
    assert first == second
    assert MonthlySnapshot.objects.get(date=datetime.date(2030, 1, 1)).online == 1


def test_snapshot_create_announces_the_computed_snapshot_on_commit(territory, django_capture_on_commit_callbacks):
    from ozg_monitoring.signals import snapshot_computed

    received = []

    def receiver(sender, *, date, snapshot, **kwargs):
        received.append((sender, date, snapshot.pk))

    snapshot_computed.connect(receiver)
    try:
        day = datetime.date(2026, 1, 1)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            snapshot = snapshot_create(date=day, by=system_actor())
        assert received == []  # not before the snapshot is committed
        for callback in callbacks:
            callback()
    finally:
        snapshot_computed.disconnect(receiver)
    assert received == [(MonthlySnapshot, day, snapshot.pk)]
