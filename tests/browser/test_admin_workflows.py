"""The staff and Kommune workflows of issue 17 in Chromium, each with the roles it concerns: the start page's
counts per role, the admin search, an agreement with parties and obligations, a drawdown from request to payment
with four eyes, a Kommune updating 20 statuses by file, a Kommune's own API token, the reminder preview and the
opt-out link, and the admin in German for a browser asking for English.

The three tasks of the closing note count what a person does (`Steps` in conftest.py: clicks, fields typed,
page loads and form submissions) along the shortest path; the figures are constants asserted against the
counter, so they cannot drift from what the test does."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts import services as account_services
from common.authorization import system_actor
from tests.accounts.factories import StaffUserFactory, role_user
from tests.ozg_monitoring.conftest import territory  # noqa: F401 - fixture

from .conftest import Steps

pytestmark = pytest.mark.django_db(transaction=True)

# The shortest paths, counted (clicks, fields typed, page loads/submissions). For the closing note, the same tasks on
# the forms of commit a0115c0 (before issue 17), counted from that commit's admin code, not driven:
# - agreement 32 clicks, 10 inputs, 13 steps: each of the 5 bodies through the raw-ID pop-up (open it, search,
#   choose: 3 clicks, 1 input, 2 steps), the obligor among all bodies, the late obligation set "verspätet" by hand
#   (the daily run did it otherwise), all on the add page with one save;
# - drawdown 24 clicks, 4 inputs, 17 steps: no start page counts, so review and approval go through the app list
#   and the status filter (1 click and 1 step more each); the amount a number input ("100.000,00" refused);
# - 20 statuses: no import for a Kommune (the group had no right on Statusimporte, no Probelauf, no template), so
#   20 change forms: 81 clicks, 20 inputs, 42 steps (without a search per status in a longer list).
# Agreement: start page, add form (title, kind, 3 parties by autocomplete with their role), "Sichern und weiter
# bearbeiten", 2 obligations (title, obligor among the parties, due date), "Sichern".
AGREEMENT = {"clicks": 26, "inputs": 10, "steps": 4}
# Drawdown: the request (line, amount, purpose), then review, approval and payment, each from the start page: the
# count (or the list), the checkbox, the action, "Ausführen", the action's form (payment: date and reference).
DRAWDOWN = {"clicks": 22, "inputs": 4, "steps": 15}
# 20 statuses by file: start page, import form, the template, the file with "Probelauf", back to the list, the
# import form, the file again.
STATUS_FILE = {"clicks": 11, "inputs": 0, "steps": 6}


@pytest.mark.django_db(transaction=False)  # runs before any transactional test empties the migrated groups
def test_staff_groups_are_recreated_with_the_rights_the_migrations_gave():
    """The groups as `staff_groups` recreates them (after a transactional test emptied the tables) hold exactly the
    rights the migrations gave them: STAFF_GROUP_MIGRATIONS misses no migration."""
    from .conftest import recreate_staff_groups

    def rights():
        return {group.name: set(group.permissions.values_list("codename", flat=True)) for group in Group.objects.all()}

    migrated = rights()
    assert migrated["Kommune"] and migrated["Finanzen"]
    Group.objects.all().delete()
    recreate_staff_groups()
    assert rights() == migrated


def kommune_user(organisation):
    user = StaffUserFactory()
    user.groups.add(Group.objects.get(name="Kommune"))
    account_services.membership_grant(user=user, organisation=organisation, by=system_actor())
    return user


def rows_shown(page) -> int:
    return page.locator("#result_list tbody tr").count()


def stale(status, days=400):
    from ozg_monitoring.models import RolloutStatus

    RolloutStatus.objects.filter(pk=status.pk).update(updated_at=timezone.now() - datetime.timedelta(days=days))


# --- start page and search, per role ------------------------------------------------------------------------


def test_start_page_counts_per_role_lead_to_lists_of_exactly_that_many(staff_groups, staff_login, territory):  # noqa: F811
    from tests.cooperations.factories import AgreementFactory, ObligationFactory
    from tests.funding.factories import DrawdownFactory
    from tests.ozg_monitoring.factories import RolloutStatusFactory

    today = timezone.localdate()
    agreement = AgreementFactory()
    for days in (1, 2, 3):  # overdue
        ObligationFactory(agreement=agreement, obligor=territory.land, due_on=today - datetime.timedelta(days=days))
    ObligationFactory(agreement=agreement, obligor=territory.land, due_on=today + datetime.timedelta(days=5))
    for status in ("beantragt", "beantragt", "geprueft"):
        DrawdownFactory(status=status)
    for verwaltung in (territory.foehr, territory.husum, territory.kiel):
        stale(RolloutStatusFactory(verwaltung=verwaltung))

    staff = role_user("Finanzen")
    staff.groups.add(Group.objects.get(name="Redaktion"))
    page = staff_login(staff)
    cases = [
        ("mittelabrufe", "warten auf Ihre Prüfung", 2),
        ("mittelabrufe", "warten auf Ihre Freigabe", 1),
        ("verpflichtungen", "überfällig", 3),
        ("verpflichtungen", "fällig in den nächsten 30 Tagen", 1),
    ]
    for key, label, expected in cases:
        page.goto("/admin/")
        link = page.locator(f"#start-{key} a", has_text=label)
        assert link.locator(".start-count").inner_text() == str(expected), (key, label)
        link.click()
        page.wait_for_load_state()
        assert rows_shown(page) == expected, (key, label, page.url)
    assert page.locator("#start-veraltete-staende").count() == 0  # not this role's list

    kommune = staff_login(kommune_user(territory.foehr))
    kommune.goto("/admin/")
    assert kommune.locator("#start-mittelabrufe, #start-verpflichtungen").count() == 0
    panel = kommune.locator("#start-veraltete-staende")
    assert "Föhr-Amrum" in panel.inner_text() and "Husum" not in panel.inner_text()
    link = panel.locator("a", has_text="ohne Änderung")
    assert link.locator(".start-count").inner_text() == "1"
    link.click()
    kommune.wait_for_load_state()
    assert rows_shown(kommune) == 1 and "Föhr-Amrum" in kommune.locator("#result_list").inner_text()


def _search(page, query) -> dict[str, list[str]]:
    """Searches with the box on /admin/suche/ and returns {kind: [hit, ...]}."""
    page.goto("/admin/suche/")
    main = page.locator("#content-main")
    main.get_by_label("Suchbegriff").fill(query)
    main.get_by_role("button", name="Suchen").click()
    page.wait_for_load_state()
    found = {}
    for section in page.locator("section.search-kind").all():
        found[section.locator("h2").inner_text()] = section.locator("li").all_inner_texts()
    return found


def hits_of(found: dict[str, list[str]], kind: str) -> list[str] | None:
    """The hits of the kind whose title contains `kind` (None: the kind is not shown)."""
    matching = [hits for title, hits in found.items() if kind in title]
    assert len(matching) <= 1, found
    return matching[0] if matching else None


def test_admin_search_by_ars_ozg_id_slug_and_token_prefix_and_kommune_sees_its_own(
    staff_groups,
    staff_login,
    territory,  # noqa: F811
):
    from tests.accounts.factories import issue_token
    from tests.cooperations.factories import AgreementFactory
    from tests.ozg_monitoring.factories import OzgLeistungFactory, RolloutStatusFactory

    leistung = OzgLeistungFactory(name="Wohngeld beantragen")
    agreement = AgreementFactory(slug="kooperation-foehr-amrum-2024", title="Verwaltungskooperation Föhr-Amrum")
    token, _key = issue_token(name="Fachverfahren Föhr")
    RolloutStatusFactory(leistung=leistung, verwaltung=territory.foehr)
    RolloutStatusFactory(leistung=leistung, verwaltung=territory.husum)

    page = staff_login(StaffUserFactory(is_superuser=True))
    assert any("Föhr-Amrum" in hit for hit in hits_of(_search(page, territory.foehr.ars), "Stellen"))
    assert any("Wohngeld beantragen" in hit for hit in hits_of(_search(page, str(leistung.ozg_id)), "OZG-Leistungen"))
    assert hits_of(_search(page, agreement.slug), "Vereinbarungen") == [agreement.title]
    assert hits_of(_search(page, f"{token.prefix}…"), "API-Tokens") == [str(token)]
    assert len(hits_of(_search(page, territory.husum.ars), "Umsetzungsstände")) == 1

    kommune = staff_login(kommune_user(territory.foehr))
    assert len(hits_of(_search(kommune, territory.foehr.ars), "Umsetzungsstände")) == 1
    assert len(hits_of(_search(kommune, str(leistung.ozg_id)), "Umsetzungsstände")) == 1  # Husum's is not hers
    assert hits_of(_search(kommune, territory.husum.ars), "Umsetzungsstände") is None
    assert hits_of(_search(kommune, f"{token.prefix}…"), "API-Tokens") is None


# --- an agreement with three parties and two obligations --------------------------------------------------


def test_redaktion_creates_an_agreement_with_parties_and_obligations(staff_groups, staff_login, territory):  # noqa: F811
    from cooperations.models import Agreement, Obligation

    user = role_user("Redaktion")
    steps = Steps(staff_login(user))
    page = steps.page
    steps.open("/admin/")
    steps.follow(page.locator("#content-main a.addlink[href='/admin/cooperations/agreement/add/']"))
    steps.fill(page.locator("#id_title"), "Kooperation Föhr-Amrum und Husum")
    steps.select(page.locator("#id_kind"), "verwaltungskooperation")
    parties = [(territory.land, "land"), (territory.foehr, "partnerkommune"), (territory.husum, "partnerkommune")]
    for index, (organisation, role) in enumerate(parties):
        steps.click(page.get_by_role("button", name="Partei hinzufügen"))
        row = page.locator(f"#parties-{index}")
        offered = steps.autocomplete(row.locator(".field-organisation"), organisation.ars, organisation.ars)
        assert any(f"({organisation.get_kind_display()}, {organisation.ars})" in text for text in offered), offered
        steps.select(row.locator("select[name$='-role']"), role)
    steps.follow(page.locator("input[name=_continue]"))
    assert page.locator(".errornote").count() == 0, page.locator(".errorlist").all_inner_texts()
    agreement = Agreement.objects.get()
    assert agreement.slug == "kooperation-fohr-amrum-und-husum" or agreement.slug.startswith("kooperation-f")
    assert agreement.parties.count() == 3

    today = timezone.localdate()
    obligations = [("Jahresbericht", territory.foehr, today - datetime.timedelta(days=10))]
    obligations.append(("Abrechnung", territory.husum, today + datetime.timedelta(days=60)))
    party_names = {str(organisation.ars) for organisation, _role in parties}
    for index, (title, obligor, due) in enumerate(obligations):
        steps.click(page.get_by_role("button", name="Verpflichtung hinzufügen"))
        row = page.locator(f"#obligations-{index}")
        steps.fill(row.locator("input[name$='-title']"), title)
        offered = steps.autocomplete(row.locator(".field-obligor"), "01", obligor.ars)  # every ARS starts "01"
        assert {re.search(r"(\d{12})\)", text).group(1) for text in offered} == party_names, offered
        steps.fill(row.locator("input[name$='-due_on']"), due.strftime("%d.%m.%Y"))
    steps.follow(page.locator("input[name=_save]"))
    assert page.locator(".errornote").count() == 0, page.locator(".errorlist").all_inner_texts()
    assert page.locator(".messagelist .success").count() == 1

    late, later = Obligation.objects.order_by("due_on")
    assert (late.title, late.obligor, late.get_status_display()) == ("Jahresbericht", territory.foehr, "verspätet")
    assert (later.title, later.status) == ("Abrechnung", "offen")
    print(f"agreement with 3 parties and 2 obligations: {steps.figures}")
    assert steps.figures == AGREEMENT


# --- a drawdown from request to payment, four eyes ----------------------------------------------------------


def _take_step(steps, label, action, fields=None, expect_error=None):
    """From the start page: the count (or the list), the drawdown's checkbox, the action, its form."""
    page = steps.page
    steps.open("/admin/")
    if label:
        steps.follow(page.locator("#start-mittelabrufe a", has_text=label))
    else:
        steps.follow(page.locator("#content-main a[href='/admin/funding/drawdown/']").first)
    assert rows_shown(page) == 1
    steps.click(page.locator("#result_list input.action-select").first)
    steps.select(page.locator("select[name=action]"), action)
    steps.follow(page.locator("button[name=index]"))
    for name, value in (fields or {}).items():
        steps.fill(page.locator(f"[name={name}]"), value)
    steps.follow(page.locator("#content form input[type=submit].default"))
    messages = page.locator(".messagelist").inner_text()
    if expect_error:
        assert expect_error in messages, messages
    else:
        assert "1 von 1 ausgewählten Mittelabrufen" in messages, messages


