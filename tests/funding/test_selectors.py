from decimal import Decimal

import pytest

from funding import selectors
from funding.models import Drawdown, Purpose

from .factories import BudgetLineFactory, DrawdownFactory, FundingSourceFactory, agreement

pytestmark = pytest.mark.django_db
S = Drawdown.Status


def test_sums_are_exact_decimals():
    # 0.1 + 0.2 + 0.3 is 0.6000000000000001 in floats; Decimal keeps cents exact.
    for amount in ("0.10", "0.20", "0.30"):
        line = BudgetLineFactory(planned_amount=Decimal(amount))
        DrawdownFactory(
            line=line, status=S.AUSGEZAHLT, amount=Decimal(amount) / 2 if amount != "0.30" else Decimal("0.15")
        )
    summary = selectors.funding_summary()
    assert summary.total.planned == Decimal("0.60")
    assert summary.total.paid == Decimal("0.30")
    assert summary.total.remaining == Decimal("0.30")
    assert all(isinstance(v, Decimal) for v in (summary.total.planned, summary.total.paid))


def test_large_amounts_and_many_drawdowns_sum_to_the_cent():
    line = BudgetLineFactory(planned_amount=Decimal("999999999999.99"))
    for _ in range(7):
        DrawdownFactory(line=line, status=S.FREIGEGEBEN, amount=Decimal("33333.33"))
    DrawdownFactory(line=line, status=S.AUSGEZAHLT, amount=Decimal("0.01"))
    DrawdownFactory(line=line, status=S.BEANTRAGT, amount=Decimal("5.00"))  # open requests bind nothing
    DrawdownFactory(line=line, status=S.ABGELEHNT, amount=Decimal("5.00"), closing_reason="nein")
    row = selectors.funding_summary().total
    assert row.approved == Decimal("233333.31")
    assert row.paid == Decimal("0.01")
    assert row.remaining == Decimal("999999766666.67")
    assert row.as_dict()["remaining"] == "999999766666.67"


def test_percent_rounds_half_up():
    line = BudgetLineFactory(planned_amount=Decimal("3.00"))
    DrawdownFactory(line=line, status=S.AUSGEZAHLT, amount=Decimal("1.00"))
    assert selectors.funding_summary().total.paid_percent == Decimal("33.3")


def test_groupings():
    kv = agreement()
    kommunen = FundingSourceFactory(slug="kommunen", name="Kommunen", kind="kommunen", body=None)
    BudgetLineFactory(fiscal_year=2025, planned_amount=Decimal("3000000.00"), agreement=kv)
    BudgetLineFactory(fiscal_year=2025, planned_amount=Decimal("1700000.00"), agreement=kv, source=kommunen)
    BudgetLineFactory(
        fiscal_year=None,
        year_is_stated=False,
        planned_amount=Decimal("1500000.00"),
        purpose=Purpose.objects.get(slug="schultraegerberatung"),
    )
    summary = selectors.funding_summary()
    # A yearly amount without a year is shown beside the yearly totals, never added into them.
    assert [(r.key, r.planned, r.planned_without_year) for r in summary.groups["year"]] == [
        ("ohne", Decimal("0.00"), Decimal("1500000.00")),
        ("2025", Decimal("4700000.00"), Decimal("0.00")),
    ]
    assert (summary.total.planned, summary.total.planned_without_year) == (
        Decimal("4700000.00"),
        Decimal("1500000.00"),
    )
    assert {r.key: (r.planned, r.planned_without_year) for r in summary.groups["source"]} == {
        "land": (Decimal("3000000.00"), Decimal("1500000.00")),
        "kommunen": (Decimal("1700000.00"), Decimal("0.00")),
    }
    assert {r.key: r.line_count for r in summary.groups["purpose"]} == {
        "ozg-umsetzung-basisdienste": 2,
        "schultraegerberatung": 1,
    }
    assert [r.key for r in summary.groups["agreement"]] == [kv.slug, "ohne"]


@pytest.mark.parametrize("n", [1, 10])
def test_summary_query_count_is_constant(django_assert_num_queries, n):
    for _ in range(n):
        DrawdownFactory(line=BudgetLineFactory(), status=S.AUSGEZAHLT)
    with django_assert_num_queries(1):
        summary = selectors.funding_summary()
    assert summary.total.line_count == n


def test_remaining_is_one_annotation_of_the_line_queryset():
    """planned − approved − paid in the database, so that a list can filter and sort by it; the summary adds it up."""
    from funding.models import BudgetLine

    full = BudgetLineFactory(planned_amount=Decimal("100.00"))
    DrawdownFactory(line=full, status=S.FREIGEGEBEN, amount=Decimal("60.00"))
    DrawdownFactory(line=full, status=S.AUSGEZAHLT, amount=Decimal("40.00"))
    half = BudgetLineFactory(planned_amount=Decimal("0.30"))
    DrawdownFactory(line=half, status=S.AUSGEZAHLT, amount=Decimal("0.15"))
    DrawdownFactory(line=half, status=S.BEANTRAGT, amount=Decimal("0.10"))  # a request binds nothing
    lines = BudgetLine.objects.with_drawdown_sums()
    assert dict(lines.values_list("pk", "remaining_amount")) == {full.pk: Decimal("0.00"), half.pk: Decimal("0.15")}
    assert list(lines.filter(remaining_amount__gt=0).values_list("pk", flat=True)) == [half.pk]
    assert list(lines.order_by("-remaining_amount").values_list("pk", flat=True)) == [half.pk, full.pk]
    summary = selectors.funding_summary()
    assert summary.total.remaining == Decimal("0.15")
    assert {line.pk: line.remaining_amount for line in summary.lines} == {
        full.pk: Decimal("0.00"),
        half.pk: Decimal("0.15"),
    }
