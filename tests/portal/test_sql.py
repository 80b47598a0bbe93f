"""The raw-SQL helpers of `common/sql.py`, each on the database the suite runs on: SQLite here, PostgreSQL in CI
(`bash .ci/run`), so both dialects of every statement are exercised. Behaviour and query counts."""

import datetime

import pytest
from django.db import DataError, connection, transaction

from common.sql import existing_pairs, fast_insert, fast_update, grouped_ids, insert_new, lock_pairs
from ozg_monitoring.models import Lebenslage, RolloutStatus, Stage, StatusEvent, Themenfeld
from ozg_monitoring.services import EVENT_FIELDS
from tests.organisations.factories import AmtFactory
from tests.ozg_monitoring.factories import OzgLeistungFactory, RolloutStatusFactory

pytestmark = pytest.mark.django_db


def test_fast_insert_writes_all_rows_in_one_statement_per_page(django_assert_num_queries):
    rows = [(100 + n, f"Themenfeld {n}") for n in range(25)]
    with django_assert_num_queries(1):
        assert fast_insert(Themenfeld, ["catalogue_id", "name"], rows) == 25
    assert Themenfeld.objects.filter(catalogue_id__gte=100).count() == 25
    assert fast_insert(Themenfeld, ["catalogue_id", "name"], []) == 0


#: Text that an array literal or a VALUES list could get wrong: quotes, backslashes, braces and commas, the word
#: NULL, white space at the ends, line breaks, umlauts.
AWKWARD = ['a"b', "back\\slash\\", "{x,y}", "NULL", " NULL ", "", "Zeile 1\nZeile 2\tTab", "Grüße, \u00dfü"]


def test_fast_insert_keeps_every_value_as_it_was(django_assert_num_queries):
    """JSON with quotes and backslashes, NULL and the text "NULL", times with microseconds: read back unchanged."""
    status = RolloutStatusFactory()
    when = datetime.datetime(2026, 12, 2, 6, 30, 1, 5, tzinfo=datetime.UTC)
    rows = [
        (status.pk, status.leistung_id, status.verwaltung_id, "changed", {"note": text}, {"note": [text, None]}, when)
        + ("api", "kommune")
        for text in AWKWARD
    ]
    fields = EVENT_FIELDS
    with django_assert_num_queries(1):
        assert fast_insert(StatusEvent, fields, rows) == len(AWKWARD)
    stored = StatusEvent.objects.filter(status=status, changed_at=when).order_by("pk")
    assert [(event.old_values, event.new_values) for event in stored] == [
        ({"note": text}, {"note": [text, None]}) for text in AWKWARD
    ]
    # PostgreSQL: a statement per page of 3 rows, 3 for 8 rows; SQLite: one prepared statement for all.
    with django_assert_num_queries(3 if connection.vendor == "postgresql" else 1):
        fast_insert(StatusEvent, fields, rows, page_size=3)


def test_fast_update_keeps_awkward_text_and_none():
    statuses = [RolloutStatusFactory() for _ in AWKWARD]
    for status, text in zip(statuses, AWKWARD, strict=True):
        status.note, status.url = text, ""
    statuses[0].provider_id = None
    fast_update(RolloutStatus, statuses, ["note", "url", "provider"])
    assert [RolloutStatus.objects.get(pk=status.pk).note for status in statuses] == AWKWARD
    assert RolloutStatus.objects.get(pk=statuses[0].pk).provider_id is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite does not enforce the length of a text column")
def test_fast_update_refuses_an_overlong_value_instead_of_cutting_it():
    """An explicit cast to varchar(n) cuts a value silently; the rows travel as text and the column refuses it."""
    status = RolloutStatusFactory()
    status.stage = "x" * 200
    with pytest.raises(DataError), transaction.atomic():
        fast_update(RolloutStatus, [status], ["stage"])
    with pytest.raises(DataError), transaction.atomic():
        fast_insert(Themenfeld, ["catalogue_id", "name"], [(900, "x" * 10_000)])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one prepared statement per row")
def test_statement_text_does_not_grow_with_the_rows():
    """On PostgreSQL each column travels as one array parameter: the statement is the same for 1 and 40 rows."""
    themenfeld = Themenfeld.objects.create(catalogue_id=60, name="T")
    texts = []
    for count in (1, 40):
        rows = [(6000 + count * 100 + n, f"L {n}", themenfeld.pk) for n in range(count)]
        with connection.execute_wrapper(lambda execute, sql, *args: texts.append(sql) or execute(sql, *args)):
            fast_insert(Lebenslage, ["catalogue_id", "name", "themenfeld"], rows)
    assert texts[0] == texts[1]
    assert "unnest(%s::smallint[], %s::text[], %s::bigint[])" in texts[0]


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
        seen.append(sql.split()[0].upper())
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
