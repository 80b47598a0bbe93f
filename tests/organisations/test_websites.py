"""The sourced websites (data/gebiete/websites.csv, `import_websites`) and their links on the lookup page."""

import csv
import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from common.authorization import system_actor
from organisations.models import Organisation
from organisations.services import organisation_save
from organisations.websites import WEBSITE_CHANGE_REASON, WEBSITES_COLUMNS, websites_import

from .factories import AmtFactory, AmtsangehoerigeGemeindeFactory, KreisFactory

SHIPPED = settings.DATA_DIR / "gebiete" / "websites.csv"


def shipped_rows() -> list[dict]:
    with SHIPPED.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def run(path=None) -> str:
    out = io.StringIO()
    call_command("import_websites", *(["--file", str(path)] if path else []), stdout=out)
    return out.getvalue()


def write(path, rows: list[dict]):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=WEBSITES_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def row(org, url, **changes) -> dict:
    website = url
    values = {
        "ars": org.ars,
        "name": org.name,
        "website": website,
        "quelle_url": f"{website}/impressum",
        "quelle_titel": "Impressum (Website der Stelle)",
        "geprueft_am": "2026-12-01",
        "anmerkung": "Seite der eigenen Website",
    }
    return {**values, **changes}


@pytest.fixture
def amt(db):
    kreis = KreisFactory(name="Testkreis Nord")
    amt = AmtFactory(kreis=kreis, name="Testamt Geest")
    gemeinde = AmtsangehoerigeGemeindeFactory(amt=amt, name="Testdorf")
    return amt, kreis, gemeinde


def test_the_shipped_file_loads_and_every_row_resolves(register):
    rows = shipped_rows()
    assert len(rows) >= 15
    kinds = set(Organisation.objects.filter(ars__in=[r["ars"] for r in rows]).values_list("kind", flat=True))
    assert {Organisation.Kind.KREIS, Organisation.Kind.KREISFREIE_STADT} <= kinds
    out = run()
    assert f"Websites: {len(rows)} gesetzt, 0 ersetzt (Wert des Imports), 0 unverändert" in out
    websites = dict(Organisation.objects.filter(ars__in=[r["ars"] for r in rows]).values_list("ars", "website"))
    assert websites == {r["ars"]: r["website"] for r in rows}
    # all 11 Kreise and 4 kreisfreie Städte have one
    assert not Organisation.objects.filter(kind__in=Organisation.KREISEBENE_KINDS, website="").exists()
    # every row names its source and the day it was checked
    assert all(r["quelle_url"].startswith(("http://", "https://")) and r["quelle_titel"] for r in rows)
    assert {r["geprueft_am"] for r in rows} == {"2026-12-01"}


def test_a_second_run_changes_nothing(register):
    run()
    history = Organisation.history.count()
    out = run()
    assert f"Websites: 0 gesetzt, 0 ersetzt (Wert des Imports), {len(shipped_rows())} unverändert" in out
    assert Organisation.history.count() == history


@pytest.mark.parametrize(
    ("change", "column", "text"),
    [
        ({"ars": "010999999000"}, "ars", "„010999999000“ steht nicht im Register"),
        ({"ars": "10545488000"}, "ars", "hat 11 statt 12 Ziffern"),
        ({"website": "http://www.testamt.example"}, "website", "keine https-Adresse"),
        ({"website": "www.testamt.example"}, "website", "keine https-Adresse"),
        ({"quelle_url": ""}, "quelle_url", "Wert fehlt"),
        ({"quelle_url": "Wikipedia"}, "quelle_url", "keine Adresse einer Quelle"),
        ({"quelle_titel": " "}, "quelle_titel", "Wert fehlt"),
        ({"geprueft_am": "1.12.2026"}, "geprueft_am", "kein Datum"),
        ({"name": "Amt Irgendwo"}, "name", "passt nicht zum Register (dort „Testamt Geest“)"),
    ],
)
def test_a_bad_row_is_refused_naming_file_line_and_column_and_nothing_is_written(tmp_path, amt, change, column, text):
    the_amt, kreis, _gemeinde = amt
    path = write(
        tmp_path / "websites.csv",
        [row(kreis, "https://www.testkreis.example"), row(the_amt, "https://www.testamt.example", **change)],
    )
    with pytest.raises(CommandError) as error:
        run(path)
    message = str(error.value)
    assert f"websites.csv, Zeile 3, Feld „{column}“" in message and text in message
    assert message.startswith("Import abgebrochen, nichts geändert.")
    kreis.refresh_from_db()
    assert kreis.website == ""  # the good row before it was not written either


