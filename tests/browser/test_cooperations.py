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
    browser, live_server, assert_accessible
):
    """Redaktion's agreement page at 1400 px: no sideways scrolling with every inline open, and a party is found
    by typing its name in the autocomplete, labelled "Name (Art, ARS)"."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from cooperations.models import Agreement
    from tests.accounts.helpers import verified_session_cookie

    call_command("import_register", stdout=io.StringIO())
    call_command("load_founding_agreements", stdout=io.StringIO())
    user = get_user_model().objects.create_user("redaktion", "red@itvsh.example", "lang-genug-geheim-1", is_staff=True)
    if not Group.objects.filter(name="Redaktion").exists():  # an earlier transactional test emptied the tables
        import importlib

        from django.apps import apps

        importlib.import_module("accounts.migrations.0002_staff_groups").create_groups(apps, None)
        for later in ("0003_system_actor_and_group_rights", "0004_revision_group_and_audit_readers"):
            importlib.import_module(f"accounts.migrations.{later}").forwards(apps, None)
    user.groups.add(Group.objects.get(name="Redaktion"))
    agreement = Agreement.objects.get(slug="verwaltungskooperation-foehr-amrum-2024")
    context = browser.new_context(base_url=live_server.url, locale="de-DE", viewport={"width": 1400, "height": 900})
    context.add_cookies([verified_session_cookie(live_server, user)])
    page = context.new_page()
    try:
        response = page.goto(f"/admin/cooperations/agreement/{agreement.pk}/change/")
        assert response.status == 200 and page.url.endswith("/change/")
        for name in ("Partei", "Verpflichtung", "Maßnahme", "Änderung", "Quelle"):  # one new row in every inline
            links = page.get_by_role("link", name=f"{name} hinzufügen")
            if links.count():
                links.first.click()
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
    finally:
        context.close()
