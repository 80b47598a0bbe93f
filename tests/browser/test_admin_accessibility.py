"""The staff side with axe-core (WCAG 2.1 A/AA): the admin login, the second-factor step and change forms of an
agreement and of an Organisation, logged in past the second factor (tests/accounts/helpers.py)."""

import pytest
from django.contrib.auth import get_user_model

from cooperations.models import Agreement
from organisations.models import Organisation

from .conftest import FOEHR_AMRUM

pytestmark = pytest.mark.django_db(transaction=True)


def test_admin_login_page_is_accessible(page, assert_accessible):
    response = page.goto("/admin/login/?next=/admin/")
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_label("Benutzername").count() == 1
    assert_accessible(page)


def test_second_factor_step_is_accessible(page, assert_accessible):
    user = get_user_model().objects.create_superuser("monitoring", "m@itvsh.example", "lang-genug-geheim-2")
    from tests.accounts.helpers import confirmed_totp_device

    confirmed_totp_device(user)
    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Benutzername").fill("monitoring")
    page.get_by_label("Passwort").fill("lang-genug-geheim-2")
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/zweiter-faktor/**")
    assert_accessible(page)


def _admin_path(which):
    if which == "agreement-change":
        agreement = Agreement.objects.get(slug="verwaltungskooperation-foehr-amrum-2024")
        return f"/admin/cooperations/agreement/{agreement.pk}/change/"
    if which == "organisation-change":
        return f"/admin/organisations/organisation/{Organisation.objects.get(ars=FOEHR_AMRUM).pk}/change/"
    return {
        "index": "/admin/",
        "agreement-list": "/admin/cooperations/agreement/?kind__exact=verwaltungskooperation",
        "agreement-add": "/admin/cooperations/agreement/add/",
    }[which]


@pytest.mark.parametrize(
    "which", ["agreement-change", "organisation-change", "agreement-add", "agreement-list", "index"]
)
def test_admin_pages_are_accessible(portal_data, staff_page, assert_accessible, which):
    response = staff_page.goto(_admin_path(which))
    assert response.status == 200, staff_page.url
    assert staff_page.url.endswith(_admin_path(which))  # not redirected to a login step
    assert staff_page.locator("html").get_attribute("lang") == "de"
    if which.endswith(("-change", "-add")):
        assert staff_page.locator("form input[type=submit][name=_save]").count() == 1
    if which == "agreement-change":  # static/js/admin-a11y.js names the autocomplete box by its field label
        label = staff_page.locator("label[for=id_responsible]").inner_text().rstrip(":")
        combobox = staff_page.locator("#id_responsible + .select2 [role=combobox]")
        assert label in staff_page.evaluate(
            "(el) => el.getAttribute('aria-labelledby').split(' ').map((id) => document.getElementById(id)"
            ".textContent).join(' ')",
            combobox.element_handle(),
        )
    assert_accessible(staff_page)
