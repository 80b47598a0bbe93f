"""A citizen opens the Kooperationen list, filters by Kreis, opens an agreement: all pages axe-clean."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db(transaction=True)
def test_list_filter_detail_timeline_accessible(page, assert_accessible):
    call_command("import_register", stdout=io.StringIO())
    call_command("load_founding_agreements", stdout=io.StringIO())

    page.goto("/kooperationen/")
    assert page.get_by_role("heading", level=1).inner_text() == "Kooperationen"
    assert_accessible(page)

    page.get_by_label("Partei oder Kommune").fill("010540000000")
    page.get_by_role("button", name="Anwenden").click()
    page.wait_for_load_state()
    assert "1 Vereinbarung" in page.get_by_role("heading", level=2, name="1 Vereinbarung").inner_text()
    page.get_by_role("link", name="Verwaltungskooperation Land – Amt Föhr-Amrum").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Verwaltungskooperation Land – Amt Föhr-Amrum"
    assert page.get_by_text("Christian Stemmer").count() >= 1
    assert_accessible(page)

    page.goto("/kooperationen/kooperationsvereinbarung-land-itvsh-2025/")
    assert_accessible(page)
    page.goto("/kooperationen/zeitleiste/")
    assert page.locator("time[datetime='2018-05-04']").count() >= 1
    assert_accessible(page)
