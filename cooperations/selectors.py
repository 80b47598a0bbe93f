"""Reads shared by the public pages, the API and other apps (funding references agreements through here).

Every list read loads its relations with select_related/prefetch_related, so a page or API list costs a fixed
number of queries however many agreements it shows.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from .models import Agreement, AgreementParty, Measure, Milestone, Obligation, Signatory, Source


def agreement_by_slug(slug: str) -> Agreement | None:
    """The agreement with this stable slug (e.g. "kooperationsvereinbarung-land-itvsh-2025"), or None."""
    return Agreement.objects.filter(slug=slug).first()


def renamed_slug(slug: str) -> str | None:
    """The current slug of a founding agreement that was once published under `slug`, or None."""
    from .founding import FOUNDING_AGREEMENTS

    for spec in FOUNDING_AGREEMENTS:
        if slug in spec.get("former_slugs", ()):
            return spec["slug"]
    return None


def _parties_prefetch() -> Prefetch:
    return Prefetch("parties", queryset=AgreementParty.objects.select_related("organisation").order_by("id"))


def agreement_list(*, queryset: QuerySet | None = None) -> QuerySet:
    """Agreements for lists: parties with their bodies and topics prefetched."""
    queryset = Agreement.objects.all() if queryset is None else queryset
    return queryset.prefetch_related(_parties_prefetch(), "topics")


def agreements_for_body(organisation) -> QuerySet:
    """The agreements a body of the register is a party of, newest first, ready for a list."""
    return agreement_list(queryset=Agreement.objects.for_body(organisation)).order_by("-term_start", "title")


def agreement_detail_queryset() -> QuerySet:
    """Agreements with everything a detail page or the API detail shows, in a fixed number of queries."""
    measures = Measure.objects.select_related("lead").prefetch_related(
        "participants", Prefetch("milestones", queryset=Milestone.objects.order_by("due_on", "id"))
    )
    return Agreement.objects.select_related("predecessor", "successor", "wahlperiode").prefetch_related(
        _parties_prefetch(),
        "topics",
        Prefetch("signatories", queryset=Signatory.objects.select_related("organisation")),
        Prefetch("obligations", queryset=Obligation.objects.select_related("obligor")),
        Prefetch("measures", queryset=measures),
        Prefetch("sources", queryset=Source.objects.order_by("published_on", "id")),
        "amendments",
    )


def agreement_detail(*, slug: str) -> Agreement:
    """One agreement with everything its page and the API detail show; raises Agreement.DoesNotExist."""
    return agreement_detail_queryset().get(slug=slug)


def measure_list(*, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Measure.objects.all() if queryset is None else queryset
    return queryset.select_related("agreement", "lead").prefetch_related("participants", "milestones")


def weighted_progress(measures) -> dict:
    """Progress of an agreement from its measures: sum(progress × weight) / sum(weight). Cancelled measures
    ("abgebrochen") and measures without a reported progress are left out. Returns the value (Decimal, one
    place; None when no measure counts) and the rows that explain it, for the page."""
    rows = []
    total_weight = 0
    weighted_sum = 0
    for measure in measures:
        counted = measure.status != Measure.Status.ABGEBROCHEN and measure.progress is not None
        product = measure.progress * measure.weight if counted else None
        rows.append({"measure": measure, "counted": counted, "product": product})
        if counted:
            total_weight += measure.weight
            weighted_sum += measure.progress * measure.weight
    value = None
    if total_weight:
        value = (Decimal(weighted_sum) / Decimal(total_weight)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return {"value": value, "rows": rows, "total_weight": total_weight, "weighted_sum": weighted_sum}


def timeline_events(*, queryset: QuerySet | None = None) -> list[dict]:
    """Dated events of agreements for the timeline, oldest first: announcement, signing, start, amendments, end.
    Only dates the data holds; unknown dates produce no event."""
    queryset = Agreement.objects.all() if queryset is None else queryset
    events = []
    for agreement in queryset.prefetch_related("amendments"):
        if agreement.announced_on:
            events.append(_event(agreement.announced_on, "announced", agreement))
        if agreement.signed_on:
            events.append(_event(agreement.signed_on, "signed", agreement, agreement.signed_on_precision))
        if agreement.term_start and agreement.term_start != agreement.signed_on:
            events.append(_event(agreement.term_start, "start", agreement, agreement.effective_from_precision))
        for amendment in agreement.amendments.all():
            events.append(_event(amendment.dated_on, "amendment", agreement, label=amendment.title))
        if agreement.term_end:
            events.append(_event(agreement.term_end, "end", agreement, agreement.term_end_precision))
    events.sort(key=lambda event: (event["date"], event["order"], event["agreement"].title))
    return events


EVENT_ORDER = {"announced": 0, "signed": 1, "start": 2, "amendment": 3, "end": 4}


def _event(date: datetime.date, kind: str, agreement, precision="day", label="") -> dict:
    return {
        "date": date,
        "kind": kind,
        "order": EVENT_ORDER[kind],
        "precision": precision,
        "agreement": agreement,
        "label": label,
        "future": date > timezone.localdate(),
    }
