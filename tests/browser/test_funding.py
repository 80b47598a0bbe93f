"""The transparency page „Finanzierung“ in a real browser: figures visible, filter works without JavaScript,
axe-clean (WCAG 2.1 A/AA) and nothing loaded from another origin."""

from decimal import Decimal

import pytest

from funding.models import Drawdown
from tests.funding.factories import BudgetLineFactory, DrawdownFactory, InKindFactory, agreement


@pytest.fixture
def funding_data(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    kv = agreement()
    line = BudgetLineFactory(
        fiscal_year=2025,
        planned_amount=Decimal("3000000.00"),
        amount_is_approximate=True,
        amount_wording="knapp 3 Millionen Euro pro Jahr",
        agreement=kv,
        year_is_stated=False,
    )
    DrawdownFactory(line=line, status=Drawdown.Status.AUSGEZAHLT, amount=Decimal("250000.00"))
    BudgetLineFactory(fiscal_year=None, year_is_stated=False, planned_amount=Decimal("1500000.00"))
    InKindFactory(title="Abordnung von zwei Landesbediensteten")


@pytest.mark.django_db(transaction=True)
def test_transparency_page_is_accessible(page, assert_accessible, funding_data):
    response = page.goto("/finanzierung/")
    assert response.status == 200
    assert page.get_by_role("heading", name="Finanzierung", exact=True).is_visible()
    assert page.get_by_role("img", name="Plan, Freigaben, Auszahlungen und verfügbare Mittel – Nach Haushaltsjahr")
    assert "2.750.000,00" in page.content()  # remaining of the 2025 line
    assert_accessible(page)


@pytest.mark.django_db(transaction=True)
def test_filter_by_year_without_javascript(browser, live_server, funding_data):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/finanzierung/")
    page.select_option("#filter-year", "ohne")
    page.get_by_role("button", name="Anzeigen").click()
    assert "year=ohne" in page.url
    caption = page.locator("#positionen-tabelle").inner_text()
    assert caption == "1 Haushaltsposition"
    context.close()


@pytest.mark.django_db(transaction=True)
def test_empty_page_is_accessible(page, assert_accessible, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    page.goto("/finanzierung/")
    assert "Keine Haushaltspositionen gefunden" in page.content()
    assert_accessible(page)
