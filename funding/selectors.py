"""Reads shared by the transparency page, the CSV downloads and the API.

Sums are Decimal: drawdown amounts are summed per line in the database (two places), the line figures are
then added up in Python and rounded commercially to cents (`to_cents`). A summary costs two queries however
many lines and drawdowns there are.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from django.urls import NoReverseMatch

from common.formatting import to_cents
from common.sql import german

from .models import BudgetLine, Drawdown, FundingSource, InKindContribution, Purpose

ZERO = Decimal("0.00")
GROUPINGS = ("year", "source", "purpose", "agreement")
NO_YEAR = "ohne"


def budget_lines():
    """Lines with their source, recipient, purpose and agreement and their approved, paid and remaining sums
    (`BudgetLineQuerySet.with_drawdown_sums`)."""
    return BudgetLine.objects.select_related(
        "source", "source__body", "recipient", "purpose", "purpose__parent", "agreement"
    ).with_drawdown_sums()


def drawdowns():
    return Drawdown.objects.select_related(
        "line", "line__source", "line__purpose", "line__purpose__parent", "line__recipient"
    )


def drawdowns_for_staff():
    return (
        drawdowns()
        .select_related("requested_by", "reviewed_by", "approved_by")
        .prefetch_related(Prefetch("transitions", queryset=_transitions()))
    )


def _transitions():
    from .models import DrawdownTransition

    return DrawdownTransition.objects.select_related("actor").order_by("at", "pk")


def in_kind_contributions():
    return InKindContribution.objects.select_related("from_body", "recipient", "agreement")


def sources():
    return FundingSource.objects.select_related("body").order_by(german("name"))


def purposes():
    return Purpose.objects.select_related("parent").order_by("position", "name")


@dataclass
class SummaryRow:
    """Sums of a group of budget lines, as the sources allow: `planned` adds the lines with a fiscal year only; a
    line without a year ("1,5 Millionen Euro pro Jahr", no year named) is a yearly amount of unknown years and goes
    into `planned_without_year`, shown beside, never added. Approved, paid and remaining are None ("nicht bekannt")
    as soon as one line of the group does not record its payments. `approximate` with the sources' `wordings`
    where an amount is only stated roughly."""

    key: str
    label: str
    url: str = ""
    planned: Decimal = ZERO
    planned_without_year: Decimal = ZERO
    requested: Decimal | None = ZERO
    approved: Decimal | None = ZERO
    paid: Decimal | None = ZERO
    remaining: Decimal | None = ZERO
    line_count: int = 0
    unrecorded_count: int = 0
    approximate: bool = False
    wordings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, line) -> None:
        self.line_count += 1
        if line.fiscal_year is None:
            self.planned_without_year += to_cents(line.planned_amount)
        else:
            self.planned += to_cents(line.planned_amount)
        if line.amount_is_approximate:
            self.approximate = True
            if line.amount_wording and line.amount_wording not in self.wordings:
                self.wordings.append(line.amount_wording)
        if line.approved_amount is None:
            self.unrecorded_count += 1
            self.requested = self.approved = self.paid = self.remaining = None
        elif self.approved is not None:
            self.requested += to_cents(getattr(line, "requested_amount", None) or ZERO)
            self.approved += to_cents(line.approved_amount)
            self.paid += to_cents(line.paid_amount)
            self.remaining += to_cents(line.remaining_amount)

    @property
    def committed(self) -> Decimal | None:
        return None if self.approved is None else to_cents(self.approved + self.paid)

    @property
    def paid_percent(self) -> Decimal | None:
        if not self.planned or self.paid is None or self.planned_without_year:
            return None
        return (self.paid * 100 / self.planned).quantize(Decimal("0.1"))

    def as_dict(self) -> dict:
        def amount(value):
            return None if value is None else f"{to_cents(value):.2f}"

        return {
            "key": self.key,
            "label": self.label,
            "planned": amount(self.planned),
            "planned_per_year_without_year": amount(self.planned_without_year) if self.planned_without_year else None,
            "approved": amount(self.approved),
            "paid": amount(self.paid),
            "remaining": amount(self.remaining),
            "line_count": self.line_count,
            "lines_without_recorded_payments": self.unrecorded_count,
            "contains_approximate_amounts": self.approximate,
            "approximate_wordings": self.wordings,
        }


def _group_key(line, grouping):
    if grouping == "year":
        if line.fiscal_year is None:
            return NO_YEAR, "Jahr nicht genannt", ""
        return str(line.fiscal_year), str(line.fiscal_year), ""
    if grouping == "source":
        return line.source.slug, line.source.name, ""
    if grouping == "purpose":
        return line.purpose.slug, str(line.purpose), ""
    agreement = getattr(line, "agreement", None)
    if agreement is None:
        return "ohne", "Ohne Vereinbarung", ""
    return agreement.slug, agreement_label(agreement), agreement_url(agreement)


def agreement_label(agreement) -> str:
    return getattr(agreement, "title", None) or str(agreement)


def agreement_url(agreement) -> str:
    """The agreement's public page, or "" while the cooperations pages are not routed."""
    try:
        return agreement.get_absolute_url()
    except (NoReverseMatch, AttributeError):
        return ""


