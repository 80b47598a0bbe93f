import io
import time

import pytest
from django.core.management import CommandError, call_command

from organisations.models import Organisation
from ozg_monitoring.models import ExecutingLevel, MonthlySnapshot, OzgLeistung, RolloutStatus, StatusEvent
from ozg_monitoring.selectors import lookup_leistungen, lookup_rows, portal_notices
from tests.organisations.fixtures import register  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db):
    call_command("import_ozg_catalogue", stdout=io.StringIO())
    call_command("import_zustaendigkeit", stdout=io.StringIO())


def test_demo_refuses_when_disabled(settings, register, catalogue):  # noqa: F811
    settings.DEMO_CONTENT_ENABLED = False
    with pytest.raises(CommandError, match="DEMO_CONTENT_ENABLED"):
        call_command("load_ozg_demo", stdout=io.StringIO())
    assert not RolloutStatus.objects.exists()


def test_demo_covers_all_verwaltungen_is_deterministic_idempotent_and_flagged(
    register,  # noqa: F811 - the fixture imported above
    catalogue,
    django_capture_on_commit_callbacks,
):
    assert Organisation.objects.verwaltungen().count() == 180
    assert portal_notices() == []
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):  # the commit replaces the cached notice
        call_command("load_ozg_demo", stdout=io.StringIO())
    elapsed = time.monotonic() - started
    first = set(RolloutStatus.objects.values_list("leistung__ozg_id", "verwaltung__ars", "stage", "version"))
    events = StatusEvent.objects.count()
    assert elapsed < 60
    assert RolloutStatus.objects.values("verwaltung").distinct().count() == 181  # 180 Verwaltungen and the Land

    # Demo statuses exist only where the sourced Zuständigkeit puts the Leistung; the demo assigns no level.
    assert not OzgLeistung.objects.filter(level_source="demo").exists()
    pairs = {(ozg_id, ars) for ozg_id, ars, _stage, _version in first}
    by_leistung = {}
    for ozg_id, ars in pairs:
        by_leistung.setdefault(ozg_id, set()).add(ars)
    assert 10001 not in by_leistung  # Zuständigkeit not recorded: no status anywhere
    assert 10005 not in by_leistung and 10081 not in by_leistung  # the Bund (Kindergeld, Steuer-ID)
    assert by_leistung[10000] == {"010000000000"}  # Elterngeld: the Land (LAsD) only
    units = set(
        Organisation.objects.filter(kind__in=["amt", "amtsfreie_gemeinde", "kreisfreie_stadt"]).values_list(
            "ars", flat=True
        )
    )
    schleswig_flensburg = {ars for ars in units if ars.startswith("01059")}
    assert by_leistung[10092] == (units - schleswig_flensburg) | {"010590000000"}  # Wohngeld, exception applied
    kreise = set(Organisation.objects.filter(kind__in=["kreis", "kreisfreie_stadt"]).values_list("ars", flat=True))
    bauaufsicht = by_leistung[10519]  # Baugenehmigung: the Kreise and the 18 towns with their own Bauaufsicht
    assert kreise <= bauaufsicht and "010600063063" in bauaufsicht and len(bauaufsicht - kreise) == 18
    assert "010545488000" not in bauaufsicht  # Amt Föhr-Amrum is no Bauaufsicht
    foehr = {ozg_id for ozg_id, ars in pairs if ars == "010545488000"}
    assert 10124 in foehr and not foehr & {10000, 10005, 10436, 10519}  # Meldewesen yes; Land, Bund, Kreis no
    assert MonthlySnapshot.objects.filter(is_demo=True).count() == 25
    series = list(MonthlySnapshot.objects.order_by("date").values_list("online", flat=True))
    assert series[0] < series[-1]
    assert StatusEvent.objects.exclude(channel="demo").count() == 0
    assert portal_notices()[0]["title"] == "Beispieldaten"

    call_command("load_ozg_demo", stdout=io.StringIO())
    assert set(RolloutStatus.objects.values_list("leistung__ozg_id", "verwaltung__ars", "stage", "version")) == first
    assert StatusEvent.objects.count() == events

    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_ozg_demo", "--remove", stdout=io.StringIO())
    assert not RolloutStatus.objects.exists()
    assert not OzgLeistung.objects.filter(level_source="demo").exists()
    assert portal_notices() == []


def test_foehr_amrum_on_the_real_register(register):  # noqa: F811
    from .factories import OnlineStatusFactory, OzgLeistungFactory

    amt = Organisation.objects.get(ars="010545488000")
    nordfriesland = Organisation.objects.get(ars="010540000000")
    gemeinde = Organisation.objects.filter(amt=amt).select_related("kreis", "verwaltung").first()
    amt_level = OzgLeistungFactory(level=ExecutingLevel.AMT_GEMEINDE)
    kreis_level = OzgLeistungFactory(level=ExecutingLevel.KREIS)
    OnlineStatusFactory(leistung=amt_level, verwaltung=amt)
    OnlineStatusFactory(leistung=kreis_level, verwaltung=nordfriesland)
    rows = {row.leistung: row for row in lookup_rows(gemeinde, lookup_leistungen())}
    assert rows[amt_level].responsible == amt and rows[amt_level].is_online
    assert rows[kreis_level].responsible == nordfriesland and rows[kreis_level].is_online
