import pytest
from django.urls import reverse

from ozg_monitoring.models import ExecutingLevel
from ozg_monitoring.responsibility import verwaltung_of_level
from ozg_monitoring.selectors import (
    KREISWEIT,
    LANDESWEIT,
    MINDESTENS_EINE,
    NICHT_VERFUEGBAR,
    coverage_by_leistung,
    lookup_leistungen,
    lookup_rows,
)

from .factories import LeikaLeistungFactory, OnlineStatusFactory, OzgLeistungFactory, RolloutStatusFactory

pytestmark = pytest.mark.django_db


def test_the_verwaltung_of_each_level_for_a_gemeinde_in_amt_foehr_amrum(territory):
    alkersum, land = territory.alkersum, territory.land
    assert verwaltung_of_level(alkersum, ExecutingLevel.AMT_GEMEINDE, land).ars == "010545488000"
    assert verwaltung_of_level(alkersum, ExecutingLevel.KREIS, land).ars == "010540000000"
    assert verwaltung_of_level(alkersum, ExecutingLevel.LAND, land).ars == "010000000000"
    assert verwaltung_of_level(alkersum, ExecutingLevel.BUND, land) is None
    kiel = territory.kiel
    assert verwaltung_of_level(kiel, ExecutingLevel.KREIS, land) == kiel
    assert verwaltung_of_level(kiel, ExecutingLevel.AMT_GEMEINDE, land) == kiel
    assert verwaltung_of_level(territory.husum, ExecutingLevel.AMT_GEMEINDE, land) == territory.husum


def test_lookup_resolves_each_level_to_the_right_verwaltung(territory):
    amt_level = OzgLeistungFactory(level=ExecutingLevel.AMT_GEMEINDE, name="Hundesteuer")
    kreis_level = OzgLeistungFactory(level=ExecutingLevel.KREIS, name="Wohngeld")
    land_level = OzgLeistungFactory(level=ExecutingLevel.LAND, name="Landesjagdschein")
    OnlineStatusFactory(leistung=amt_level, verwaltung=territory.foehr, url="https://amt.example/hund")
    OnlineStatusFactory(leistung=amt_level, verwaltung=territory.husum)  # not hers
    OnlineStatusFactory(leistung=kreis_level, verwaltung=territory.nf, url="https://nf.example/wohngeld")
    RolloutStatusFactory(leistung=land_level, verwaltung=territory.land, stage="geplant")
    rows = {row.leistung.name: row for row in lookup_rows(territory.alkersum, lookup_leistungen())}
    assert rows["Hundesteuer"].responsible == territory.foehr and rows["Hundesteuer"].is_online
    assert rows["Hundesteuer"].status.url == "https://amt.example/hund"
    assert rows["Wohngeld"].responsible == territory.nf and rows["Wohngeld"].is_online
    assert rows["Landesjagdschein"].responsible == territory.land and not rows["Landesjagdschein"].is_online


def test_lookup_text_search_finds_leika_names(territory):
    gewerbe = OzgLeistungFactory(name="Gewerbeanzeige")
    wohngeld = OzgLeistungFactory(name="Mietzuschuss")
    LeikaLeistungFactory(ozg_leistung=wohngeld, name="Wohngeld Bewilligung")
    OzgLeistungFactory(name="Hundesteuer")
    assert list(lookup_leistungen(q="Wohngeld")) == [wohngeld]
    assert list(lookup_leistungen(q="gewerbe")) == [gewerbe]
    assert list(lookup_leistungen(themenfeld=gewerbe.themenfeld.catalogue_id)) == [gewerbe]


def test_coverage_in_the_federal_terms(territory):
    kreis_level = OzgLeistungFactory(level=ExecutingLevel.KREIS)
    amt_level = OzgLeistungFactory(level=ExecutingLevel.AMT_GEMEINDE)
    partial = OzgLeistungFactory(level=ExecutingLevel.AMT_GEMEINDE)
    nowhere = OzgLeistungFactory(level=ExecutingLevel.KREIS)
    land_level = OzgLeistungFactory(level=ExecutingLevel.LAND)
    OnlineStatusFactory(leistung=kreis_level, verwaltung=territory.nf)
    for verwaltung in (territory.foehr, territory.husum):  # every Gemeinde-level unit of Nordfriesland
        OnlineStatusFactory(leistung=amt_level, verwaltung=verwaltung)
    OnlineStatusFactory(leistung=partial, verwaltung=territory.husum)
    RolloutStatusFactory(leistung=nowhere, verwaltung=territory.nf)
    OnlineStatusFactory(leistung=land_level, verwaltung=territory.land)
    coverage = coverage_by_leistung()
    assert coverage[kreis_level.pk].kind == KREISWEIT
    assert [name for _key, name in coverage[kreis_level.pk].kreise] == ["Nordfriesland"]
    assert coverage[amt_level.pk].kind == KREISWEIT
    assert coverage[partial.pk].kind == MINDESTENS_EINE
    assert coverage[nowhere.pk].kind == NICHT_VERFUEGBAR
    assert coverage[land_level.pk].kind == LANDESWEIT
    OnlineStatusFactory(leistung=kreis_level, verwaltung=territory.kiel)
    assert coverage_by_leistung()[kreis_level.pk].kind == LANDESWEIT


def test_coverage_costs_three_queries_however_many_leistungen(territory, django_assert_num_queries):
    for _ in range(20):
        OnlineStatusFactory(leistung=OzgLeistungFactory(), verwaltung=territory.foehr)
    with django_assert_num_queries(3):
        assert len(coverage_by_leistung()) == 20


