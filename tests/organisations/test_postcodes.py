"""Every PLZ of every Gemeinde (data/gebiete/sh_plz.csv, ODbL) and the place search built on it: names with typos,
the name of an Amt, any PLZ; the loader checks every row and writes nothing on an error."""

import io

import pytest
from django.core.management import CommandError, call_command

from organisations.models import PostalCode
from organisations.selectors import search_gemeinden

from .fixtures import register  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def postcodes(register):  # noqa: F811 - the fixture above
    out = io.StringIO()
    call_command("import_plz", stdout=out)
    return out.getvalue()


def _names(query, n=3):
    return [org.name for org in search_gemeinden(query)[:n]]


def test_the_shipped_file_loads_completely_and_a_second_run_changes_nothing(postcodes):
    assert "1201 neu, 0 entfernt, 0 unverändert (1104 Gemeinden)" in postcodes
    assert PostalCode.objects.filter(gemeinde__name="Kiel, Landeshauptstadt").count() == 17
    out = io.StringIO()
    call_command("import_plz", stdout=out)
    assert "0 neu, 0 entfernt, 1201 unverändert" in out.getvalue()


def test_the_loader_refuses_bad_rows_naming_line_and_column(register, tmp_path):  # noqa: F811
    (tmp_path / "sh_plz.csv").write_text(
        "ars,ags,plz,gemeinde,ort_osm\n010020000000,01002000,24105,Kiel,Kiel\n019990000000,,24105,X,X\n"
        "010020000000,01002000,2410,Kiel,Kiel\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as error:
        call_command("import_plz", "--path", str(tmp_path), stdout=io.StringIO())
    assert "Zeile 3, Spalte ars" in str(error.value) and "Zeile 4, Spalte plz" in str(error.value)
    assert not PostalCode.objects.exists()


@pytest.mark.parametrize(
    ("query", "first", "count"),
    [
        ("24105", "Kiel, Landeshauptstadt", 1),  # not the PLZ of the Verwaltungssitz
        ("23552", "Lübeck, Hansestadt", 1),
        ("24358", "Ascheffel", None),
        ("25938", None, 12),  # the Föhr Gemeinden share it
        ("Aschefel", "Ascheffel", 1),  # a typo
        ("Schleswg", "Schleswig, Stadt", 1),
        ("Luebeck", "Lübeck, Hansestadt", 1),
        ("wyk", "Wyk auf Föhr, Stadt", 1),
        ("Amt Föhr-Amrum", None, 15),  # an Amt's name lists its Gemeinden
        ("Föhr-Amrum", None, 15),
        ("Achterwehr", "Achterwehr", 1),  # Amt and Gemeinde share the name: she means the Gemeinde
    ],
)
def test_place_search_finds_what_she_types(postcodes, query, first, count):
    found = list(search_gemeinden(query))
    if first is not None:
        assert found[0].name == first, [org.name for org in found[:5]]
    if count is not None:
        assert len(found) == count, [org.name for org in found[:20]]


def test_a_typo_too_far_from_any_name_finds_nothing(postcodes):
    assert _names("Xylophonhausen") == []


def test_the_pages_name_the_osm_source(postcodes, client):
    for url in ("/", "/kommunen/", "/ozg/online-erledigen/"):
        assert "OpenStreetMap-Mitwirkende" in client.get(url).content.decode(), url


def test_the_register_api_and_open_data_carry_no_plz_list(postcodes, client):
    body = client.get("/api/v1/organisations/", {"search": "Kiel"}).json()
    assert all("postal_codes" not in row for row in body["results"])
    assert "postal_codes" not in client.get("/opendata/register.csv").getvalue().decode("utf-8-sig")
