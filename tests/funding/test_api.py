import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from funding.models import Drawdown

from .factories import (
    BudgetLineFactory,
    DrawdownFactory,
    FundingSourceFactory,
    InKindFactory,
    UserFactory,
    agreement,
    finance_user,
)

pytestmark = pytest.mark.django_db
S = Drawdown.Status


@pytest.fixture
def anon():
    return APIClient()


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def make_lines(n, **kwargs):
    lines = BudgetLineFactory.create_batch(n, **kwargs)
    for line in lines:
        DrawdownFactory(line=line, status=S.AUSGEZAHLT, amount=Decimal("10.00"))
        DrawdownFactory(line=line, status=S.FREIGEGEBEN, amount=Decimal("5.00"))
    return lines


def test_lines_list_is_public_with_sums(anon):
    line = make_lines(1, planned_amount=Decimal("100.00"))[0]
    data = anon.get("/api/v1/funding/lines/").json()
    assert data["count"] == 1
    row = data["results"][0]
    assert row["id"] == line.pk
    assert (row["planned_amount"], row["approved_amount"], row["paid_amount"], row["remaining_amount"]) == (
        "100.00",
        "5.00",
        "10.00",
        "85.00",
    )
    assert row["source"]["slug"] == "land" and row["recipient"] == "itvsh"


@pytest.mark.parametrize("n", [1, 6])
def test_lines_list_query_count_is_constant(anon, django_assert_num_queries, n):
    make_lines(n)
    with django_assert_num_queries(2):  # count + page
        response = anon.get("/api/v1/funding/lines/")
    assert response.json()["count"] == n


@pytest.mark.parametrize("n", [1, 6])
def test_drawdown_list_query_count_is_constant(anon, django_assert_num_queries, n):
    make_lines(n)
    with django_assert_num_queries(2):
        response = anon.get("/api/v1/funding/drawdowns/")
    assert response.json()["count"] == 2 * n


@pytest.mark.parametrize("n", [1, 6])
def test_staff_drawdown_list_query_count_is_constant(django_assert_num_queries, n):
    staff = finance_user()
    make_lines(n)
    client = client_for(staff)
    with django_assert_num_queries(5):  # 2 permission lookups + count + page + transitions
        response = client.get("/api/v1/funding/drawdowns/")
    assert response.json()["count"] == 2 * n


def test_public_drawdown_detail_hides_people(anon):
    drawdown = DrawdownFactory(status=S.AUSGEZAHLT)
    data = anon.get(f"/api/v1/funding/drawdowns/{drawdown.pk}/").json()
    assert data["amount"] == "1000.00" and data["status"] == "ausgezahlt"
    for hidden in ("requested_by", "reviewed_by", "approved_by", "payment_reference", "transitions"):
        assert hidden not in data
    assert drawdown.requested_by.username not in str(data)
    staff_data = client_for(finance_user()).get(f"/api/v1/funding/drawdowns/{drawdown.pk}/").json()
    assert staff_data["requested_by"] == drawdown.requested_by.username


def test_filters_and_unknown_values(anon):
    BudgetLineFactory(fiscal_year=2025)
    BudgetLineFactory(fiscal_year=None, year_is_stated=False)
    assert anon.get("/api/v1/funding/lines/?year=2025").json()["count"] == 1
    assert anon.get("/api/v1/funding/lines/?year=ohne").json()["count"] == 1
    assert anon.get("/api/v1/funding/lines/?purpose=ozg-umsetzung-basisdienste").json()["count"] == 2
    for query in ("year=20x5", "source=mond", "purpose=raumfahrt", "agreement=gibt-es-nicht", "status=verloren"):
        response = anon.get(f"/api/v1/funding/lines/?{query}")
        assert response.status_code == 400, query
        assert query.split("=")[0] in response.json()
    assert anon.get("/api/v1/funding/drawdowns/?status=verloren").status_code == 400


