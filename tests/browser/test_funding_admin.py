"""Staff enter money the German way: a drawdown of "100.000,00" typed in Chromium is saved as 100000.00 € and shown
grouped; the add form says what each line has left; the page passes axe-core (WCAG 2.1 A/AA)."""

from decimal import Decimal

import pytest

from funding.models import Drawdown
from tests.funding.factories import BudgetLineFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_drawdown_with_a_german_amount(staff_page, assert_accessible):
    line = BudgetLineFactory(title="Geschäftsstelle", planned_amount=Decimal("250000.00"))
    page = staff_page
    assert page.goto("/admin/funding/drawdown/add/").status == 200
    assert_accessible(page)
    page.get_by_label("Haushaltsposition").select_option(str(line.pk))
    option = page.locator(f"#id_line option[value='{line.pk}']").inner_text()
    assert "verfügbar: 250.000,00" in option
    amount = page.get_by_label("Betrag (EUR)")
    assert amount.get_attribute("inputmode") == "decimal" and amount.get_attribute("type") == "text"
    amount.fill("100.000,00")
    page.get_by_label("Verwendungszweck").fill("Personal")
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/funding/drawdown/")
    drawdown = Drawdown.objects.get()
    assert drawdown.amount == Decimal("100000.00")
    assert "100.000,00\u00a0€" in page.locator("#result_list").inner_text()

    # English notation is refused on the field, with the expected form named; nothing is saved
    page.goto("/admin/funding/drawdown/add/")
    page.get_by_label("Haushaltsposition").select_option(str(line.pk))
    page.get_by_label("Betrag (EUR)").fill("100,000.00")
    page.get_by_label("Verwendungszweck").fill("Personal")
    page.locator("input[name=_save]").click()
    assert "Bitte als Betrag in Euro angeben, z. B. 100.000,00" in page.locator(".errorlist").first.inner_text()
    assert "Verfügbar auf „Geschäftsstelle“: 150.000,00" not in page.content()  # the open request binds nothing
    assert "Verfügbar auf „Geschäftsstelle“: 250.000,00" in page.content()
    assert Drawdown.objects.count() == 1
