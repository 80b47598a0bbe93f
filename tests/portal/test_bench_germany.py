"""The Germany-scale generator of the benchmark (bench/germany.py): a consistent synthetic register in the Destatis
key structure, marked synthetic, and statuses with their history that keep the portal's rules. No timings."""

import datetime
import re

import pytest
from django.utils import timezone

from bench import germany
from organisations.models import Organisation
from ozg_monitoring.models import RolloutStatus, StatusEvent, status_rule_errors
from ozg_monitoring.services import EVENT_FIELDS
from tests.organisations.factories import AmtFactory, LandFactory
from tests.ozg_monitoring.factories import OzgLeistungFactory

REAL_NAMES = {
    "02": "Freie und Hansestadt Hamburg",
    "03": "Niedersachsen",
    "04": "Freie Hansestadt Bremen",
    "05": "Nordrhein-Westfalen",
    "06": "Hessen",
    "07": "Rheinland-Pfalz",
    "08": "Baden-Württemberg",
    "09": "Bayern",
    "10": "Saarland",
    "11": "Berlin",
    "12": "Brandenburg",
    "13": "Mecklenburg-Vorpommern",
    "14": "Sachsen",
    "15": "Sachsen-Anhalt",
    "16": "Thüringen",
}


@pytest.fixture(scope="module")
def bodies():
    return germany.synthetic_bodies(0.001)


def test_keys_are_destatis_keys_of_the_other_laender(bodies):
    arses = [body.ars for body in bodies]
    assert len(arses) == len(set(arses))
    agses = [body.ags for body in bodies if body.ags]
    assert len(agses) == len(set(agses))
    for body in bodies:
        assert re.fullmatch(germany.DE_ARS_REGEX, body.ars), body
        assert body.ars[:2] in REAL_NAMES, body  # Land 01 stays the real register
        if body.ags:
            assert body.ags == body.ars[:5] + body.ars[9:], body
    assert {body.kind for body in bodies} == {
        "land",
        "kreis",
        "kreisfreie_stadt",
        "amt",
        "amtsfreie_gemeinde",
        "amtsangehoerige_gemeinde",
    }


def test_relations_follow_the_key_structure(bodies):
    by_ars = {body.ars: body for body in bodies}
    kinds = set(Organisation.Kind.values)
    for body in bodies:
        assert body.kind in kinds
        if body.kind == "land":
            assert body.ars.endswith("0" * 10) and body.parent is None
            continue
        parent = by_ars[body.parent]
        kreis = by_ars[body.kreis]
        assert kreis.kind in ("kreis", "kreisfreie_stadt") and body.ars[:5] == kreis.ars[:5]
        assert by_ars[body.verwaltung].kind in germany.VERWALTUNG_KINDS
        if body.kind in ("kreis", "kreisfreie_stadt"):
            assert parent.kind == "land" and parent.ars[:2] == body.ars[:2]
            assert body.ars[5:] == "0" * 7 and body.kreis == body.verwaltung == body.ars
        elif body.kind == "amt":
            assert parent is kreis and body.ars[9:] == "000" and body.verwaltung == body.ars
        elif body.kind == "amtsfreie_gemeinde":
            assert parent is kreis and body.ars[5:9] == "0" + body.ars[9:] and body.verwaltung == body.ars
        else:
            assert parent.kind == "amt" and body.amt == body.verwaltung == parent.ars
            assert body.ars[:9] == parent.ars[:9]


def test_every_body_below_a_land_is_marked_synthetic(bodies):
    for body in bodies:
        if body.kind == "land":
            assert body.name == REAL_NAMES[body.ars[:2]] and body.official_type == "Land"
        else:
            assert body.name.startswith("Beispiel") and body.official_type == germany.SYNTHETIC_TYPE


def test_full_size_reaches_germany():
    bodies = germany.synthetic_bodies(1.0)
    counts = germany._count_kinds(bodies)
    # With Schleswig-Holstein's real register (15 Kreise and kreisfreie Städte, 1,106 Gemeinden, 180 Verwaltungen).
    assert counts["kreis"] + counts["kreisfreie_stadt"] + 15 == 400
    gemeinden = counts["kreisfreie_stadt"] + counts["amtsfreie_gemeinde"] + counts["amtsangehoerige_gemeinde"]
    assert gemeinden + 1_106 == 10_758
    assert germany.expected_statuses(1.0) == 2_600_633


def test_status_rows_keep_the_rules_and_are_demo_data():
    now = timezone.now()
    statuses, events = germany.status_rows(
        [(7, "020010000000"), (8, "030010000000")], [(1, 10001), (2, 10002), (3, 10003)], first_id=50, now=now, seed="t"
    )
    assert [row[0] for row in statuses] == list(range(50, 56))
    fields = germany.STATUS_FIELDS
    by_status = {}
    for event in events:
        by_status.setdefault(event[0], []).append(event)
    start = now - datetime.timedelta(days=30 * germany.MONTHS)
    for row in statuses:
        values = dict(zip(fields, row, strict=True))
        assert values["is_demo"] is True and values["source_kind"] == "demo"
        status = RolloutStatus(
            **{
                ("id" if k == "id" else f"{k}_id" if k in ("leistung", "verwaltung") else k): v
                for k, v in values.items()
            }
        )
        assert status_rule_errors(status) == {}
        history = by_status[values["id"]]
        assert history[0][3] == "created" and all(event[3] == "changed" for event in history[1:])
        assert len(history) == values["version"] == germany.STAGES.index(values["stage"]) + 1
        times = [event[6] for event in history]
        assert times == sorted(times) and start <= times[0] and times[-1] <= now
        assert values["created_at"] == times[0] and values["updated_at"] == times[-1]
        assert history[-1][5]["stage"] == values["stage"]
        assert all(event[7] == "demo" and event[8] == "demo" for event in history)


@pytest.mark.django_db
def test_rows_are_written_and_read_back():
    land = LandFactory()
    amt = AmtFactory()
    leistung = OzgLeistungFactory()
    statuses, events = germany.status_rows(
        [(land.pk, land.ars), (amt.pk, amt.ars)],
        [(leistung.pk, leistung.ozg_id)],
        first_id=1,
        now=timezone.now(),
        seed="db",
    )
    assert germany.write_rows(RolloutStatus, germany.STATUS_FIELDS, statuses) == 2
    assert germany.write_rows(StatusEvent, EVENT_FIELDS, events) == len(events)
    stored = RolloutStatus.objects.get(verwaltung=amt)
    assert stored.is_demo and stored.events.count() == stored.version
    assert (
        StatusEvent.objects.filter(status__verwaltung=land).count()
        == RolloutStatus.objects.get(verwaltung=land).version
    )
