"""The register import against the shipped Destatis data (data/gebiete/)."""

import io
import shutil

import pytest
from django.conf import settings
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.authorization import system_actor
from organisations.destatis import register_import
from organisations.models import LAND_ARS, Organisation

Kind = Organisation.Kind
DATA = settings.DATA_DIR / "gebiete"


def run_import(path=None) -> str:
    out = io.StringIO()
    args = ["--path", str(path)] if path else []
    call_command("import_register", *args, stdout=out)
    return out.getvalue()


def count(kind) -> int:
    return Organisation.objects.filter(kind=kind).count()


def snapshot():
    return (
        list(Organisation.objects.order_by("pk").values_list()),
        Organisation.history.count(),
    )


@pytest.fixture
def data_copy(tmp_path):
    target = tmp_path / "gebiete"
    shutil.copytree(DATA, target)
    return target


def edit_line(path, line_number: int, old: str, new: str):
    lines = path.read_text(encoding="utf-8").split("\n")
    assert old in lines[line_number - 1], lines[line_number - 1]
    lines[line_number - 1] = lines[line_number - 1].replace(old, new, 1)
    path.write_text("\n".join(lines), encoding="utf-8")


def test_import_yields_the_register_of_schleswig_holstein(db):
    output = run_import()

    assert count(Kind.LAND) == 1
    assert count(Kind.KREIS) == 11
    assert count(Kind.KREISFREIE_STADT) == 4
    assert count(Kind.AMT) == 83
    assert count(Kind.AMTSFREIE_GEMEINDE) == 82
    assert count(Kind.AMTSANGEHOERIGE_GEMEINDE) == 1018
    assert count(Kind.GEMEINDEFREIES_GEBIET) == 2
    assert Organisation.objects.gemeinden().count() == 1106
    assert Organisation.objects.territorial().count() == 1201
    assert Organisation.objects.verwaltungen().count() == 180
    population = sum(Organisation.objects.gemeinden().values_list("population", flat=True))
    assert population == 2_959_517
    assert "Amtsangehörige Gemeinde: 1018 angelegt, 0 geändert, 0 unverändert" in output
    assert "Einwohner der Gemeinden: 2.959.517" in output

    land = Organisation.objects.get(ars=LAND_ARS)
    assert land.name == "Land Schleswig-Holstein" and land.slug == LAND_ARS and land.population == 2_959_517


def test_import_builds_the_hierarchy(db):
    run_import()
    ascheffel = Organisation.objects.select_related("amt", "kreis", "verwaltung", "parent").get(name="Ascheffel")
    assert ascheffel.ars == "010585890008" and ascheffel.ags == "01058008"
    assert ascheffel.kind == Kind.AMTSANGEHOERIGE_GEMEINDE
    assert ascheffel.amt.display_name == "Amt Hüttener Berge" and ascheffel.amt.ars == "010585890000"
    assert ascheffel.verwaltung == ascheffel.amt == ascheffel.parent
    assert ascheffel.kreis.display_name == "Kreis Rendsburg-Eckernförde" and ascheffel.kreis.ars == "010580000000"
    assert (ascheffel.postal_code, ascheffel.population, str(ascheffel.area_km2)) == ("24358", 974, "10.39")
    assert str(ascheffel.territory_as_of) == "2025-11-30"

    amt = ascheffel.amt
    assert amt.slug == amt.ars and amt.seat and amt.kreis == ascheffel.kreis and amt.verwaltung == amt
    assert amt.member_gemeinden.count() == 16 and amt.seat == "Groß Wittensee" and amt.population == 14_854
    assert amt.population == sum(amt.member_gemeinden.values_list("population", flat=True))

    kiel = Organisation.objects.get(ars="010020000000")
    assert kiel.kind == Kind.KREISFREIE_STADT and kiel.kreis == kiel and kiel.verwaltung == kiel
    assert kiel.ags == "01002000" and kiel.population == 252_668 and kiel.parent.ars == LAND_ARS

    dithmarschen = Organisation.objects.get(ars="010510000000")
    assert dithmarschen.kind == Kind.KREIS and dithmarschen.seat == "Heide" and dithmarschen.population == 133_460

    eider = Organisation.objects.get(ars="010515169000")
    assert eider.kind == Kind.AMT and eider.official_type == "Kirchspielslandgemeinde"
    assert eider.name == "Kirchspielslandgemeinde Eider" and eider.member_gemeinden.count() == 34
    assert Organisation.objects.filter(kind=Kind.AMT, official_type="Kirchspielslandgemeinde").count() == 2

    heide = Organisation.objects.get(ags="01051044")
    assert heide.kind == Kind.AMTSFREIE_GEMEINDE and heide.verwaltung == heide and heide.amt is None
    assert heide.short_name == "Heide"

    sachsenwald = Organisation.objects.get(ars="010539105105")
    assert sachsenwald.kind == Kind.GEMEINDEFREIES_GEBIET and sachsenwald.population == 0
    assert {o.name for o in Organisation.objects.of_kind(Kind.GEMEINDEFREIES_GEBIET)} == {
        "Sachsenwald (Forstgutsbez.),gemfr.Geb.",
        "Buchholz (Forstgutsbez.),gemfr. Gebiet",
    }
    # Every Gemeinde with inhabitants knows its Verwaltung and Kreis.
    assert not Organisation.objects.gemeinden().exclude(kind=Kind.GEMEINDEFREIES_GEBIET).filter(verwaltung=None)
    assert not Organisation.objects.territorial().exclude(kind=Kind.LAND).filter(kreis=None)
    assert Organisation.objects.below("010545488").count() == 16