def test_plan_progress_per_verwaltung_uses_the_target_stage_and_due_dates(client, django_assert_num_queries):
    import datetime

    from ozg_monitoring.models import RolloutPlan, RolloutTarget, Stage
    from ozg_monitoring.selectors import plan_progress, plan_progress_for_verwaltung

    online = OnlineStatusFactory()
    amt = online.verwaltung
    planned = RolloutStatusFactory(verwaltung=amt, stage=Stage.GEPLANT)
    e2e_target = OnlineStatusFactory(verwaltung=amt)  # online, but the plan asks for Ende-zu-Ende
    not_reported = OzgLeistungFactory()
    plan = RolloutPlan.objects.create(name="Roll-out-Plan 2025", slug="rollout-2025", year=2025)
    due_past, due_future = datetime.date(2025, 6, 30), datetime.date(2027, 6, 30)
    RolloutTarget.objects.create(plan=plan, leistung=online.leistung, verwaltung=amt, due=due_past)
    RolloutTarget.objects.create(plan=plan, leistung=planned.leistung, verwaltung=amt, due=due_past)
    RolloutTarget.objects.create(
        plan=plan, leistung=e2e_target.leistung, verwaltung=amt, due=due_future, target_stage=Stage.ENDE_ZU_ENDE
    )
    RolloutTarget.objects.create(plan=plan, leistung=not_reported, verwaltung=amt, due=due_future)
    today = datetime.date(2026, 11, 21)

    with django_assert_num_queries(2):
        (entry,) = plan_progress_for_verwaltung(amt, today=today)
    assert (entry["targets"], entry["achieved"], entry["overdue"], entry["share"]) == (4, 1, 1, 25.0)
    results = {row["leistung"].pk: (row["achieved"], row["overdue"], row["stage"]) for row in entry["rows"]}
    assert results[online.leistung.pk] == (True, False, "online verfügbar")
    assert results[planned.leistung.pk][:2] == (False, True)
    assert results[e2e_target.leistung.pk][:2] == (False, False)
    assert results[not_reported.pk] == (False, False, "nicht gemeldet")
    (statewide,) = plan_progress(today=today)
    assert (statewide["targets"], statewide["achieved"], statewide["overdue"]) == (4, 1, 1)
    # Per Kreis under the Kreis's name (the dashboard's plan table shows names, not keys like "01054").
    (named,) = plan_progress(today=today, kreis_names={amt.ars[:5]: "Nordfriesland"})
    assert named["by_kreis"] == {amt.ars[:5]: {"targets": 4, "achieved": 1, "name": "Nordfriesland"}}
    dashboard = client.get(reverse("ozg_monitoring:dashboard")).content.decode()
    plan_table = dashboard.split('id="plan-', 1)[1].split("</table>", 1)[0]
    kreis = amt.kreis if amt.kreis_id else None
    if kreis is not None:  # the factory's Amt lies in a Kreis of the register: its name, not its key
        assert f">{kreis.name}<" in plan_table.replace("<td>", "<")
    else:  # no such Kreis in the register: said so, the key given only as a hint
        assert f"Kreis nicht bekannt (Schlüssel {amt.ars[:5]})" in plan_table
    assert f'<th scope="row">{amt.ars[:5]}<' not in plan_table

    html = client.get(reverse("ozg_monitoring:verwaltung_detail", kwargs={"ars": amt.ars})).content.decode()
    assert 'id="plaene"' in html and "1 von 4 Planzielen erreicht" in html and "überfällig" in html


def test_the_one_history_replay(territory, django_assert_num_queries):
    """status_states_as_of: today's values with later events undone, newest day first, two queries for any number of
    days; a status created after a day is not in it."""
    import datetime

    from django.utils import timezone

    from common.authorization import system_actor
    from ozg_monitoring.models import StatusEvent
    from ozg_monitoring.selectors import status_states_as_of
    from ozg_monitoring.services import rollout_status_update

    leistung = OzgLeistungFactory()
    status = rollout_status_update(
        leistung=leistung, verwaltung=territory.foehr, changes={"stage": "geplant"}, by=system_actor()
    )
    rollout_status_update(
        status=status,
        changes={"stage": "online", "url": "https://dienst.example/a", "maturity_level": 3},
        by=system_actor(),
    )
    today = timezone.localdate()
    created, changed = StatusEvent.objects.filter(status=status).order_by("id")
    backdate = StatusEvent.objects.filter(pk=created.pk).unguarded(reason="Test")
    backdate.update(changed_at=timezone.now() - datetime.timedelta(days=20))
    backdate = StatusEvent.objects.filter(pk=changed.pk).unguarded(reason="Test")
    backdate.update(changed_at=timezone.now() - datetime.timedelta(days=10))
    days = [today - datetime.timedelta(days=n) for n in (30, 15, -1)]
    with django_assert_num_queries(2):
        seen = [
            (day, {pk: dict(state) for pk, state in states.items()})
            for day, states in status_states_as_of(days, fields=("stage", "maturity_level"), keep=("is_demo",))
        ]
    assert [day for day, _states in seen] == sorted(days, reverse=True)
    base = {"leistung_id": leistung.pk, "verwaltung_id": territory.foehr.pk, "is_demo": False}
    assert seen[0][1] == {status.pk: {**base, "stage": "online", "maturity_level": 3}}
    before = changed.old_values["maturity_level"]
    assert before != 3
    assert seen[1][1] == {status.pk: {**base, "stage": "geplant", "maturity_level": before}}
    assert seen[2][1] == {}
    assert list(status_states_as_of([], fields=("stage",))) == []
