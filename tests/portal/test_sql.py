"""The raw-SQL helpers of `common/sql.py`, each on the database the suite runs on: SQLite here, PostgreSQL in CI
(`bash .ci/run`), so both dialects of every statement are exercised. Behaviour and query counts."""

import pytest
from django.db import connection, transaction

from common.sql import existing_pairs, fast_insert, fast_update, grouped_ids, insert_new, lock_pairs
from ozg_monitoring.models import Lebenslage, RolloutStatus, Stage, Themenfeld
from tests.organisations.factories import AmtFactory
from tests.ozg_monitoring.factories import OzgLeistungFactory, RolloutStatusFactory

pytestmark = pytest.mark.django_db


def test_fast_insert_writes_all_rows_in_one_statement_per_page(django_assert_num_queries):
    rows = [(100 + n, f"Themenfeld {n}") for n in range(25)]
    with django_assert_num_queries(1):
        assert fast_insert(Themenfeld, ["catalogue_id", "name"], rows) == 25
    assert Themenfeld.objects.filter(catalogue_id__gte=100).count() == 25
    assert fast_insert(Themenfeld, ["catalogue_id", "name"], []) == 0


def test_insert_new_skips_existing_unique_keys_and_returns_the_new_primary_keys():
    Themenfeld.objects.create(catalogue_id=7, name="schon da")
    inserted = insert_new(
        Themenfeld, ["catalogue_id", "name"], [(8, "neu"), (7, "doppelt"), (9, "auch neu")], unique=("catalogue_id",)
    )
    assert set(inserted) == {(8,), (9,)}
    assert Themenfeld.objects.get(catalogue_id=7).name == "schon da"
    assert {Themenfeld.objects.get(pk=pk).catalogue_id for pk in inserted.values()} == {8, 9}


def test_pairs_found_and_locked_in_key_order(django_assert_num_queries):
    amt = AmtFactory()
    first, second, absent = OzgLeistungFactory(), OzgLeistungFactory(), OzgLeistungFactory()
    RolloutStatusFactory(leistung=second, verwaltung=amt)
    RolloutStatusFactory(leistung=first, verwaltung=amt)
    wanted = [(second.pk, amt.pk), (first.pk, amt.pk), (absent.pk, amt.pk)]
    with django_assert_num_queries(1):
        assert existing_pairs(RolloutStatus, "leistung", "verwaltung", wanted) == {
            (first.pk, amt.pk),
            (second.pk, amt.pk),
        }
    with transaction.atomic(), django_assert_num_queries(1):
        locked = lock_pairs(RolloutStatus, "leistung", "verwaltung", wanted)
    assert [status.leistung_id for status in locked] == sorted([first.pk, second.pk])
    assert existing_pairs(RolloutStatus, "leistung", "verwaltung", []) == set()


def test_fast_update_writes_the_given_fields_back():
    statuses = [RolloutStatusFactory(), RolloutStatusFactory()]
    for status in statuses:
        status.stage, status.note = Stage.IN_UMSETZUNG, f"Notiz {status.pk}"
    assert fast_update(RolloutStatus, statuses, ["stage", "note"]) == 2
    for status in statuses:
        status.refresh_from_db()
        assert (status.stage, status.note) == (Stage.IN_UMSETZUNG, f"Notiz {status.pk}")


def test_the_helpers_pass_the_connections_execute_wrappers():
    """The write hook of the cached reads sees their statements (Django's cursor, never the DB-API cursor)."""
    seen = []

    def wrapper(execute, sql, params, many, context):
        text = sql.decode() if isinstance(sql, bytes) else sql  # execute_values hands over bytes
        seen.append(text.split()[0].upper())
        return execute(sql, params, many, context)

    themenfeld = Themenfeld.objects.create(catalogue_id=50, name="T")
    with connection.execute_wrapper(wrapper):
        fast_insert(Lebenslage, ["catalogue_id", "name", "themenfeld"], [(500, "L", themenfeld.pk)])
    assert seen and seen[0] == "INSERT"


def test_grouped_ids_groups_in_one_query(django_assert_num_queries):
    first, second = OzgLeistungFactory(), OzgLeistungFactory()
    amts = [AmtFactory() for _ in range(3)]
    for amt in amts:
        RolloutStatusFactory(leistung=first, verwaltung=amt)
    RolloutStatusFactory(leistung=second, verwaltung=amts[1])
    with django_assert_num_queries(1):
        grouped = grouped_ids(RolloutStatus.objects.all(), by="leistung_id", ids="verwaltung_id")
    assert grouped == {first.pk: {amt.pk for amt in amts}, second.pk: {amts[1].pk}}
    assert (
        grouped_ids(
            RolloutStatus.objects.filter(leistung=second, verwaltung=amts[0]), by="leistung_id", ids="verwaltung_id"
        )
        == {}
    )
