"""A citizen finds their Gemeinde: search, result, page; every page of the register is axe-clean."""

import re

import pytest

from tests.organisations.fixtures import register  # noqa: F401 - fixture


@pytest.mark.django_db(transaction=True)
def test_search_ascheffel_and_follow_to_its_page(page, register, assert_accessible):  # noqa: F811
    page.goto("/kommunen/")
    assert_accessible(page)
    page.get_by_label("Name, Postleitzahl oder Schlüssel").fill("Ascheffel")
    page.locator("main").get_by_role("button", name="Suchen").click()
    page.wait_for_url(re.compile(r"/kommunen/010585890008/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Ascheffel"
    main = page.locator("main")
    assert main.get_by_role("link", name="Kreis Rendsburg-Eckernförde").count() >= 1
    assert main.get_by_role("link", name="Amt Hüttener Berge").count() >= 1
    assert page.get_by_role("img", name="Lage: Ascheffel").count() == 1
    assert_accessible(page)

    main.get_by_role("link", name="Amt Hüttener Berge").first.click()
    page.wait_for_url(re.compile(r"/kommunen/010585890000/$"))
    assert page.get_by_role("heading", level=2, name="16 Gemeinden im Amt").count() == 1
    assert page.locator("table tbody tr").count() == 16
    assert_accessible(page)


@pytest.mark.django_db(transaction=True)
def test_result_list_error_and_empty_state_are_accessible(page, register, assert_accessible):  # noqa: F811
    page.goto("/kommunen/?q=24358")
    assert page.get_by_role("heading", name=re.compile("3 Treffer")).count() == 1
    assert_accessible(page)
    page.goto("/kommunen/?q=123")
    assert page.get_by_role("alert").count() == 1
    assert page.get_by_label("Name, Postleitzahl oder Schlüssel").get_attribute("aria-invalid") == "true"
    assert_accessible(page)
    page.goto("/kommunen/?q=Atlantis")
    assert page.get_by_text("Keine Kommune gefunden").count() == 1
    assert_accessible(page)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("key", ["010580000000", "010000000000", "010020000000", "itvsh", "010545459050"])
def test_body_pages_are_accessible(page, register, assert_accessible, key):  # noqa: F811
    response = page.goto(f"/kommunen/{key}/")
    assert response.status == 200
    assert_accessible(page)