def test_a_duplicate_ars_is_refused(tmp_path, amt):
    the_amt, _kreis, _gemeinde = amt
    path = write(
        tmp_path / "w.csv", [row(the_amt, "https://www.testamt.example"), row(the_amt, "https://www.b.example")]
    )
    with pytest.raises(CommandError, match="w.csv, Zeile 3, Feld „ars“: Schlüssel „.*“ kommt doppelt vor"):
        run(path)


def test_a_missing_column_is_refused(tmp_path, db):
    path = tmp_path / "w.csv"
    path.write_text("ars,name,website\n010545488000,Föhr-Amrum,https://www.amtfa.de\n", encoding="utf-8")
    with pytest.raises(CommandError, match="w.csv, Zeile 1, Feld „quelle_url“: Spalte fehlt"):
        run(path)


def test_a_staff_value_is_kept_and_reported_and_the_loaders_own_value_is_replaced(tmp_path, amt):
    the_amt, kreis, _gemeinde = amt
    run(write(tmp_path / "1.csv", [row(the_amt, "https://www.amt-alt.example"), row(kreis, "https://kreis.example")]))
    the_amt.refresh_from_db()
    assert the_amt.website == "https://www.amt-alt.example"
    assert the_amt.history.latest().history_change_reason == WEBSITE_CHANGE_REASON

    # staff correct the Kreis in the admin (the service the admin calls)
    kreis.refresh_from_db()
    kreis.website = "https://www.kreis-redaktion.example"
    organisation_save(organisation=kreis, by=system_actor())

    # a corrected file: the Amt's value was the loader's and is replaced; the Kreis's is staff's and stays
    out = run(write(tmp_path / "2.csv", [row(the_amt, "https://www.amt-neu.example"), row(kreis, "https://k.example")]))
    the_amt.refresh_from_db()
    kreis.refresh_from_db()
    assert the_amt.website == "https://www.amt-neu.example"
    assert kreis.website == "https://www.kreis-redaktion.example"
    assert "Websites: 0 gesetzt, 1 ersetzt (Wert des Imports), 0 unverändert, 1 von der Redaktion" in out
    assert (
        f"behalten: Testkreis Nord ({kreis.ars}) hat https://www.kreis-redaktion.example, "
        "die Datei nennt https://k.example" in out
    )


def test_a_value_entered_before_any_import_is_kept(tmp_path, amt):
    the_amt, _kreis, _gemeinde = amt
    the_amt.website = "https://www.von-hand.example"
    organisation_save(organisation=the_amt, by=system_actor())
    result = websites_import(
        path=write(tmp_path / "w.csv", [row(the_amt, "https://www.testamt.example")]), by=system_actor()
    )
    the_amt.refresh_from_db()
    assert the_amt.website == "https://www.von-hand.example"
    assert (result.set, result.replaced, result.unchanged, len(result.kept)) == (0, 0, 0, 1)


def test_only_a_user_with_the_right_may_import(tmp_path, amt, django_user_model):
    from django.core.exceptions import PermissionDenied

    the_amt, _kreis, _gemeinde = amt
    nobody = django_user_model.objects.create_user("leser", password="x")
    with pytest.raises(PermissionDenied):
        websites_import(path=write(tmp_path / "w.csv", [row(the_amt, "https://www.a.example")]), by=nobody)
    the_amt.refresh_from_db()
    assert the_amt.website == ""


def test_the_lookup_page_links_the_website_of_the_amt_and_of_the_kreis(
    client, tmp_path, amt, plain_static_storage, django_capture_on_commit_callbacks
):
    the_amt, kreis, gemeinde = amt
    url = reverse("ozg_monitoring:lookup_gemeinde", args=[gemeinde.ars])
    assert "Website von" not in client.get(url).content.decode()  # cached for anonymous visitors
    rows = [row(the_amt, "https://www.testamt.example"), row(kreis, "https://kreis.example")]
    with django_capture_on_commit_callbacks(execute=True):  # the committed import replaces the cached page
        run(write(tmp_path / "w.csv", rows))
    html = client.get(url).content.decode()
    assert 'href="https://www.testamt.example" rel="noopener">Website von Amt Testamt Geest</a>' in html
    assert 'href="https://kreis.example" rel="noopener">Website von Kreis Testkreis Nord</a>' in html