def test_drawdown_from_request_to_payment_with_four_eyes(staff_groups, staff_login):
    from funding.models import Drawdown
    from tests.funding.factories import BudgetLineFactory

    line = BudgetLineFactory(title="Geschäftsstelle", planned_amount=Decimal("250000.00"))
    requester, reviewer, approver = (role_user("Finanzen") for _ in range(3))
    pages = {user: staff_login(user) for user in (requester, reviewer, approver)}
    total = {"clicks": 0, "inputs": 0, "steps": 0}

    def count(steps):
        for key, value in steps.figures.items():
            total[key] += value

    steps = Steps(pages[requester])
    page = steps.page
    steps.open("/admin/")
    steps.follow(page.locator("#content-main a.addlink[href='/admin/funding/drawdown/add/']"))
    steps.select(page.get_by_label("Haushaltsposition"), str(line.pk))
    steps.fill(page.get_by_label("Betrag (EUR)"), "100.000,00")
    steps.fill(page.get_by_label("Verwendungszweck"), "Personal")
    steps.follow(page.locator("input[name=_save]"))
    drawdown = Drawdown.objects.get()
    assert (drawdown.amount, drawdown.status, drawdown.requested_by) == (Decimal("100000.00"), "beantragt", requester)
    count(steps)

    refused = Steps(pages[requester])  # not counted: the requester may not review her own request
    refused.open("/admin/")
    assert "Nichts offen." in refused.page.locator("#start-mittelabrufe").inner_text()

    steps = Steps(pages[reviewer])
    _take_step(steps, "warten auf Ihre Prüfung", "review")
    count(steps)
    steps = Steps(pages[approver])
    _take_step(steps, "warten auf Ihre Freigabe", "approve")
    count(steps)
    drawdown.refresh_from_db()
    assert (drawdown.status, drawdown.reviewed_by, drawdown.approved_by) == ("freigegeben", reviewer, approver)

    today = timezone.localdate().isoformat()
    payment = {"paid_on": today, "payment_reference": "ZV-2026-001"}
    _take_step(Steps(pages[requester]), None, "pay", payment, expect_error="Vier-Augen")
    drawdown.refresh_from_db()
    assert drawdown.status == "freigegeben" and drawdown.paid_on is None
    steps = Steps(pages[reviewer])
    _take_step(steps, None, "pay", payment)
    count(steps)
    drawdown.refresh_from_db()
    assert (drawdown.status, drawdown.payment_reference) == ("ausgezahlt", "ZV-2026-001")
    assert "100.000,00\u00a0€" in steps.page.locator("#result_list").inner_text()
    print(f"drawdown from request to payment: {total}")
    assert total == DRAWDOWN


