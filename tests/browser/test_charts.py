"""The dashboard's server-drawn charts in a real browser: at a 375 px phone every chart text renders at 12 px or more
(the viewBox charts shrank it to 4–6 px), no text sticks out of its chart (no label is cut) and no chart is wider
than the screen; the Entwicklung ends at the headline figure."""

import datetime

import pytest

from common.authorization import system_actor
from ozg_monitoring.models import ExecutingLevel, Fokusleistung
from ozg_monitoring.services import rollout_status_update, snapshot_create
from tests.organisations.factories import AmtFactory, AmtsangehoerigeGemeindeFactory, KreisFactory, LandFactory
from tests.ozg_monitoring.factories import OzgLeistungFactory

pytestmark = pytest.mark.django_db(transaction=True)

# Every text of every chart: its rendered size (computed font size times the scale of the drawing on screen) and
# its box against the box of its chart.
MEASURE = """() => [...document.querySelectorAll('svg.portal-chart text')].map((text) => {
  const matrix = text.getScreenCTM();
  const box = text.getBoundingClientRect();
  const chart = text.closest('svg.portal-chart').getBoundingClientRect();
  return {
    text: text.textContent,
    px: parseFloat(getComputedStyle(text).fontSize) * Math.hypot(matrix.a, matrix.b),
    left: box.left - chart.left,
    right: chart.right - box.right,
    chartWidth: chart.width,
  };
})"""


@pytest.fixture
def dashboard_data():
    LandFactory()
    nf = KreisFactory(key="01054", name="Nordfriesland")
    amt = AmtFactory(kreis=nf, verband_key="5488", name="Föhr-Amrum")
    AmtsangehoerigeGemeindeFactory(amt=amt, number="005", name="Alkersum", postal_code="25938")
    wohngeld = OzgLeistungFactory(level=ExecutingLevel.KREIS, name="Wohngeld")
    long_name = OzgLeistungFactory(
        level=ExecutingLevel.AMT_GEMEINDE,
        name="Erlaubnis für die Aufstellung von Spielgeräten mit Gewinnmöglichkeit und Genehmigung der Spielhalle",
    )
    rollout_status_update(
        leistung=long_name,
        verwaltung=amt,
        changes={"stage": "online", "maturity_level": 2, "url": "https://amt.example/"},
        by=system_actor(),
    )
    rollout_status_update(
        leistung=wohngeld,
        verwaltung=nf,
        changes={"stage": "online", "maturity_level": 3, "url": "https://nf.example/wohngeld"},
        by=system_actor(),
    )
    Fokusleistung.objects.create(year=datetime.date.today().year, leistung=long_name)
    for month in (1, 2, 3):
        snapshot_create(date=datetime.date(2026, month, 1), by=system_actor())


@pytest.mark.parametrize("width", [375, 1280])
def test_dashboard_chart_text_is_readable_and_uncut(browser, live_server, dashboard_data, width):
    context = browser.new_context(base_url=live_server.url, locale="de-DE", viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        assert page.goto("/ozg/").status == 200
        texts = page.evaluate(MEASURE)
        assert len(texts) > 15  # bars, their values, the axis and the months of the Entwicklung
        too_small = [(item["text"], round(item["px"], 1)) for item in texts if item["px"] < 12]
        assert not too_small, too_small
        assert max(item["px"] for item in texts) <= 16  # and not blown up on a wide screen either
        cut = [item["text"] for item in texts if item["left"] < -1 or item["right"] < -1]
        assert not cut, cut
        assert all(item["chartWidth"] <= width for item in texts)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        # The long Fokusleistung wraps onto lines, whole.
        label = page.locator("svg.portal-chart text.chart-label", has_text="Erlaubnis für die Aufstellung")
        assert "Genehmigung der Spielhalle" in label.text_content()
        # The Entwicklung ends at the headline's figure, "heute".
        entwicklung = page.locator("section[aria-labelledby=zeitreihe] svg.portal-chart")
        assert entwicklung.locator("text.chart-label").last.text_content() == "heute"
        assert entwicklung.locator("text.chart-value--last").text_content() == "2"
    finally:
        context.close()
