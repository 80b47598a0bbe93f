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

    page.get_by_label("Partei oder Ort").fill("010540000000")
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


@pytest.mark.django_db(transaction=True)
def test_agreement_change_page_fits_1400_px_and_finds_bodies_by_name_kind_and_ars(
    browser, live_server, staff_groups, staff_login, assert_accessible
):
    """Redaktion's agreement page at 1400 px: no sideways scrolling with every inline open, and a party is found
    by typing its name in the autocomplete, labelled "Name (Art, ARS)"."""
    from django.contrib.auth import get_user_model

    from cooperations.models import Agreement

    call_command("import_register", stdout=io.StringIO())
    call_command("load_founding_agreements", stdout=io.StringIO())
    user = get_user_model().objects.create_user("redaktion", "red@itvsh.example", "lang-genug-geheim-1", is_staff=True)
    user.groups.add(staff_groups.get(name="Redaktion"))
    agreement = Agreement.objects.get(slug="verwaltungskooperation-foehr-amrum-2024")
    page = staff_login(user, viewport={"width": 1400, "height": 900})
    response = page.goto(f"/admin/cooperations/agreement/{agreement.pk}/change/")
    assert response.status == 200 and page.url.endswith("/change/")
    opened = 0
    for name in ("Partei", "Verpflichtung", "Maßnahme", "Änderung", "Quelle"):  # one new row in every inline
        links = page.get_by_role("button", name=f"{name} hinzufügen")  # inlines.js: <a role="button">
        if links.count():
            links.first.click()
            opened += 1
    assert opened >= 3  # at least parties, obligations and measures
    width = page.evaluate("document.documentElement.scrollWidth")
    print(f"agreement change page at 1400 px: scrollWidth {width}")
    assert width <= 1400, f"the page is {width} px wide"
    last_party = page.locator("#parties-group tbody tr.form-row:not(.empty-form)").last
    last_party.locator(".select2-selection").click()
    page.locator(".select2-search--dropdown .select2-search__field").fill("Föhr-Amrum")
    option = page.locator(".select2-results__option", has_text="Amt Föhr-Amrum (Amt, 010545")
    option.first.wait_for()
    assert option.count() >= 1
    # The opt-out page a reminder links to works without login and is accessible.
    from accounts import notifications

    anonymous = browser.new_page(base_url=live_server.url, locale="de-DE")
    anonymous.csp_violations, anonymous.requested_urls = [], []
    anonymous.on("request", lambda request: anonymous.requested_urls.append(request.url))
    anonymous.on(
        "console",
        lambda m: anonymous.csp_violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    anonymous.goto(notifications.optout_path(user, notifications.COOPERATION_REMINDERS))
    anonymous.get_by_role("button", name="Diese Nachrichten abbestellen").click()
    anonymous.wait_for_load_state()
    assert anonymous.get_by_text("Gespeichert: Sie erhalten diese Nachrichten nicht mehr.").count() == 1
    assert_accessible(anonymous)
    anonymous.close()