# --- a Kommune updates 20 statuses by file ------------------------------------------------------------------


def test_kommune_updates_20_statuses_by_file(staff_groups, staff_login, territory, settings, tmp_path):  # noqa: F811
    from ozg_monitoring.models import ImportJob, RolloutStatus
    from tests.ozg_monitoring.factories import OzgLeistungFactory, RolloutStatusFactory

    settings.MEDIA_ROOT = tmp_path
    statuses = [RolloutStatusFactory(verwaltung=territory.foehr, stage="geplant") for _ in range(20)]
    foreign = RolloutStatusFactory(leistung=OzgLeistungFactory(), verwaltung=territory.husum, stage="geplant")
    # A stage and a planned start of its own per row (what no bulk action of the list can set).
    starts = [datetime.date(2027, 1, 1) + datetime.timedelta(days=7 * i) for i in range(20)]
    rows = [
        f"{status.leistung.ozg_id};{territory.foehr.ars};in_umsetzung;{start.isoformat()}"
        for status, start in zip(statuses, starts, strict=True)
    ]
    own_file = tmp_path / "status.csv"
    own_file.write_text("ozg_id;ars;stage;planned_go_live\n" + "\n".join(rows) + "\n", encoding="utf-8")

    steps = Steps(staff_login(kommune_user(territory.foehr)))
    page = steps.page
    steps.open("/admin/")
    steps.follow(page.locator("#content-main a.addlink[href='/admin/ozg_monitoring/importjob/add/']"))
    with page.expect_download() as download:
        steps.click(page.get_by_role("link", name="Vorlage herunterladen (CSV)"))
    template = download.value.path().read_text(encoding="utf-8-sig")
    assert template.splitlines()[0].split(";")[:2] == ["ozg_id", "ars"]

    steps.upload(page.get_by_label("Datei"), own_file)
    steps.click(page.get_by_label("Probelauf"))
    steps.follow(page.locator("input[name=_save]"))
    text = page.locator("#content-main").inner_text()
    assert "Der Import würde 0 anlegen, 20 ändern und 0 unverändert lassen" in text, text
    preview = page.locator("table[aria-labelledby=vorschau-titel] tbody tr")
    assert preview.count() >= 1 and "→" in preview.first.inner_text()
    assert set(RolloutStatus.objects.filter(verwaltung=territory.foehr).values_list("stage", flat=True)) == {"geplant"}

    steps.follow(page.locator(".breadcrumbs a", has_text="Statusimporte"))
    steps.follow(page.get_by_role("link", name="Statusimport hinzufügen"))
    steps.upload(page.get_by_label("Datei"), own_file)
    steps.follow(page.locator("input[name=_save]"))
    assert "Fertig: 0 angelegt, 20 geändert, 0 unverändert." in page.locator("#content-main").inner_text()
    saved = RolloutStatus.objects.filter(verwaltung=territory.foehr).order_by("planned_go_live")
    assert [(status.stage, status.planned_go_live) for status in saved] == [("in_umsetzung", day) for day in starts]
    print(f"Kommune, 20 statuses by file: {steps.figures}")
    assert steps.figures == STATUS_FILE

    # A row of another Verwaltung: refused with its line named, nothing changed.
    mixed = tmp_path / "gemischt.csv"
    mixed.write_text(
        f"ozg_id;ars;stage;planned_go_live\n{statuses[0].leistung.ozg_id};{territory.foehr.ars};in_umsetzung;2027-06-01\n"
        f"{foreign.leistung.ozg_id};{territory.husum.ars};in_umsetzung;2027-06-01\n",
        encoding="utf-8",
    )
    page.goto("/admin/ozg_monitoring/importjob/add/")
    page.get_by_label("Datei").set_input_files(mixed)
    page.locator("input[name=_save]").click()
    page.wait_for_load_state()
    errors = page.locator("table[aria-labelledby=fehler-titel] tbody tr")
    cells = errors.first.locator("td").all_inner_texts()
    assert errors.count() == 1, errors.all_inner_texts()
    assert cells[0] == "3" and cells[2] == territory.husum.ars, cells
    assert ImportJob.objects.order_by("pk").last().state == "failed"
    foreign.refresh_from_db()
    statuses[0].refresh_from_db()
    assert foreign.stage == "geplant" and statuses[0].planned_go_live == starts[0]  # nothing changed