def test_purpose_filter_includes_topics(anon):
    from funding.models import Purpose

    BudgetLineFactory(purpose=Purpose.objects.get(slug="schultraegerberatung"))
    BudgetLineFactory()
    assert anon.get("/api/v1/funding/lines/?purpose=digitale-daseinsvorsorge").json()["count"] == 1


def test_summary_endpoint_with_filters(anon):
    kv = agreement()
    BudgetLineFactory(fiscal_year=2025, planned_amount=Decimal("0.10"), agreement=kv)
    BudgetLineFactory(fiscal_year=2025, planned_amount=Decimal("0.20"), agreement=kv)
    BudgetLineFactory(fiscal_year=2026, planned_amount=Decimal("0.30"))
    BudgetLineFactory(
        fiscal_year=2026,
        planned_amount=Decimal("5.00"),
        source=FundingSourceFactory(slug="kommunen", name="Kommunen", kind="kommunen", body=None),
    )
    data = anon.get("/api/v1/funding/summary/").json()
    assert data["total"]["planned"] == "5.60"
    assert [(r["key"], r["planned"]) for r in data["by_year"]] == [("2025", "0.30"), ("2026", "5.30")]
    assert {r["key"]: r["planned"] for r in data["by_source"]} == {"land": "0.60", "kommunen": "5.00"}
    assert {r["key"]: r["planned"] for r in data["by_agreement"]} == {kv.slug: "0.30", "ohne": "5.30"}
    filtered = anon.get(f"/api/v1/funding/summary/?year=2025&source=land&agreement={kv.slug}").json()
    assert filtered["total"] == {
        "key": "gesamt",
        "label": "Gesamt",
        "planned": "0.30",
        "approved": "0.00",
        "paid": "0.00",
        "remaining": "0.30",
        "planned_per_year_without_year": None,
        "line_count": 2,
        "lines_without_recorded_payments": 0,
        "contains_approximate_amounts": False,
        "approximate_wordings": [],
    }
    bad = anon.get("/api/v1/funding/summary/?year=neunzehn&source=mond")
    assert bad.status_code == 400 and set(bad.json()) == {"year", "source"}


def test_anonymous_cannot_write(anon):
    line = BudgetLineFactory()
    response = anon.post("/api/v1/funding/drawdowns/", {"line": line.pk, "amount": "1.00", "purpose_text": "x"})
    assert response.status_code in (401, 403)
    drawdown = DrawdownFactory(line=line)
    assert anon.post(f"/api/v1/funding/drawdowns/{drawdown.pk}/review/").status_code in (401, 403)
    assert Drawdown.objects.count() == 1


def test_staff_without_funding_permission_gets_403():
    line = BudgetLineFactory()
    client = client_for(UserFactory())
    response = client.post("/api/v1/funding/drawdowns/", {"line": line.pk, "amount": "1.00", "purpose_text": "x"})
    assert response.status_code == 403
    drawdown = DrawdownFactory(line=line)
    assert client.post(f"/api/v1/funding/drawdowns/{drawdown.pk}/approve/").status_code == 403


