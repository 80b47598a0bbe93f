"""Zuständigkeit as sourced data (issue 14): the loader, responsible_for(), and what citizens see on the lookup."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse

from common.authorization import system_actor
from organisations.models import Organisation
from ozg_monitoring.models import (
    ExecutingLevel,
    OzgLeistung,
    Zustaendigkeit,
    ZustaendigkeitAusnahme,
)
from ozg_monitoring.responsibility import describe, responsible_for
from ozg_monitoring.selectors import READS, lookup_rows
from ozg_monitoring.services.zustaendigkeit import zustaendigkeit_save
from ozg_monitoring.zustaendigkeit_import import load

from .factories import LeikaLeistungFactory, OnlineStatusFactory, OzgLeistungFactory

pytestmark = pytest.mark.django_db
DATA = Path(settings.DATA_DIR) / "ozg"
LevelSource = OzgLeistung.LevelSource


# --- the shipped research, loaded into the real register -----------------------------------------------------


@pytest.fixture
def sourced(register):
    call_command("import_ozg_catalogue", stdout=io.StringIO())
    result = load(by=system_actor(), directory=DATA)
    return result


def _gemeinde(name):
    return Organisation.objects.gemeinden().select_related("kreis", "verwaltung", "amt").get(name__startswith=name)


def _leistung(ozg_id):
    return OzgLeistung.objects.get(ozg_id=ozg_id)


def test_the_shipped_research_loads_completely_and_a_second_run_changes_nothing(sourced):
    assert sourced.created == {"defaults": 158, "exceptions": 230}
    assert sourced.levels_sourced == 13
    # 10272: the Bund is wrong, but the Kreis level in SH is only inferred (evidence "rechtskenntnis"): not taken
    assert sourced.check == {"bestätigt": 86, "korrigiert": 6, "nicht belegt": 6}
    assert _leistung(10272).level == ExecutingLevel.UNCLASSIFIED
    # 11 Leistungen classified only per LeiKa row, all on one level; BAföG (land, kreis) and Führungszeugnis
    # (amt_gemeinde, bund) are not
    assert sourced.levels_from_leika == 11 and sorted(sourced.levels_mixed) == [10056, 10562]
    assert (_leistung(10119).level, _leistung(10119).level_source) == (ExecutingLevel.AMT_GEMEINDE, LevelSource.LEIKA)
    assert Zustaendigkeit.objects.count() == 158 and ZustaendigkeitAusnahme.objects.count() == 230
    assert _leistung(10465).level == ExecutingLevel.LAND  # "falsch" with a source: the sourced level
    assert _leistung(10465).level_source == LevelSource.SOURCED
    assert _leistung(10106).level == ExecutingLevel.UNCLASSIFIED  # "nicht belegt"
    assert _leistung(10020).level_source == LevelSource.CHECKED  # "bestätigt" (Kinderzuschlag at the Bund)
    assert _leistung(10000).level == ExecutingLevel.LAND  # Elterngeld at the LAsD, from its whole-Leistung row
    again = load(by=system_actor(), directory=DATA)
    assert again.created == {"defaults": 0, "exceptions": 0} and again.updated == {"defaults": 0, "exceptions": 0}
    assert again.unchanged == {"defaults": 158, "exceptions": 230} and again.kept == []
    history_user = Zustaendigkeit.objects.first().history.first().history_user
    assert history_user == system_actor()


def test_classified_leistungen_name_the_office_that_handles_them(sourced):
    ascheffel = _gemeinde("Ascheffel")
    personalausweis = responsible_for(ascheffel, _leistung(10119)).main
    assert personalausweis.verwaltung.display_name == "Amt Hüttener Berge"  # not the Kreis Rendsburg-Eckernförde
    assert personalausweis.office == "Personalausweisbehörde" and personalausweis.source_url.startswith("https://")
    assert describe(personalausweis) == "zuständig: Amt Hüttener Berge (Personalausweisbehörde)"
    wohngeld_wyk = responsible_for(_gemeinde("Wyk auf Föhr"), _leistung(10092)).main
    assert wohngeld_wyk.verwaltung.display_name == "Amt Föhr-Amrum" and not wohngeld_wyk.is_exception
    kfz = responsible_for(ascheffel, _leistung(10436)).main  # Kfz-Kennzeichen: at the Kreis, not the Amt
    assert kfz.level == ExecutingLevel.KREIS and kfz.verwaltung.ars == "010580000000"


def test_exceptions_are_applied(sourced):
    wohngeld = responsible_for(_gemeinde("Böklund"), _leistung(10092)).main  # a Gemeinde of Schleswig-Flensburg
    assert wohngeld.is_exception and wohngeld.level == ExecutingLevel.KREIS
    assert wohngeld.verwaltung.ars == "010590000000"
    baugenehmigung = responsible_for(_gemeinde("Norderstedt"), _leistung(10519))
    assert baugenehmigung.parts == []  # all its sourced LeiKa rows are handled by the town
    assert baugenehmigung.main.verwaltung.name == "Norderstedt, Stadt" and baugenehmigung.main.is_exception
    elsewhere = responsible_for(_gemeinde("Ascheffel"), _leistung(10519)).main
    assert elsewhere.verwaltung.ars == "010580000000" and not elsewhere.is_exception  # the Kreis' Bauaufsicht
    sterbeurkunde = responsible_for(_gemeinde("Glinde"), _leistung(10237)).main
    assert sterbeurkunde.verwaltung.name == "Reinbek, Stadt"  # the shared Standesamtsbezirk


def test_bund_leika_split_and_unknown(sourced):
    ascheffel = _gemeinde("Ascheffel")
    kindergeld = responsible_for(ascheffel, _leistung(10005)).main
    assert kindergeld.is_bund and kindergeld.verwaltung is None
    assert describe(kindergeld).startswith("Diese Leistung bietet der Bund an (Familienkasse")
    bafoeg = responsible_for(ascheffel, _leistung(10056))
    assert bafoeg.main is None  # Studierende at the Land (Studentenwerk), Schüler at the Kreis
    assert {(part.level, part.verwaltung.ars) for part in bafoeg.parts} == {
        (ExecutingLevel.LAND, "010000000000"),
        (ExecutingLevel.KREIS, "010580000000"),
    }
    unknown = responsible_for(ascheffel, _leistung(10001)).main
    assert unknown.unknown and describe(unknown) == "Zuständigkeit noch nicht erfasst"
    assert [org.display_name for org in unknown.ask] == ["Amt Hüttener Berge", "Kreis Rendsburg-Eckernförde"]


def test_the_lookup_page_shows_the_truth(client, sourced):
    ascheffel = _gemeinde("Ascheffel")
    OnlineStatusFactory(leistung=_leistung(10001), verwaltung=ascheffel.verwaltung)  # not recorded: not shown
    OnlineStatusFactory(leistung=_leistung(10119), verwaltung=ascheffel.kreis)  # not the responsible one
    url = reverse("ozg_monitoring:lookup_gemeinde", args=[ascheffel.ars])
    page = client.get(url, {"q": "Personalausweis"}).content.decode()
    assert "zuständig: Amt Hüttener Berge (Personalausweisbehörde)" in page
    assert "Personalausweis online beantragen" not in page  # the Kreis' service is not hers
    page = client.get(url, {"q": "Vaterschafts"}).content.decode()
    assert "Zuständigkeit noch nicht erfasst" in page
    assert f'href="{ascheffel.verwaltung.get_absolute_url()}"' in page
    assert f'href="{ascheffel.kreis.get_absolute_url()}"' in page
    assert "online beantragen" not in page  # no silent best of three
    page = client.get(url, {"q": "Kindergeld"}).content.decode()
    assert "Diese Leistung bietet der Bund an (Familienkasse" in page
    page = client.get(url, {"q": "BAföG"}).content.decode()
    assert "Studentenwerk" in page and "Amt für Ausbildungsförderung des Kreises" in page
    # The Leistung pages: the Bund offers Kindergeld (never "0 von 181"); Baugenehmigung lists its exceptions.
    page = client.get(reverse("ozg_monitoring:leistung_detail", args=[10005])).content.decode()
    assert "Diese Leistung bietet der Bund an (Familienkasse" in page and "zuständigen Verwaltungen online" not in page
    page = client.get(reverse("ozg_monitoring:leistung_detail", args=[10519])).content.decode()
    assert "untere Bauaufsichtsbehörde" in page and "Norderstedt, Stadt</a>" in page
    page = client.get(reverse("ozg_monitoring:leistung_detail", args=[10001])).content.decode()
    assert "Zuständigkeit noch nicht erfasst" in page and "zuständigen Verwaltungen online" not in page


def test_lookup_page_query_count_with_sourced_rows(client, sourced, django_assert_num_queries, settings):
    settings.PORTAL_NOTICE_PROVIDERS = ["ozg_monitoring.selectors.portal_notices"]
    url = reverse("ozg_monitoring:lookup_gemeinde", args=[_gemeinde("Norderstedt").ars])
    client.get(url + "?q=Wohngeld")  # the process builds its service-search index once (ozg_monitoring/search.py)
    for query in ("?q=Wohngeld", "?q=Bau", "?q=Personalausweis"):  # rows, exceptions, LeiKa rows
        READS.replace()
        # gemeinde, count, page, Zuständigkeit rows, exceptions, Land, statuses, Themenfelder, Lebenslagen, demo,
        # the Stand der Daten
        with django_assert_num_queries(11):
            assert client.get(url + query).status_code == 200


def test_lookup_api_fields(client, sourced):
    gemeinde = _gemeinde("Böklund")
    response = client.get(f"/api/v1/ozg/gemeinden/{gemeinde.ars}/leistungen/", {"q": "Wohngeld"})
    assert response.status_code == 200, response.content
    row = next(item for item in response.json()["results"] if item["ozg_id"] == 10092)
    entry = row["zustaendigkeit"]
    assert entry["bekannt"] and entry["ausnahme"] and entry["verwaltung_ars"] == "010590000000"
    assert entry["ebene"] == "kreis" and entry["beleg"] == "quelle" and entry["quelle_url"].startswith("https://")
    assert entry["geprueft_am"] == "2026-12-01" and entry["fragen_bei"] == []
    assert row["zustaendig_ars"] == "010590000000" and row["leika_zustaendigkeiten"] == []
    response = client.get(f"/api/v1/ozg/gemeinden/{gemeinde.ars}/leistungen/", {"q": "Vaterschafts"})
    entry = response.json()["results"][0]["zustaendigkeit"]
    assert not entry["bekannt"] and entry["text"] == "Zuständigkeit noch nicht erfasst"
    assert [office["name"] for office in entry["fragen_bei"]] == ["Amt Südangeln", "Kreis Schleswig-Flensburg"]
    assert entry["fragen_bei"][0]["web_url"].endswith(gemeinde.verwaltung.get_absolute_url())


# --- the loader on small files ------------------------------------------------------------------------------

HEADER = (
    "ozg_id,leika_schluessel,leistung,ebene,zustaendige_stelle,grundlage,quelle_url,quelle_titel,quelle_stand,"
    "geprueft_am,beleg,anmerkung\n"
)
EXC_HEADER = (
    "ozg_id,leika_schluessel,leistung,bereich_ars,bereich_name,ebene,zustaendig_ars,zustaendig_name,"
    "zustaendige_stelle,grundlage,quelle_url,quelle_titel,quelle_stand,geprueft_am,beleg,anmerkung\n"
)
CHECK_HEADER = "ozg_id,ozg_leistung,abgeleitete_ebene,ergebnis,richtige_ebene,beleg\n"


@pytest.fixture
def files(tmp_path, territory):
    wohngeld = OzgLeistungFactory(ozg_id=10092, name="Wohngeld", level_source=LevelSource.DEFAULT)
    bafoeg = OzgLeistungFactory(ozg_id=10056, name="BAföG", level_source=LevelSource.DEFAULT)
    LeikaLeistungFactory(key="99022001017003", ozg_leistung=bafoeg, name="BAföG Studierende")
    for ozg_id, level in ((10465, "bund"), (10106, "bund"), (10020, "bund")):
        OzgLeistungFactory(ozg_id=ozg_id, level=level, level_source=LevelSource.DEFAULT)

    def write(defaults="", exceptions="", check="", *, encoding="utf-8", delimiter=","):
        for name, header, body in (
            ("zustaendigkeit.csv", HEADER, defaults),
            ("zustaendigkeit_ausnahmen.csv", EXC_HEADER, exceptions),
            ("leika_ebenen_pruefung.csv", CHECK_HEADER, check),
        ):
            text = (header + body).replace(",", delimiter) if delimiter != "," else header + body
            (tmp_path / name).write_text(text, encoding=encoding)
        return tmp_path

    write.wohngeld, write.bafoeg = wohngeld, bafoeg
    return write


DEFAULTS = (
    "10092,,Wohngeld,amt_gemeinde,Wohngeldbehörde,Landesportal Wohngeld,https://www.schleswig-holstein.de/w,"
    "Landesportal,2024,2026-12-01,quelle,\n"
    "10056,99022001017003,Studierende,land,Studentenwerk,ZuFiSH,https://zufish.example/b,ZuFiSH,,2026-12-01,quelle,\n"
)
EXCEPTIONS = (
    "10092,,Wohngeld,010540000000,Nordfriesland,kreis,010540000000,Nordfriesland,Sozialzentrum,Kreisseite,"
    "https://nf.example/w,Kreis,2025-01,2026-12-01,quelle,\n"
)
CHECK = (
    "10465,Radioaktive Stoffe,bund,falsch,land,quelle\n"
    "10106,Zuschuss,bund,nicht belegt,,quelle\n"
    "10020,Kinderzuschlag,bund,bestätigt,,rechtskenntnis\n"
)


def test_loader_reads_semicolons_and_a_byte_order_mark_and_applies_the_check(files, territory):
    result = load(by=system_actor(), directory=files(DEFAULTS, EXCEPTIONS, CHECK, encoding="utf-8-sig", delimiter=";"))
    assert result.created == {"defaults": 2, "exceptions": 1}
    assert responsible_for(territory.alkersum, files.wohngeld).main.verwaltung == territory.nf  # the exception
    assert responsible_for(territory.kiel, files.wohngeld).main.verwaltung == territory.kiel
    levels = dict(OzgLeistung.objects.values_list("ozg_id", "level_source"))
    assert levels[10092] == LevelSource.SOURCED and levels[10465] == LevelSource.SOURCED
    assert levels[10106] == LevelSource.UNSOURCED and levels[10020] == LevelSource.CHECKED
    assert OzgLeistung.objects.get(ozg_id=10465).level == ExecutingLevel.LAND
    assert OzgLeistung.objects.get(ozg_id=10106).level == ExecutingLevel.UNCLASSIFIED
    # only a LeiKa row: the OZG-Leistung's level is derived from it, and says so
    bafoeg = OzgLeistung.objects.get(ozg_id=10056)
    assert (bafoeg.level, bafoeg.level_source) == (ExecutingLevel.LAND, LevelSource.LEIKA)
    assert result.levels_from_leika == 1 and result.levels_mixed == []


def test_leika_rows_on_different_levels_give_no_one_level(files, territory):
    second = LeikaLeistungFactory(key="99022001017004", ozg_leistung=files.bafoeg, name="BAföG Schüler")
    mixed = (
        DEFAULTS + f"10056,{second.key},Schüler,kreis,Amt für Ausbildungsförderung,ZuFiSH,,ZuFiSH,,2026-12-01,quelle,\n"
    )
    result = load(by=system_actor(), directory=files(mixed, EXCEPTIONS, CHECK))
    bafoeg = OzgLeistung.objects.get(ozg_id=10056)
    assert (bafoeg.level, bafoeg.level_source) == (ExecutingLevel.UNCLASSIFIED, LevelSource.MIXED)
    assert result.levels_mixed == [10056] and result.levels_from_leika == 0


@pytest.mark.parametrize(
    ("defaults", "exceptions", "expected"),
    [
        (DEFAULTS.replace("amt_gemeinde", "gemeinde"), EXCEPTIONS, "zustaendigkeit.csv, Zeile 2, Spalte ebene"),
        (DEFAULTS.replace("10092", "19999", 1), "", "zustaendigkeit.csv, Zeile 2, Spalte ozg_id"),
        (DEFAULTS.replace("2026-12-01", "01.12.2026", 1), EXCEPTIONS, "Zeile 2, Spalte geprueft_am"),
        (DEFAULTS.replace(",2024,", ",24.1.,"), EXCEPTIONS, "Zeile 2, Spalte quelle_stand"),
        (DEFAULTS.replace("99022001017003", "99022001017999"), EXCEPTIONS, "Zeile 3, Spalte leika_schluessel"),
        (DEFAULTS, EXCEPTIONS.replace("010540000000,Nord", "010549999000,Nord"), "Zeile 2, Spalte bereich_ars"),
        (DEFAULTS + DEFAULTS.splitlines()[0] + "\n", EXCEPTIONS, "Zeile 4, Spalte leika_schluessel"),
        (
            DEFAULTS.splitlines()[1] + "\n",
            EXCEPTIONS,
            "Spalte ozg_id: Zu 10092 in 010540000000 (Nordfriesland) fehlt die Standardzeile",
        ),
    ],
)
def test_loader_refuses_bad_rows_naming_line_and_column_and_writes_nothing(files, defaults, exceptions, expected):
    with pytest.raises(ValidationError) as error:
        load(by=system_actor(), directory=files(defaults, exceptions, CHECK))
    assert any(expected in text for text in error.value.messages), error.value.messages
    assert Zustaendigkeit.objects.count() == 0 and ZustaendigkeitAusnahme.objects.count() == 0
    assert not OzgLeistung.objects.filter(level_source=LevelSource.SOURCED).exists()


def test_loader_keeps_what_staff_changed_and_staff_levels(files, territory):
    directory = files(DEFAULTS, EXCEPTIONS, CHECK)
    load(by=system_actor(), directory=directory)
    editor = get_user_model().objects.create_user("redaktion", is_staff=True)
    editor.groups.add(Group.objects.get(name="Redaktion"))
    row = Zustaendigkeit.objects.get(leistung=files.wohngeld)
    row.office = "Wohngeldstelle (von Hand)"
    zustaendigkeit_save(entry=row, by=editor)
    OzgLeistung.objects.filter(ozg_id=10465).update(level="kreis", level_source=LevelSource.MANUAL)
    changed = DEFAULTS.replace("Wohngeldbehörde", "Wohngeldbehörde neu").replace("Studentenwerk", "Studentenwerk SH")
    result = load(by=system_actor(), directory=files(changed, "", CHECK))
    assert Zustaendigkeit.objects.get(leistung=files.wohngeld).office == "Wohngeldstelle (von Hand)"
    assert result.kept == ["10092: von Hand geändert, behalten"]
    assert result.updated == {"defaults": 1, "exceptions": 0}  # the untouched BAföG row follows the file
    assert result.deleted == {"defaults": 0, "exceptions": 1}  # the untouched exception the file no longer has
    assert 10465 in result.manual_kept and OzgLeistung.objects.get(ozg_id=10465).level == "kreis"


def test_zustaendigkeit_writes_need_the_rights(files, territory):
    load(by=system_actor(), directory=files(DEFAULTS, EXCEPTIONS, CHECK))
    finance = get_user_model().objects.create_user("finanzen", is_staff=True)
    finance.groups.add(Group.objects.get(name="Finanzen"))
    monitoring = get_user_model().objects.create_user("monitoring", is_staff=True)
    monitoring.groups.add(Group.objects.get(name="Monitoring"))
    row = ZustaendigkeitAusnahme.objects.get()
    with pytest.raises(PermissionDenied):
        zustaendigkeit_save(entry=row, by=finance)
    with pytest.raises(PermissionDenied):
        load(by=finance, directory=files(DEFAULTS, EXCEPTIONS, CHECK))
    row.note = "geprüft"
    zustaendigkeit_save(entry=row, by=monitoring)
    assert row.history.first().history_user == monitoring


def test_the_status_shown_is_the_responsible_verwaltungs_only(territory):
    unknown = OzgLeistungFactory(level=ExecutingLevel.UNCLASSIFIED, level_source=LevelSource.DEFAULT)
    derived = OzgLeistungFactory(level=ExecutingLevel.AMT_GEMEINDE, level_source=LevelSource.DEFAULT)
    for leistung in (unknown, derived):
        OnlineStatusFactory(leistung=leistung, verwaltung=territory.foehr)
    rows = {row.leistung: row for row in lookup_rows(territory.alkersum, [unknown, derived])}
    for leistung in (unknown, derived):  # a merely derived level is not trusted either
        assert rows[leistung].status is None and not rows[leistung].is_online
        assert rows[leistung].responsibility.unknown
        assert rows[leistung].responsibility.ask == [territory.foehr, territory.nf]