# --- a Kommune's own API token --------------------------------------------------------------------------------


def test_kommune_creates_sees_once_and_revokes_its_own_token(staff_groups, staff_login, territory):  # noqa: F811
    from accounts.models import ApiToken

    user = kommune_user(territory.foehr)
    page = staff_login(user)
    page.goto("/admin/accounts/apitoken/add/")
    page.get_by_label("Name").fill("Fachverfahren")
    page.locator("input[name=_save]").click()
    page.wait_for_load_state()
    shown = page.locator(".messagelist").inner_text()
    token = ApiToken.objects.get()
    assert token.user == user and "wird nur jetzt angezeigt" in shown and token.prefix in shown
    key = page.locator(".messagelist code").first.inner_text()
    assert account_services.hash_key(key) == token.key_hash
    page.goto(f"/admin/accounts/apitoken/{token.pk}/change/")
    assert key not in page.content()  # shown once, never again

    page.goto("/admin/accounts/apitoken/")
    assert rows_shown(page) == 1
    page.locator("#result_list input.action-select").first.check()
    page.locator("select[name=action]").select_option("revoke_tokens")
    page.locator("button[name=index]").click()
    page.wait_for_load_state()
    assert "1 von 1 ausgewählten Tokens widerrufen." in page.locator(".messagelist").inner_text()
    token.refresh_from_db()
    assert token.revoked_at is not None