def agreement_options() -> list[tuple[str, str]]:
    """(slug, title) of the agreements that budget lines refer to, for the page's filter. One query."""
    rows = (
        BudgetLine.objects.filter(agreement__isnull=False)
        .order_by("agreement__title")
        .values_list("agreement__slug", "agreement__title")
        .distinct()
    )
    return list(rows)


def _sort_key(grouping, row: SummaryRow):
    if grouping == "year":
        return (row.key != NO_YEAR, row.key)
    if grouping == "agreement":
        return (row.key == "ohne", row.label)
    return (row.label,)


@dataclass
class FundingSummary:
    total: SummaryRow
    groups: dict[str, list[SummaryRow]]
    lines: list

    def as_dict(self) -> dict:
        return {
            "total": self.total.as_dict(),
            **{f"by_{name}": [row.as_dict() for row in rows] for name, rows in self.groups.items()},
        }


def funding_summary(lines_queryset=None, *, groupings=GROUPINGS) -> FundingSummary:
    """Planned, approved, paid and remaining in total and per year, source, purpose and agreement.
    One query (lines with their drawdown sums as subqueries), aggregated in Decimal."""
    queryset = lines_queryset if lines_queryset is not None else budget_lines()
    lines = list(queryset)
    total = SummaryRow(key="gesamt", label="Gesamt")
    buckets: dict[str, dict[str, SummaryRow]] = {grouping: {} for grouping in groupings}
    for line in lines:
        line.agreement_url = agreement_url(line.agreement) if getattr(line, "agreement", None) else ""
        if line.remaining_amount is not None:
            line.remaining_amount = to_cents(line.remaining_amount)
        for row in [total, *(_bucket(buckets[g], line, g) for g in groupings)]:
            row.add(line)
    groups = {g: sorted(buckets[g].values(), key=lambda row, g=g: _sort_key(g, row)) for g in groupings}
    return FundingSummary(total=total, groups=groups, lines=lines)


def _bucket(bucket: dict, line, grouping) -> SummaryRow:
    key, label, url = _group_key(line, grouping)
    if key not in bucket:
        bucket[key] = SummaryRow(key=key, label=label, url=url)
    return bucket[key]


def funding_for_agreement(agreement) -> dict:
    """What the agreement detail page shows: its budget lines with sums, its in-kind contributions, and the
    totals. Three queries. Usage in a template: {% include "funding/includes/funding_for_agreement.html" with
    funding=funding %} where the view put `funding = funding_for_agreement(agreement)` into the context."""
    if agreement is None:
        return {"lines": [], "in_kind": [], "total": SummaryRow(key="gesamt", label="Gesamt"), "by_source": []}
    summary = funding_summary(budget_lines().filter(agreement=agreement), groupings=("source",))
    in_kind = list(in_kind_contributions().filter(agreement=agreement))
    return {
        "lines": summary.lines,
        "in_kind": in_kind,
        "total": summary.total,
        "by_source": summary.groups["source"],
    }


def agreement_sums(agreement) -> SummaryRow:
    """Planned, requested (open drawdowns), approved, paid and remaining of all budget lines of one agreement, from
    the one annotation (`BudgetLineQuerySet.with_drawdown_sums`): one query. As on the overview, requested,
    approved, paid and remaining are None ("nicht bekannt") as soon as one line does not record its payments, and
    a yearly amount without a year is `planned_without_year`, never added. Drawn by
    templates/funding/includes/agreement_sums.html: {% include "funding/includes/agreement_sums.html" with
    sums=sums %}."""
    total = SummaryRow(key="gesamt", label="Gesamt")
    if agreement is None or agreement.pk is None:
        return total
    for line in BudgetLine.objects.filter(agreement=agreement).with_drawdown_sums():
        total.add(line)
    return total


def fiscal_years() -> list[int]:
    return list(
        BudgetLine.objects.filter(fiscal_year__isnull=False)
        .order_by("fiscal_year")
        .values_list("fiscal_year", flat=True)
        .distinct()
    )