def test_import_creates_the_bodies_of_the_founding_documents(db):
    run_import()
    bodies = {o.slug: (o.kind, o.name, o.short_name) for o in Organisation.objects.filter(ars=None)}
    assert bodies == {
        "landesregierung": (
            Kind.LANDESBEHOERDE,
            "Landesregierung Schleswig-Holstein – Staatskanzlei, Digitalisierung",
            "Landesregierung SH",
        ),
        "itvsh": (Kind.ANSTALT, "IT-Verbund Schleswig-Holstein", "ITV.SH"),
        "staedteverband-sh": (Kind.KOMMUNALER_LANDESVERBAND, "Städteverband Schleswig-Holstein", ""),
        "shgt": (Kind.KOMMUNALER_LANDESVERBAND, "Schleswig-Holsteinischer Gemeindetag", "SHGT"),
        "shlkt": (Kind.KOMMUNALER_LANDESVERBAND, "Schleswig-Holsteinischer Landkreistag", "SHLKT"),
        "ihk-sh": (Kind.KAMMER, "IHK Schleswig-Holstein", ""),
        "hwk-sh": (Kind.KAMMER, "Handwerkskammer Schleswig-Holstein", ""),
    }


def test_second_run_creates_and_changes_nothing_and_writes_nothing(db):
    run_import()
    before = snapshot()
    assert before[1] == Organisation.objects.count() == 1208  # one history row per body

    with CaptureQueriesContext(connection) as queries:
        output = run_import()

    writes = [q["sql"] for q in queries.captured_queries if q["sql"].split()[0].upper() in ("INSERT", "UPDATE")]
    assert writes == []
    assert len(queries.captured_queries) < 10
    assert snapshot() == before
    assert "Amt: 0 angelegt, 0 geändert, 83 unverändert" in output
    for line in output.splitlines()[:-1]:
        assert "0 angelegt, 0 geändert" in line, line


def test_a_changed_value_updates_one_body_with_one_history_row(db, data_copy):
    register_import(path=DATA, by=system_actor())
    history = Organisation.history.count()
    # Ascheffel 974 -> 975 inhabitants; the Land's population is the sum of the Gemeinden, so it follows.
    lines = (data_copy / "sh_gemeinden.csv").read_text(encoding="utf-8").split("\n")
    number = next(i for i, line in enumerate(lines, 1) if line.startswith("010585890008,"))
    edit_line(data_copy / "sh_gemeinden.csv", number, ",974,", ",975,")

    result = register_import(path=data_copy, by=system_actor())

    assert (result.created, result.changed) == (0, 2)
    assert Organisation.objects.get(ars="010585890008").population == 975
    assert Organisation.objects.get(ars=LAND_ARS).population == 2_959_518
    assert Organisation.history.count() == history + 2
    assert set(Organisation.history.filter(history_type="~").values_list("ars", flat=True)) == {
        "010585890008",
        LAND_ARS,
    }


def test_staff_edits_of_other_fields_survive_a_reimport(db):
    run_import()
    Organisation.objects.filter(slug="itvsh").update(website="https://www.itvsh.de/", name="ITV.SH (AöR)")
    Organisation.objects.filter(ars="010585890000").update(website="https://www.amt-huettener-berge.de/")
    run_import()
    assert Organisation.objects.get(slug="itvsh").name == "ITV.SH (AöR)"
    assert Organisation.objects.get(ars="010585890000").website == "https://www.amt-huettener-berge.de/"


def find_line(path, startswith: str) -> int:
    lines = path.read_text(encoding="utf-8").split("\n")
    return next(i for i, line in enumerate(lines, 1) if line.startswith(startswith))