# --- reminders: the preview, and the opt-out link without login --------------------------------------------


def test_reminder_preview_lists_the_next_run_and_the_opt_out_works_without_login(
    browser, live_server, staff_groups, staff_login
):
    from accounts import notifications
    from tests.cooperations.factories import signed_agreement

    redaktion = role_user("Redaktion", email="redaktion@itvsh.example")
    starts = timezone.localdate() + datetime.timedelta(days=30)
    agreement = signed_agreement(signed_on=starts.replace(year=starts.year - 3), years=3)  # ends in about 30 days
    page = staff_login(redaktion)
    page.goto("/admin/")
    page.locator("#start-erinnerungen a", has_text="Erinnerung in den nächsten 14 Tagen").click()
    page.wait_for_load_state()
    rows = page.locator("table[aria-labelledby=geplant] tbody tr")
    assert rows.count() == 1
    assert agreement.title in rows.first.inner_text() and "redaktion@itvsh.example" in rows.first.inner_text()

    anonymous = browser.new_page(base_url=live_server.url, locale="de-DE")
    try:
        anonymous.goto(notifications.optout_path(redaktion, notifications.COOPERATION_REMINDERS))
        assert "/admin/login" not in anonymous.url
        anonymous.get_by_role("button", name="Diese Nachrichten abbestellen").click()
        anonymous.wait_for_load_state()
        assert anonymous.get_by_text("Gespeichert: Sie erhalten diese Nachrichten nicht mehr.").count() == 1
    finally:
        anonymous.close()
    page.reload()
    assert "redaktion@itvsh.example" not in page.locator("#content-main").inner_text()


