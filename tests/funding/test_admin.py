import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages

from funding.models import BudgetLine, Drawdown
from tests.accounts.helpers import verified_client_login

from .factories import BudgetLineFactory, DrawdownFactory, finance_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_static_storage")]
CHANGELIST = "/admin/funding/drawdown/"


def logged_in(client, user):
    return verified_client_login(client, user)  # past the second factor, which the admin requires


def run_action(client, action, drawdowns, **extra):
    data = {"action": action, "_selected_action": [d.pk for d in drawdowns], **extra}
    return client.post(CHANGELIST, data, follow=False)


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_changelists_render_with_filters(client):
    logged_in(client, finance_user(is_superuser=True))
    DrawdownFactory()
    for url in (
        "/admin/funding/budgetline/?fiscal_year=2025&status=zugesagt",
        CHANGELIST + "?status=beantragt",
        "/admin/funding/inkindcontribution/",
        "/admin/funding/purpose/",
        "/admin/funding/fundingsource/",
    ):
        assert client.get(url).status_code == 200, url
    line = BudgetLine.objects.get()
    assert client.get(f"/admin/funding/budgetline/{line.pk}/change/").status_code == 200
    assert client.get(f"/admin/funding/budgetline/{line.pk}/history/").status_code == 200


def test_add_drawdown_goes_through_the_service(client):
    requester = finance_user()
    line = BudgetLineFactory(planned_amount=Decimal("500.00"))
    logged_in(client, requester)
    data = {"line": line.pk, "amount": "600,00", "purpose_text": "Lizenzen", "requested_on": "2025-03-01"}
    response = client.post("/admin/funding/drawdown/add/", data)
    assert response.status_code == 200
    assert "Abruf übersteigt den verfügbaren Betrag von 500,00" in response.content.decode()
    data["amount"] = "400,00"
    client.post("/admin/funding/drawdown/add/", data)
    drawdown = Drawdown.objects.get()
    assert drawdown.requested_by == requester
    assert list(drawdown.transitions.values_list("to_status", flat=True)) == ["beantragt"]


def test_actions_respect_four_eyes_and_record_transitions(client):
    requester, colleague = finance_user(), finance_user()
    drawdown = DrawdownFactory(requested_by=requester, line=BudgetLineFactory())

    logged_in(client, requester)
    page = run_action(client, "review", [drawdown])
    assert page.status_code == 200 and "Als geprüft markieren" in page.content.decode()  # intermediate form
    response = run_action(client, "review", [drawdown], apply="1")
    assert any("Vier-Augen-Prinzip" in m for m in messages_of(response))
    drawdown.refresh_from_db()
    assert drawdown.status == Drawdown.Status.BEANTRAGT

    client.logout()
    logged_in(client, colleague)
    run_action(client, "review", [drawdown], apply="1", reason="Belege geprüft")
    run_action(client, "approve", [drawdown], apply="1")
    missing = run_action(client, "pay", [drawdown], apply="1")
    assert any("Zahlungsreferenz" in m for m in messages_of(missing))
    run_action(
        client, "pay", [drawdown], apply="1", paid_on=datetime.date.today().isoformat(), payment_reference="KR-9"
    )
    drawdown.refresh_from_db()
    assert drawdown.status == Drawdown.Status.AUSGEZAHLT and drawdown.payment_reference == "KR-9"
    assert list(drawdown.transitions.values_list("to_status", "actor")) == [
        ("geprueft", colleague.pk),
        ("freigegeben", colleague.pk),
        ("ausgezahlt", colleague.pk),
    ]
    assert drawdown.transitions.first().reason == "Belege geprüft"


def test_reject_needs_reason_in_admin(client):
    drawdown = DrawdownFactory()
    logged_in(client, finance_user())
    response = run_action(client, "reject", [drawdown], apply="1", reason="")
    assert any("Begründung" in m for m in messages_of(response))
    run_action(client, "reject", [drawdown], apply="1", reason="unvollständig")
    drawdown.refresh_from_db()
    assert drawdown.status == Drawdown.Status.ABGELEHNT


def test_csv_exports(client):
    logged_in(client, finance_user())
    drawdown = DrawdownFactory(amount=Decimal("1234.50"))
    response = run_action(client, "export_csv", [drawdown])
    body = response.content.decode("utf-8-sig")
    assert body.splitlines()[0].startswith("ID;Haushaltsposition")
    assert ";1234.50;beantragt;" in body
    response = client.post(
        "/admin/funding/budgetline/", {"action": "export_csv", "_selected_action": [drawdown.line_id]}
    )
    assert "Haushaltsjahr;Position" in response.content.decode("utf-8-sig")


def test_planned_amount_below_committed_is_a_form_error(client):
    logged_in(client, finance_user(is_superuser=True))
    drawdown = DrawdownFactory(status=Drawdown.Status.FREIGEGEBEN, amount=Decimal("800.00"))
    line = drawdown.line
    url = f"/admin/funding/budgetline/{line.pk}/change/"
    data = {
        "title": line.title,
        "source": line.source_id,
        "recipient": line.recipient_id,
        "purpose": line.purpose_id,
        "status": line.status,
        "fiscal_year": 2025,
        "year_is_stated": "on",
        "planned_amount": "799,99",
        "drawdowns-TOTAL_FORMS": 1,
        "drawdowns-INITIAL_FORMS": 1,
        "drawdowns-MIN_NUM_FORMS": 0,
        "drawdowns-MAX_NUM_FORMS": 1000,
        "drawdowns-0-id": drawdown.pk,
        "drawdowns-0-line": line.pk,
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "800,00" in response.content.decode()
    line.refresh_from_db()
    assert line.planned_amount == Decimal("100000.00")


def test_bulk_review_says_how_many_of_the_selected_changed_and_why_not_the_rest(client):
    requester, colleague = finance_user(), finance_user()
    line = BudgetLineFactory()
    own = [DrawdownFactory(requested_by=colleague, line=line) for _ in range(4)]  # four eyes: not hers to review
    others = [DrawdownFactory(requested_by=requester, line=line) for _ in range(2)]
    logged_in(client, colleague)
    response = run_action(client, "review", [*own, *others], apply="1", reason="geprüft")
    (text,) = messages_of(response)  # one message, not one per row
    assert text.startswith("2 von 6 ausgewählten Mittelabrufen als geprüft markiert. 4 nicht (Mittelabruf ")
    assert ", …): Vier-Augen-Prinzip" in text  # three examples, then "…", then the reason
    assert Drawdown.objects.filter(status=Drawdown.Status.GEPRUEFT).count() == 2


def test_yearly_report_download_of_several_says_nothing_was_downloaded(client):
    from funding.models import YearlyReport

    logged_in(client, finance_user(is_superuser=True))
    reports = [YearlyReport.objects.create(fiscal_year=year, row_count=0, content="a;b\r\n") for year in (2024, 2025)]
    data = {"action": "download", "_selected_action": [r.pk for r in reports]}
    response = client.post("/admin/funding/yearlyreport/", data)
    assert response.status_code == 302
    assert messages_of(response) == [
        "Nichts heruntergeladen: 2 Berichte ausgewählt; bitte genau einen auswählen (ein Bericht ist eine Datei)."
    ]
    one = client.post("/admin/funding/yearlyreport/", {**data, "_selected_action": [reports[1].pk]})
    assert one.status_code == 200 and "a;b" in one.content.decode("utf-8-sig")
