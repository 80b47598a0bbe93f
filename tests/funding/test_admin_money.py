"""Money in the admin: German amounts in, grouped amounts out, the five sums of a line, what a drawdown may still
take, four eyes on payment and the reviewers told of a new request at once."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core import mail

from funding import selectors, services
from funding.models import BudgetLine, Drawdown, InKindContribution
from tests.accounts.helpers import verified_client_login

from .factories import (
    BudgetLineFactory,
    DrawdownFactory,
    FundingSourceFactory,
    UserFactory,
    agreement,
    finance_user,
    itvsh,
    purpose,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_static_storage")]
LINES = "/admin/funding/budgetline/"
DRAWDOWNS = "/admin/funding/drawdown/"
NBSP = "\u00a0"


def text_of(response) -> str:
    """The page as a reader sees it: tags out, entities and blanks normalised."""
    html = response.content.decode()
    html = re.sub(r"<[^>]+>", " ", html).replace("&nbsp;", " ").replace(NBSP, " ").replace("&#x27;", "'")
    return re.sub(r"\s+", " ", html)


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def line_form_data(**overrides):
    source = FundingSourceFactory()
    data = {
        "title": "Geschäftsstelle 2026",
        "source": source.pk,
        "recipient": itvsh().pk,
        "purpose": purpose().pk,
        "status": BudgetLine.Status.ZUGESAGT,
        "fiscal_year": "2026",
        "year_is_stated": "on",
        "payments_recorded": "on",
        "planned_amount": "100000,00",
        "drawdowns-TOTAL_FORMS": 0,
        "drawdowns-INITIAL_FORMS": 0,
        "drawdowns-MIN_NUM_FORMS": 0,
        "drawdowns-MAX_NUM_FORMS": 1000,
    }
    return {**data, **overrides}


@pytest.fixture
def staff(client):
    user = finance_user(is_superuser=True)
    verified_client_login(client, user)
    return user


# --- German amounts in and out ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "saved"),
    [("100000,00", "100000.00"), ("100.000,00", "100000.00"), ("100000", "100000.00"), ("100,5", "100.50")],
)
def test_admin_saves_german_amounts(client, staff, typed, saved):
    response = client.post(LINES + "add/", line_form_data(planned_amount=typed))
    assert response.status_code == 302, text_of(response)[:2000]
    line = BudgetLine.objects.get()
    assert line.planned_amount == Decimal(saved)
    page = client.get(f"{LINES}{line.pk}/change/").content.decode()
    shown = f"{Decimal(saved):,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    assert f'name="planned_amount" value="{shown}"' in page
    assert 'inputmode="decimal"' in page and 'type="number"' not in page.split('name="planned_amount"')[0][-200:]


@pytest.mark.parametrize("typed", ["100,000.00", "1.5", "1.00.0", "1,234", "hunderttausend"])
def test_admin_refuses_other_notation_and_writes_nothing(client, staff, typed):
    response = client.post(LINES + "add/", line_form_data(planned_amount=typed))
    assert response.status_code == 200
    assert "Bitte als Betrag in Euro angeben, z. B. 100.000,00" in text_of(response)
    assert f'value="{typed}"' in response.content.decode()  # kept as typed, to be corrected
    assert not BudgetLine.objects.exists()


def test_in_kind_value_is_a_german_amount(client, staff):
    data = {
        "kind": InKindContribution.Kind.SONSTIGE,
        "title": "Räume",
        "from_body": itvsh().pk,
        "recipient": itvsh().pk,
        "monetary_value": "12.500,5",
    }
    response = client.post("/admin/funding/inkindcontribution/add/", data)
    assert response.status_code == 302, text_of(response)[:2000]
    item = InKindContribution.objects.get()
    assert item.monetary_value == Decimal("12500.50")
    assert "12.500,50 €" in text_of(client.get("/admin/funding/inkindcontribution/"))


def test_drawdown_amount_and_dates_in_german(client):
    requester = finance_user()
    line = BudgetLineFactory(planned_amount=Decimal("250000.00"))
    verified_client_login(client, requester)
    data = {"line": line.pk, "amount": "100.000,00", "purpose_text": "Lizenzen", "requested_on": "01.03.2025"}
    response = client.post(DRAWDOWNS + "add/", data)
    assert response.status_code == 302, text_of(response)[:2000]
    drawdown = Drawdown.objects.get()
    assert drawdown.amount == Decimal("100000.00")
    assert drawdown.requested_on == datetime.date(2025, 3, 1)
    page = text_of(client.get(f"{DRAWDOWNS}{drawdown.pk}/change/"))
    assert "100.000,00 €" in page
    assert "Verfügbar auf der Position: 250.000,00 €" in page  # an open request binds nothing yet
    listing = text_of(client.get(DRAWDOWNS))
    assert "100.000,00 €" in listing and "100000" not in listing


def test_add_form_shows_german_date_and_refuses_an_english_amount(client):
    line = BudgetLineFactory(planned_amount=Decimal("500.00"))
    verified_client_login(client, finance_user())
    page = client.get(DRAWDOWNS + "add/").content.decode()
    today = datetime.date.today().strftime("%d.%m.%Y")
    assert f'name="requested_on" value="{today}"' in page
    data = {"line": line.pk, "amount": "400.00", "purpose_text": "Lizenzen", "requested_on": today}
    response = client.post(DRAWDOWNS + "add/", data)
    assert "Bitte als Betrag in Euro angeben" in text_of(response)
    assert not Drawdown.objects.exists()


# --- the five sums of a line ----------------------------------------------------------------------------------


def lines_with_every_state():
    line = BudgetLineFactory(title="Mit Abrufen", planned_amount=Decimal("100000.00"))
    DrawdownFactory(line=line, amount=Decimal("1500.00"))  # beantragt
    DrawdownFactory(line=line, amount=Decimal("2500.00"), status=Drawdown.Status.GEPRUEFT)
    DrawdownFactory(line=line, amount=Decimal("10000.00"), status=Drawdown.Status.FREIGEGEBEN)
    DrawdownFactory(line=line, amount=Decimal("20000.50"), status=Drawdown.Status.AUSGEZAHLT)
    DrawdownFactory(line=line, amount=Decimal("999.00"), status=Drawdown.Status.ABGELEHNT, closing_reason="nein")
    unrecorded = BudgetLineFactory(title="Zusage ohne Zahlungen", planned_amount=Decimal("3000000"))
    BudgetLine.objects.filter(pk=unrecorded.pk).update(payments_recorded=False)
    return line, unrecorded


def test_budget_line_list_shows_planned_requested_approved_paid_remaining(client, staff):
    lines_with_every_state()
    page = text_of(client.get(LINES))
    for header in ("Planbetrag", "beantragt", "freigegeben", "ausgezahlt", "verfügbar"):
        assert header.upper() in page.upper()
    # planned, requested (beantragt + geprüft), approved, paid, remaining = planned − approved − paid
    assert "100.000,00 € 4.000,00 € 10.000,00 € 20.000,50 € 69.999,50 €" in page
    assert "3.000.000,00 € nicht bekannt nicht bekannt nicht bekannt nicht bekannt (Zahlungen werden" in page
    assert not re.search(r"(?<![\d.])0,00 €", page)  # no unknown shown as 0


def test_budget_line_change_page_shows_the_sums(client, staff):
    line, unrecorded = lines_with_every_state()
    page = text_of(client.get(f"{LINES}{line.pk}/change/"))
    assert "Mittelabrufe" in page
    assert "Beantragt: 4.000,00 € Freigegeben: 10.000,00 € Ausgezahlt: 20.000,50 € Verfügbar: 69.999,50 €" in page
    assert "1.500,00 €" in page and "20.000,50 €" in page  # the drawdowns inline, grouped
    assert services.available_amount(line) == Decimal("69999.50")  # the same one annotation
    page = text_of(client.get(f"{LINES}{unrecorded.pk}/change/"))
    assert "nicht bekannt (Zahlungen werden für diese Position nicht erfasst)" in page
    assert 'name="payments_recorded"' in client.get(f"{LINES}{unrecorded.pk}/change/").content.decode()


@pytest.mark.parametrize("n", [1, 6])
def test_budget_line_changelist_query_count_is_pinned(client, staff, django_assert_num_queries, n):
    for _i in range(n):
        DrawdownFactory(line=BudgetLineFactory(), amount=Decimal("10.00"))
    client.get(LINES)  # warm the session and the permission caches of this client
    # The same for 1 and 6 lines: session, user, second factor; the list filters' choices: sources, purposes (one,
    # plus one per purpose with a parent for its name: 4 with the seeded purposes, which do not grow with the
    # lines), agreements; count (filtered and total); the page: lines with requested, approved, paid and remaining
    # as subqueries of the same query (the one annotation); the fiscal years of the year filter.
    with django_assert_num_queries(PINNED_LINE_CHANGELIST):
        assert client.get(LINES).status_code == 200


PINNED_LINE_CHANGELIST = 14


# --- what a drawdown may still take ---------------------------------------------------------------------------


def test_drawdown_add_form_shows_what_each_line_has_left(client):
    line, unrecorded = lines_with_every_state()
    verified_client_login(client, finance_user())
    page = text_of(client.get(DRAWDOWNS + "add/"))
    assert f"{line} – verfügbar: 69.999,50 €" in page
    assert f"{unrecorded} – verfügbar: nicht bekannt (Zahlungen werden für diese Position nicht erfasst)" in page
    # once a line is chosen (here: a first try that asks too much) the amount says what is left on it
    data = {"line": line.pk, "amount": "70.000,00", "purpose_text": "Lizenzen", "requested_on": "01.03.2025"}
    page = text_of(client.post(DRAWDOWNS + "add/", data))
    assert "Abruf übersteigt den verfügbaren Betrag von 69.999,50" in page
    assert "Verfügbar auf „Mit Abrufen“: 69.999,50 €" in page


# --- per agreement --------------------------------------------------------------------------------------------


def test_agreement_sums_one_query(django_assert_num_queries):
    line, unrecorded = lines_with_every_state()
    deal = agreement()
    BudgetLine.objects.filter(pk=line.pk).update(agreement=deal)
    BudgetLineFactory(agreement=deal, planned_amount=Decimal("500.00"), title="Zweite")
    with django_assert_num_queries(1):
        sums = selectors.agreement_sums(deal)
    assert (sums.planned, sums.requested, sums.approved, sums.paid, sums.remaining) == (
        Decimal("100500.00"),
        Decimal("4000.00"),
        Decimal("10000.00"),
        Decimal("20000.50"),
        Decimal("70499.50"),
    )
    assert sums.line_count == 2 and sums.unrecorded_count == 0
    BudgetLine.objects.filter(pk=unrecorded.pk).update(agreement=deal)
    sums = selectors.agreement_sums(deal)
    assert sums.planned == Decimal("3100500.00")
    assert (sums.requested, sums.approved, sums.paid, sums.remaining) == (None, None, None, None)  # never 0
    assert sums.unrecorded_count == 1


def test_agreement_sums_template_says_unknown():
    from django.template.loader import render_to_string

    _line, unrecorded = lines_with_every_state()
    deal = agreement()
    BudgetLine.objects.filter(pk=unrecorded.pk).update(agreement=deal)
    html = render_to_string("funding/includes/agreement_sums.html", {"sums": selectors.agreement_sums(deal)})
    assert "3.000.000,00" in html and html.count("nicht bekannt") >= 4
    assert not re.search(r"(?<![\d.])0,00", html)
    empty = render_to_string("funding/includes/agreement_sums.html", {"sums": selectors.agreement_sums(agreement("x"))})
    assert "keine Haushaltspositionen" in empty


def test_agreement_change_page_shows_its_money_and_says_where_payments_are_not_recorded(client, staff):
    line, unrecorded = lines_with_every_state()
    deal = agreement()
    BudgetLine.objects.filter(pk=line.pk).update(agreement=deal)
    page = text_of(client.get(f"/admin/cooperations/agreement/{deal.pk}/change/"))
    assert "Mittel Mittel aus dieser Vereinbarung Planbetrag 100.000,00 € beantragt (offen) 4.000,00 €" in page
    assert "freigegeben 10.000,00 € ausgezahlt 20.000,50 € verfügbar 69.999,50 €" in page
    assert "Die 1 Haushaltsposition dieser Vereinbarung" in page
    BudgetLine.objects.filter(pk=unrecorded.pk).update(agreement=deal)
    page = text_of(client.get(f"/admin/cooperations/agreement/{deal.pk}/change/"))
    assert "verfügbar nicht bekannt" in page and "Für 1 Haushaltsposition werden keine Zahlungen erfasst" in page
    public = text_of(client.get(deal.get_absolute_url()))
    assert "Für 1 Haushaltsposition werden keine Zahlungen erfasst" in public


def test_agreement_money_is_shown_only_to_who_may_see_budget_lines(client):
    from tests.accounts.factories import role_user

    deal = agreement()
    BudgetLineFactory(agreement=deal, planned_amount=Decimal("500.00"))
    verified_client_login(client, role_user("Redaktion"))
    page = client.get(f"/admin/cooperations/agreement/{deal.pk}/change/")
    assert page.status_code == 200 and not page.wsgi_request.user.has_perm("funding.view_budgetline")
    assert "Mittel aus dieser Vereinbarung" not in page.content.decode()  # Redaktion holds no funding rights
    assert "500,00" not in page.content.decode()


# --- organisations by autocomplete ----------------------------------------------------------------------------


def test_organisations_are_chosen_by_autocomplete(client):
    body = itvsh()
    user = UserFactory()
    user.groups.add(Group.objects.get(name="Finanzen"))  # the group's rights include viewing the register
    verified_client_login(client, user)
    page = client.get(LINES + "add/").content.decode()
    assert 'data-ajax--url="/admin/autocomplete/"' in page and "vForeignKeyRawIdAdminField" not in page
    found = client.get(
        "/admin/autocomplete/",
        {"app_label": "funding", "model_name": "budgetline", "field_name": "recipient", "term": "Verbund"},
    )
    assert found.status_code == 200
    assert [row["id"] for row in found.json()["results"]] == [str(body.pk)]


# --- four eyes on payment -------------------------------------------------------------------------------------


def test_requester_cannot_record_the_payment_in_the_admin(client):
    requester, colleague = finance_user(), finance_user()
    drawdown = DrawdownFactory(requested_by=requester, status=Drawdown.Status.FREIGEGEBEN, approved_by=colleague)
    verified_client_login(client, requester)
    data = {
        "action": "pay",
        "_selected_action": [drawdown.pk],
        "apply": "1",
        "paid_on": datetime.date.today().isoformat(),
        "payment_reference": "KR-1",
    }
    response = client.post(DRAWDOWNS, data)
    assert any(
        "Vier-Augen-Prinzip: Wer einen Mittelabruf beantragt hat, darf ihn nicht als ausgezahlt erfassen." in m
        for m in messages_of(response)
    )
    drawdown.refresh_from_db()
    assert drawdown.status == Drawdown.Status.FREIGEGEBEN and drawdown.payment_reference == ""
    assert not drawdown.transitions.exists()


def test_payment_date_in_german_in_the_admin(client):
    requester, colleague = finance_user(), finance_user()
    drawdown = DrawdownFactory(
        requested_by=requester, status=Drawdown.Status.FREIGEGEBEN, approved_by=colleague, amount=Decimal("12345.6")
    )
    verified_client_login(client, colleague)
    form = text_of(client.post(DRAWDOWNS, {"action": "pay", "_selected_action": [drawdown.pk]}))
    assert "12.345,60 €" in form  # the intermediate page lists the amount grouped
    data = {"action": "pay", "_selected_action": [drawdown.pk], "apply": "1", "payment_reference": "KR-2"}
    client.post(DRAWDOWNS, {**data, "paid_on": "02.04.2025"})
    drawdown.refresh_from_db()
    assert drawdown.status == Drawdown.Status.AUSGEZAHLT and drawdown.paid_on == datetime.date(2025, 4, 2)


# --- reviewers told at once -----------------------------------------------------------------------------------


def test_reviewers_are_told_of_a_new_request_at_once(django_capture_on_commit_callbacks, settings):
    settings.PORTAL_BASE_URL = "https://portal.itvsh.example"
    requester = finance_user(username="antrag")
    reviewers = [finance_user(username="pruefung"), finance_user(username="zweite")]
    finance_user(username="inaktiv", is_active=False)
    line = BudgetLineFactory(title="Geschäftsstelle", planned_amount=Decimal("250000.00"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        drawdown = services.drawdown_request(
            line=line, amount=Decimal("100000.00"), purpose_text="Personal", by=requester
        )
        assert mail.outbox == []  # not before the request is committed
    assert len(callbacks) == 1
    assert len(mail.outbox) == 2  # one per reviewer, each with their own opt-out link
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.email for r in reviewers)  # not the requester
    sent = mail.outbox[0]
    assert sent.subject == f"Neuer Mittelabruf {drawdown.pk} über 100.000,00\u00a0€ wartet auf Prüfung"
    admin_url = f"https://portal.itvsh.example/admin/funding/drawdown/{drawdown.pk}/change/"
    assert admin_url in sent.body
    assert f"https://portal.itvsh.example{line.get_absolute_url()}" in sent.body
    assert "Geschäftsstelle (2025)" in sent.body and "noch verfügbar:     250.000,00" in sent.body
    html, mimetype = sent.alternatives[0]
    assert mimetype == "text/html" and f'href="{admin_url}"' in html and 'lang="de"' in html


def test_no_mail_when_the_request_is_refused_or_nobody_else_may_review(django_capture_on_commit_callbacks, caplog):
    requester = finance_user()
    line = BudgetLineFactory(planned_amount=Decimal("500.00"))
    finance_user()  # a reviewer who would be told
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.FundingConflict):
        services.drawdown_request(line=line, amount="600.00", purpose_text="zu viel", by=requester)
    assert mail.outbox == []

    lonely = BudgetLineFactory(planned_amount=Decimal("500.00"))
    Drawdown.objects.all().delete()
    for user in services.finance_reviewers():
        user.user_permissions.clear()
    only = finance_user()
    with django_capture_on_commit_callbacks(execute=True):
        services.drawdown_request(line=lonely, amount="100.00", purpose_text="allein", by=only)
    assert mail.outbox == []
    assert "no reviewer to tell" in caplog.text


def test_admin_shows_dates_german_and_times_local(client):
    requester, reviewer = finance_user(), finance_user()
    drawdown = DrawdownFactory(requested_by=requester, requested_on=datetime.date(2025, 3, 1))
    moment = datetime.datetime(2025, 7, 1, 10, 5, tzinfo=datetime.UTC)  # 12:05 in Kiel (summer time)
    Drawdown.objects.filter(pk=drawdown.pk).update(
        status=Drawdown.Status.GEPRUEFT, reviewed_by=reviewer, reviewed_at=moment
    )
    verified_client_login(client, reviewer)
    page = text_of(client.get(f"{DRAWDOWNS}{drawdown.pk}/change/"))
    assert "Beantragt am: 01.03.2025" in page
    assert "Geprüft am: 01.07.2025, 12:05 Uhr" in page
    assert "01.03.2025" in text_of(client.get(DRAWDOWNS))


def test_request_notice_is_a_task_on_commit_with_an_opt_out_that_stops_the_next(
    django_capture_on_commit_callbacks, settings, client, monkeypatch
):
    import re

    from funding import tasks

    settings.PORTAL_BASE_URL = "https://portal.itvsh.example"
    queued = []
    monkeypatch.setattr(tasks.notify_drawdown_request, "delay", lambda pk: queued.append(pk))
    requester, reviewer = finance_user(username="antrag"), finance_user(username="pruefung", email="p@itvsh.example")
    line = BudgetLineFactory(planned_amount=Decimal("250000.00"))
    with django_capture_on_commit_callbacks(execute=True):
        first = services.drawdown_request(line=line, amount="100.00", purpose_text="eins", by=requester)
    assert queued == [first.pk] and mail.outbox == []  # queued, not sent inline in the request
    monkeypatch.undo()
    assert tasks.notify_drawdown_request.delay(first.pk).get() == 1
    sent = mail.outbox[0]
    links = re.findall(r"https://portal\.itvsh\.example/benachrichtigungen/abbestellen/[^/\s\"]+/", sent.body)
    assert sent.to == [reviewer.email] and len(links) == 1
    assert f'href="{links[0]}"' in sent.alternatives[0][0]
    client.post(links[0].removeprefix("https://portal.itvsh.example"), {"wants": "nein"})
    with django_capture_on_commit_callbacks(execute=True):
        services.drawdown_request(line=line, amount="200.00", purpose_text="zwei", by=requester)
    assert len(mail.outbox) == 1  # declined: the next notice does not reach them