# --- German admin for a browser asking for English ----------------------------------------------------------


def test_admin_is_german_for_a_browser_asking_for_english(browser, live_server, staff_groups, staff_login, settings):
    from django.contrib.auth import get_user_model

    from tests.cooperations.factories import AgreementFactory

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    AgreementFactory()
    page = staff_login(StaffUserFactory(is_superuser=True), locale="en-US")
    page.goto("/admin/")
    assert page.locator("html").get_attribute("lang") == "de"
    assert "Was jetzt zu tun ist" in page.content() and "Site administration" not in page.content()
    page.goto("/admin/cooperations/agreement/")
    filters = page.locator("#changelist-filter").text_content()
    assert "Filter" in filters and "Nach Art" in filters and "By " not in filters
    assert "Alle" in filters and "All\n" not in filters
    assert page.locator("button[name=index]").inner_text() == "Ausführen"

    user = get_user_model().objects.create_user("gesperrt", "g@itvsh.example", "richtig-langes-Passwort-1")
    user.is_staff = True
    user.save()
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    try:
        login = context.new_page()
        for _ in range(6):
            login.goto("/admin/login/?next=/admin/")
            login.locator("input[name=username]").fill("gesperrt")
            login.locator("input[name=password]").fill("falsch")
            login.locator("input[type=submit]").click()
            login.wait_for_load_state()
        assert login.locator("h1").inner_text() == "Anmeldung vorübergehend gesperrt"
        assert "nach 5 Fehlversuchen gesperrt" in login.locator("#content-main").inner_text()
    finally:
        context.close()
