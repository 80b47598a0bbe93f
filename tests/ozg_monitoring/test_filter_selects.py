"""The OZG lists' filters are selects of names: Themenfeld and Lebenslage by name (German order, "Alle …" first),
Vollzugsebene with a German "all" choice instead of "---------". The URL keeps the catalogue ids, the API accepts
what it accepted before, and a malformed value is a German error, never a 500."""

import re

import pytest
from django.urls import reverse

from ozg_monitoring.models import ExecutingLevel

from .factories import LebenslageFactory, OzgLeistungFactory, RolloutStatusFactory, ThemenfeldFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    familie = ThemenfeldFactory(catalogue_id=6, name="Familie & Kind")
    arbeit = ThemenfeldFactory(catalogue_id=1, name="Arbeit & Ruhestand")
    umwelt = ThemenfeldFactory(catalogue_id=13, name="Umwelt")
    oeffentlich = ThemenfeldFactory(catalogue_id=15, name="Öffentliche Ordnung")
    geburt = LebenslageFactory(catalogue_id=21, name="Geburt", themenfeld=familie)
    aerzte = LebenslageFactory(catalogue_id=22, name="Ärztliche Versorgung", themenfeld=arbeit)
    wohngeld = OzgLeistungFactory(name="Elterngeld", lebenslage=geburt, level=ExecutingLevel.KREIS)
    attest = OzgLeistungFactory(name="Attest", lebenslage=aerzte, level=ExecutingLevel.AMT_GEMEINDE)
    return {"familie": familie, "umwelt": umwelt, "oeffentlich": oeffentlich, "elterngeld": wohngeld, "attest": attest}


def _select(html: str, name: str) -> str:
    found = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert found, f"no select named {name}"
    return found.group(1)


def _options(select: str) -> list[tuple[str, str]]:
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)


def test_leistung_list_offers_named_selects_in_german_order(client, catalogue):
    html = client.get(reverse("ozg_monitoring:leistung_list")).content.decode()
    themen = _options(_select(html, "themenfeld"))
    assert themen == [
        ("", "Alle Themenfelder"),
        ("1", "Arbeit &amp; Ruhestand"),
        ("6", "Familie &amp; Kind"),
        ("15", "Öffentliche Ordnung"),  # Ö filed under O, not after Z
        ("13", "Umwelt"),
    ]
    lagen = _options(_select(html, "lebenslage"))
    assert lagen == [("", "Alle Lebens- und Geschäftslagen"), ("22", "Ärztliche Versorgung"), ("21", "Geburt")]
    level = _options(_select(html, "level"))
    assert level[0] == ("", "Alle Vollzugsebenen") and "---------" not in html
    assert 'type="number"' not in _select(html, "themenfeld") and 'name="themenfeld" type' not in html


def test_the_chosen_name_stays_selected_and_filters(client, catalogue):
    response = client.get(reverse("ozg_monitoring:leistung_list"), {"themenfeld": "6"})
    html = response.content.decode()
    assert '<option value="6" selected>Familie &amp; Kind</option>' in html
    names = [leistung.name for leistung, _coverage in response.context["rows"]]
    assert names == ["Elterngeld"]
    response = client.get(reverse("ozg_monitoring:leistung_list"), {"lebenslage": "22", "level": "amt_gemeinde"})
    assert [leistung.name for leistung, _coverage in response.context["rows"]] == ["Attest"]


def test_status_list_offers_the_themenfeld_by_name(client, catalogue, territory):
    RolloutStatusFactory(leistung=catalogue["elterngeld"], verwaltung=territory.nf)
    RolloutStatusFactory(leistung=catalogue["attest"], verwaltung=territory.foehr)
    url = reverse("ozg_monitoring:status_list")
    html = client.get(url).content.decode()
    assert _options(_select(html, "themenfeld"))[:2] == [("", "Alle Themenfelder"), ("1", "Arbeit &amp; Ruhestand")]
    assert _options(_select(html, "level"))[0] == ("", "Alle Vollzugsebenen") and "---------" not in html
    response = client.get(url, {"themenfeld": "6"})
    assert [status.leistung.name for status in response.context["page"].object_list] == ["Elterngeld"]


@pytest.mark.parametrize("url_name", ["ozg_monitoring:leistung_list", "ozg_monitoring:status_list"])
@pytest.mark.parametrize("param", ["themenfeld", "lebenslage"])
def test_a_malformed_key_is_a_german_field_error_not_a_500(client, catalogue, url_name, param):
    response = client.get(reverse(url_name), {param: "Familie"})
    assert response.status_code == 400
    assert response.context["filterset"].form.errors[param] == ["Eine ganze Zahl (nur Ziffern 0–9) wird erwartet."]
    assert "Eine ganze Zahl (nur Ziffern 0–9) wird erwartet." in response.content.decode()


def test_a_number_that_names_nothing_finds_nothing_as_before(client, catalogue):
    response = client.get(reverse("ozg_monitoring:leistung_list"), {"themenfeld": "99"})
    assert response.status_code == 200 and response.context["rows"] == []


def test_the_api_keeps_accepting_catalogue_ids(client, catalogue, territory):
    RolloutStatusFactory(leistung=catalogue["elterngeld"], verwaltung=territory.nf)
    RolloutStatusFactory(leistung=catalogue["attest"], verwaltung=territory.foehr)
    found = client.get("/api/v1/ozg/status/", {"themenfeld": "6"}).json()
    assert [row["ozg_id"] for row in found["results"]] == [catalogue["elterngeld"].ozg_id]
    assert client.get("/api/v1/ozg/status/", {"themenfeld": "99"}).json()["results"] == []
    bad = client.get("/api/v1/ozg/status/", {"lebenslage": "Geburt"})
    assert bad.status_code == 400 and "lebenslage" in bad.json()
    leistungen = client.get("/api/v1/ozg/leistungen/", {"lebenslage": "22"}).json()
    assert [row["ozg_id"] for row in leistungen["results"]] == [catalogue["attest"].ozg_id]