BROKEN_ROWS = [
    # (file, row starting with, old, new, field named in the error)
    ("sh_gemeinden.csv", "010585890008,", "010585890008,01058008", "01058589O008,01058008", "ars"),
    ("sh_gemeinden.csv", "010585890008,", ",01058008,", ",1058008,", "ags"),
    ("sh_gemeinden.csv", "010585890008,", ",974,", ",9 74,", "bevoelkerung"),
    ("sh_gemeinden.csv", "010585890008,", ",10.39,", ",zehn,", "flaeche_km2"),
    (
        "sh_gemeinden.csv",
        "010585890008,",
        ",010585890,Hüttener Berge,51,Amt,010585890,",
        ",010585890,Hüttener Berge,51,Amt,010585891,",
        "amt_ars9",
    ),
    ("sh_gemeindeverbaende.csv", "010585890,", ",Hüttener Berge,", ",,", "name"),
    ("sh_gemeindeverbaende.csv", "010585890,", ",2025-11-30", ",30.11.2025", "gebietsstand"),
    ("sh_kreise.csv", "01058,", "01058,010580000000", "01058,01058000000", "kreis_ars"),
]


@pytest.mark.parametrize(("file", "row", "old", "new", "column"), BROKEN_ROWS)
def test_a_broken_row_aborts_the_import_and_changes_nothing(db, data_copy, file, row, old, new, column):
    run_import()
    # A valid change earlier in the same file must not be written either.
    kiel_line = find_line(data_copy / "sh_gemeinden.csv", "010020000000,")
    edit_line(data_copy / "sh_gemeinden.csv", kiel_line, ",252668,", ",252669,")
    line = find_line(data_copy / file, row)
    edit_line(data_copy / file, line, old, new)
    before = snapshot()

    with pytest.raises(CommandError) as error:
        run_import(data_copy)

    message = str(error.value)
    assert f"{file}, Zeile {line}, Feld „{column}“" in message, message
    assert snapshot() == before
    assert Organisation.objects.get(ars="010020000000").population == 252_668


def test_a_broken_row_in_an_empty_database_creates_nothing(db, data_copy):
    line = find_line(data_copy / "sh_gemeinden.csv", "010585890008,")
    edit_line(data_copy / "sh_gemeinden.csv", line, ",974,", ",-974,")
    with pytest.raises(CommandError, match=rf"sh_gemeinden.csv, Zeile {line}, Feld „bevoelkerung“"):
        run_import(data_copy)
    assert Organisation.objects.count() == 0 and Organisation.history.count() == 0


def test_a_missing_column_is_named(db, data_copy):
    path = data_copy / "sh_gemeindeverbaende.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",sitz,", ",seat,", 1), encoding="utf-8")
    with pytest.raises(CommandError, match=r"sh_gemeindeverbaende.csv, Zeile 1, Feld „sitz“: Spalte fehlt"):
        run_import(data_copy)
    assert Organisation.objects.count() == 0


def test_an_unknown_parent_is_named(db, data_copy):
    """Ascheffel's Amt is missing from sh_gemeindeverbaende.csv: the first of its Gemeinden is named."""
    path = data_copy / "sh_gemeindeverbaende.csv"
    path.write_text(
        "\n".join(line for line in path.read_text(encoding="utf-8").split("\n") if not line.startswith("010585890,")),
        encoding="utf-8",
    )
    first = find_line(data_copy / "sh_gemeinden.csv", "010585890")
    with pytest.raises(
        CommandError, match=rf"sh_gemeinden.csv, Zeile {first}, Feld „verband_ars9“: Unbekannter Gemeindeverband"
    ):
        run_import(data_copy)
    assert Organisation.objects.count() == 0


def test_an_unknown_kreis_is_named(db, data_copy):
    line = find_line(data_copy / "sh_gemeindeverbaende.csv", "010585890,")
    edit_line(data_copy / "sh_gemeindeverbaende.csv", line, ",01058,Rendsburg", ",01063,Rendsburg")
    with pytest.raises(CommandError, match=rf"Zeile {line}, Feld „kreis_ags“: Unbekannter Kreis „01063“"):
        run_import(data_copy)


def test_a_short_row_and_a_missing_file_are_named(db, data_copy):
    path = data_copy / "sh_kreise.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[5] = ",".join(lines[5].split(",")[:5])  # Dithmarschen
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(CommandError, match=r"sh_kreise.csv, Zeile 6: Zeile hat 5 statt 13 Felder\."):
        run_import(data_copy)
    (data_copy / "sh_kreise.csv").unlink()
    with pytest.raises(CommandError, match=r"sh_kreise.csv: Datei nicht gefunden"):
        run_import(data_copy)


def test_the_command_exits_non_zero(db, data_copy, capsys, monkeypatch):
    # run_from_argv closes the connections when it ends; keep the test's transaction open.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    line = find_line(data_copy / "sh_gemeinden.csv", "010585890008,")
    edit_line(data_copy / "sh_gemeinden.csv", line, ",974,", ",x,")
    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", "import_register", "--path", str(data_copy)]).execute()
    assert exit_info.value.code == 1
    assert f"sh_gemeinden.csv, Zeile {line}, Feld „bevoelkerung“" in capsys.readouterr().err
    assert Organisation.objects.count() == 0


def test_register_fixture_loads_the_real_register(register):
    assert register.count() == 1208
    assert register.get(slug="itvsh").short_name == "ITV.SH"
