"""Concurrent bulk upserts on PostgreSQL: real threads, each with its own connection and transaction.

Five bulks of 1,000 items over 1,500 new pairs that overlap (every pair is in one to five bulks, each bulk in its
own random order) must all succeed: a pair that another transaction created meanwhile becomes an update of that
row. Afterwards every pair exists once, its version is the number of its events, and the history and the audit
trail hold exactly the changes that were applied. The same for five bulks that change the same 1,000 rows."""

import random
import threading
import time

import pytest
from django.db import connection

from audit.models import Action, AuditEntry
from common.authorization import system_actor
from ozg_monitoring.models import RolloutStatus, StatusEvent
from ozg_monitoring.services import rollout_status_bulk_upsert

from .factories import OzgLeistungFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Nebenläufige Transaktionen (Zeilensperren, ON CONFLICT) prüft dieser Test nur auf PostgreSQL; "
        "mit DATABASE_URL=postgres://postgres@127.0.0.1/itvsh_… ausführen",
    ),
]

BULKS = 5
ITEMS = 1000


def _pairs(territory, count):
    verwaltungen = [territory.land, territory.nf, territory.foehr, territory.husum, territory.kiel]
    leistungen = OzgLeistungFactory.create_batch(count // len(verwaltungen))
    return [(leistung.ozg_id, verwaltung.ars) for leistung in leistungen for verwaltung in verwaltungen]


@pytest.fixture
def hold_locks(monkeypatch):
    """Widens the window: each upsert holds what it has just inserted (or locked) for a moment before it goes on,
    so the others run into its uncommitted rows."""
    from ozg_monitoring.services import status as services

    def holding(function):
        def slow(*args, **kwargs):
            value = function(*args, **kwargs)
            time.sleep(0.2)
            return value

        return slow

    monkeypatch.setattr(services, "insert_new", holding(services.insert_new))
    monkeypatch.setattr(services, "lock_pairs", holding(services.lock_pairs))


def _run_concurrently(batches, by):
    """Runs one bulk upsert per batch in its own thread, all released at once. Returns (results, failures,
    seconds): results and failures by batch index."""
    barrier = threading.Barrier(len(batches))
    results, failures = {}, {}

    def run(index, items):
        try:
            barrier.wait(timeout=30)
            results[index] = rollout_status_bulk_upsert(items=items, by=by)
        except Exception as error:  # noqa: BLE001 - every failure is reported by the assertion below
            failures[index] = repr(error)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(index, items)) for index, items in enumerate(batches)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, failures, time.perf_counter() - began


def _assert_history_matches_state(applied_by_status):
    """Each status: one "created" event first, then one "changed" per applied change whose old note is the note
    before it; version = number of events = number of applied writes; audit entries the same."""
    events = {}
    for status_id, action, old, new in StatusEvent.objects.order_by("id").values_list(
        "status_id", "action", "old_values", "new_values"
    ):
        events.setdefault(status_id, []).append((action, old, new))
    for status_id, version, note in RolloutStatus.objects.values_list("pk", "version", "note"):
        chain = events[status_id]
        assert version == len(chain) == applied_by_status[status_id], status_id
        assert [action for action, _old, _new in chain] == ["created"] + ["changed"] * (len(chain) - 1)
        for (_a, _o, before), (_a2, old, _n) in zip(chain, chain[1:], strict=False):
            assert old["note"] == before["note"]
        assert chain[-1][2]["note"] == note
    audit = {}
    for object_id, action in AuditEntry.objects.filter(content_type__model="rolloutstatus").values_list(
        "object_id", "action"
    ):
        audit.setdefault(int(object_id), []).append(action)
    assert {status_id: sorted(actions) for status_id, actions in audit.items()} == {
        status_id: sorted([Action.CREATED] + [Action.CHANGED] * (len(chain) - 1)) for status_id, chain in events.items()
    }


def test_concurrent_bulks_creating_the_same_pairs_all_succeed(territory, hold_locks):
    pairs = _pairs(territory, 1500)
    step = (len(pairs) - ITEMS) // (BULKS - 1)
    rng = random.Random(12)
    batches = []
    for index in range(BULKS):
        window = pairs[index * step : index * step + ITEMS]
        items = [{"ozg_id": ozg_id, "ars": ars, "stage": "geplant", "note": f"Lauf {index}"} for ozg_id, ars in window]
        rng.shuffle(items)
        batches.append(items)
    by = system_actor()

    results, failures, seconds = _run_concurrently(batches, by)

    assert failures == {}
    created = sum(result.created for result in results.values())
    updated = sum(result.updated for result in results.values())
    unchanged = sum(result.unchanged for result in results.values())
    retries = sum(result.retries for result in results.values())
    print(
        f"\n{BULKS} bulks × {ITEMS} items over {len(pairs)} pairs: created {created}, updated {updated}, "  # noqa: T201
        f"unchanged {unchanged}, retries {retries}, {seconds:.2f} s; per bulk (created, updated): "
        f"{[(results[i].created, results[i].updated) for i in sorted(results)]}"
    )
    assert (created, updated, unchanged) == (len(pairs), BULKS * ITEMS - len(pairs), 0)
    assert RolloutStatus.objects.count() == len(pairs)  # each pair once (the unique constraint holds anyway)
    touched = {}
    for items in batches:
        for item in items:
            key = (item["ozg_id"], item["ars"])
            touched[key] = touched.get(key, 0) + 1
    applied = {
        pk: touched[(ozg_id, ars)]
        for pk, ozg_id, ars in RolloutStatus.objects.values_list("pk", "leistung__ozg_id", "verwaltung__ars")
    }
    assert sorted(set(applied.values())) == [1, 2, 3, 4, 5]  # the windows really overlap
    _assert_history_matches_state(applied)
    assert StatusEvent.objects.filter(action="created").count() == created
    assert StatusEvent.objects.filter(action="changed").count() == updated


def test_concurrent_bulks_changing_the_same_rows_do_not_deadlock(territory, hold_locks):
    pairs = _pairs(territory, ITEMS)
    by = system_actor()
    rollout_status_bulk_upsert(
        items=[{"ozg_id": ozg_id, "ars": ars, "stage": "geplant"} for ozg_id, ars in pairs], by=by
    )
    rng = random.Random(21)
    batches = []
    for index in range(BULKS):
        items = [{"ozg_id": ozg_id, "ars": ars, "note": f"Änderung {index}"} for ozg_id, ars in pairs]
        rng.shuffle(items)
        batches.append(items)

    results, failures, seconds = _run_concurrently(batches, by)

    assert failures == {}
    updated = sum(result.updated for result in results.values())
    retries = sum(result.retries for result in results.values())
    print(
        f"\n{BULKS} bulks × {ITEMS} items changing the same rows: updated {updated}, "  # noqa: T201
        f"retries {retries}, {seconds:.2f} s"
    )
    assert updated == BULKS * ITEMS
    assert set(RolloutStatus.objects.values_list("version", flat=True)) == {BULKS + 1}
    _assert_history_matches_state(dict.fromkeys(RolloutStatus.objects.values_list("pk", flat=True), BULKS + 1))
