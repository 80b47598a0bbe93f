"""What a citizen does on the OZG pages, in a real browser, with axe-core on every page."""

import datetime

import pytest

from common.authorization import system_actor
from ozg_monitoring.models import ExecutingLevel, Fokusleistung
from ozg_monitoring.services import rollout_status_update, snapshot_create
from tests.organisations.factories import (
    AmtFactory,
    AmtsangehoerigeGemeindeFactory,
    KreisFactory,
    LandFactory,
)
from tests.ozg_monitoring.factories import LeikaLeistungFactory, OzgLeistungFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def data():
    LandFactory()
    nf = KreisFactory(key="01054", name="Nordfriesland")
    amt = AmtFactory(kreis=nf, verband_key="5488", name="Föhr-Amrum")
    gemeinde = AmtsangehoerigeGemeindeFactory(amt=amt, number="005", name="Alkersum", postal_code="25938")
    wohngeld = OzgLeistungFactory(level=ExecutingLevel.KREIS, name="Wohngeld")
    LeikaLeistungFactory(ozg_leistung=wohngeld, name="Wohngeld Bewilligung")
    hund = OzgLeistungFactory(level=ExecutingLevel.AMT_GEMEINDE, name="Hundesteuer")
    OzgLeistungFactory(level=ExecutingLevel.AMT_GEMEINDE, name="Gewerbeanmeldung")
    rollout_status_update(
        leistung=wohngeld,
        verwaltung=nf,
        changes={"stage": "online", "maturity_level": 3, "url": "https://nf.example/wohngeld"},
        by=system_actor(),
    )
    rollout_status_update(leistung=hund, verwaltung=amt, changes={"stage": "in_umsetzung"}, by=system_actor())
    Fokusleistung.objects.create(year=2026, leistung=wohngeld)
    snapshot_create(date=datetime.date(2026, 1, 1), by=system_actor())
    return {"gemeinde": gemeinde, "amt": amt, "wohngeld": wohngeld}


def test_citizen_finds_her_gemeinde_and_the_online_service(page, data, assert_accessible):
    page.goto("/ozg/online-erledigen/")
    assert_accessible(page)
    page.fill("#ort", "Alkersum")
    page.click("button[type=submit]")
    assert page.url.endswith(f"/ozg/online-erledigen/{data['gemeinde'].ars}/")
    assert_accessible(page)
    link = page.get_by_role("link", name="Wohngeld online beantragen")
    assert link.get_attribute("href") == "https://nf.example/wohngeld"
    page.fill("#q", "Gewerbe")
    page.get_by_role("button", name="Anzeigen").click()
    rows = page.locator("tbody tr")
    assert rows.count() == 1 and "Gewerbeanmeldung" in rows.first.inner_text()


def test_lookup_with_malformed_key_shows_a_form_error(page, data, assert_accessible):
    page.goto("/ozg/online-erledigen/?ort=123")
    assert page.locator("#ort-fehler").is_visible()
    assert page.locator("#ort").get_attribute("aria-invalid") == "true"
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/ozg/", "/ozg/leistungen/", "/ozg/umsetzungsstaende/"])
def test_public_ozg_pages_are_accessible(page, data, assert_accessible, path):
    response = page.goto(path)
    assert response.status == 200
    assert_accessible(page)


def test_detail_pages_are_accessible(page, data, assert_accessible):
    page.goto(f"/ozg/leistungen/{data['wohngeld'].ozg_id}/")
    assert_accessible(page)
    page.goto(f"/ozg/verwaltungen/{data['amt'].ars}/")
    assert_accessible(page)