def test_workflow_over_api_with_400_and_409():
    line = BudgetLineFactory(planned_amount=Decimal("12345.67"))
    requester, reviewer, approver = finance_user(), finance_user(), finance_user()
    as_requester, as_reviewer, as_approver = map(client_for, (requester, reviewer, approver))

    bad = as_requester.post("/api/v1/funding/drawdowns/", {"line": line.pk, "amount": "-1", "purpose_text": "x"})
    assert bad.status_code == 400 and "amount" in bad.json()
    too_much = as_requester.post(
        "/api/v1/funding/drawdowns/", {"line": line.pk, "amount": "20000.00", "purpose_text": "x"}
    )
    assert too_much.status_code == 409
    assert too_much.json() == {
        "detail": "Abruf übersteigt den verfügbaren Betrag von 12.345,67\u00a0€.",
        "code": "exceeds_available",
    }

    created = as_requester.post(
        "/api/v1/funding/drawdowns/", {"line": line.pk, "amount": "12000.00", "purpose_text": "OZG-Cloud"}
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    url = f"/api/v1/funding/drawdowns/{pk}"

    own = as_requester.post(f"{url}/review/")
    assert own.status_code == 409 and own.json()["code"] == "four_eyes"
    assert as_reviewer.post(f"{url}/approve/").status_code == 409  # not reviewed yet
    assert as_reviewer.post(f"{url}/review/", {"reason": "Belege vollständig"}).json()["status"] == "geprueft"
    assert as_requester.post(f"{url}/approve/").json()["code"] == "four_eyes"
    assert as_approver.post(f"{url}/approve/").json()["status"] == "freigegeben"
    own_payment = as_requester.post(
        f"{url}/pay/", {"paid_on": datetime.date.today().isoformat(), "payment_reference": "KR-7"}
    )
    assert own_payment.status_code == 409 and own_payment.json()["code"] == "four_eyes"
    missing = as_approver.post(f"{url}/pay/", {})
    assert missing.status_code == 400 and set(missing.json()) == {"paid_on", "payment_reference"}
    paid = as_approver.post(f"{url}/pay/", {"paid_on": datetime.date.today().isoformat(), "payment_reference": "KR-7"})
    assert paid.status_code == 200 and paid.json()["status"] == "ausgezahlt"
    assert [t["to_status"] for t in paid.json()["transitions"]] == [
        "beantragt",
        "geprueft",
        "freigegeben",
        "ausgezahlt",
    ]
    reject = as_reviewer.post(f"{url}/reject/", {"reason": "zu spät"})
    assert reject.status_code == 409 and reject.json()["code"] == "invalid_transition"
    no_reason = as_requester.post(f"{url}/withdraw/", {})
    assert no_reason.status_code == 400


def test_schema_renders(anon):
    response = anon.get("/api/v1/schema/")
    assert response.status_code == 200
    assert b"/api/v1/funding/drawdowns/{id}/approve/" in response.content


@pytest.mark.parametrize("n", [1, 5])
def test_in_kind_list_is_public_and_constant(anon, django_assert_num_queries, n):
    InKindFactory.create_batch(n, fte=None, agreement=agreement())
    with django_assert_num_queries(2):
        data = anon.get("/api/v1/funding/in-kind/").json()
    assert data["count"] == n
    assert data["results"][0]["fte"] is None and data["results"][0]["people_count"] == 2


def test_remaining_is_documented_and_rendered_like_the_other_amounts(anon):
    schema = anon.get("/api/v1/schema/", {"format": "json"}).json()
    properties = schema["components"]["schemas"]["BudgetLine"]["properties"]
    assert properties["remaining_amount"] == properties["paid_amount"] == properties["approved_amount"]
    assert properties["remaining_amount"]["format"] == "decimal"


def test_unknown_payments_are_null_never_zero_and_wordings_travel(anon):
    """A line whose payments nobody records: approved, paid, remaining are null in the line and in every sum it is
    part of; an approximate amount carries the source's wording into the sums."""
    BudgetLineFactory(
        fiscal_year=2025,
        planned_amount=Decimal("3000000.00"),
        amount_is_approximate=True,
        amount_wording="knapp 3 Millionen Euro pro Jahr",
        payments_recorded=False,
    )
    BudgetLineFactory(fiscal_year=2026, planned_amount=Decimal("10.00"))
    line = anon.get("/api/v1/funding/lines/", {"year": 2025}).json()["results"][0]
    assert (line["payments_recorded"], line["approved_amount"], line["paid_amount"], line["remaining_amount"]) == (
        False,
        None,
        None,
        None,
    )
    data = anon.get("/api/v1/funding/summary/").json()
    assert (data["total"]["paid"], data["total"]["remaining"], data["total"]["lines_without_recorded_payments"]) == (
        None,
        None,
        1,
    )
    assert data["total"]["approximate_wordings"] == ["knapp 3 Millionen Euro pro Jahr"]
    years = {row["key"]: row for row in data["by_year"]}
    assert years["2026"]["paid"] == "0.00" and years["2026"]["remaining"] == "10.00"
    assert years["2025"]["paid"] is None
