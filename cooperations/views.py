"""Public pages of the cooperations register: list (filters, sorting, pagination, CSV), timeline, detail, and
the source-file download (files live outside the web root)."""

from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET

from common.csvfiles import SPREADSHEET, csv_download
from common.messages import message
from common.pages import PAGE, breadcrumbs, page_of, wants_csv
from common.stand import AGREEMENTS, stand_of

from . import selectors
from .filters import AgreementFilterSet
from .models import Agreement, Source
from .related import agreement_sections

PAGE_SIZE = 20
CSV_COLUMNS = [
    ("slug", gettext_lazy("Kennung")),
    ("title", gettext_lazy("Titel")),
    ("kind", gettext_lazy("Art")),
    ("status", gettext_lazy("Status")),
    ("parties", gettext_lazy("Parteien")),
    ("topics", gettext_lazy("Themenfelder")),
    ("signed", gettext_lazy("unterzeichnet am")),
    ("effective", gettext_lazy("wirksam ab")),
    ("end", gettext_lazy("Laufzeitende")),
    ("url", gettext_lazy("Adresse")),
]


def remaining_text(days: int | None) -> str:
    if days is None:
        return _("nicht bestimmbar")
    if days < 0:
        return _("abgelaufen")
    if days < 60:
        return ngettext("noch %(days)s Tag", "noch %(days)s Tage", days) % {"days": days}
    years, rest = divmod(days, 365)
    months = rest // 30
    month_text = ngettext("%(months)s Monat", "%(months)s Monate", months) % {"months": months}
    if years:
        year_text = ngettext("%(years)s Jahr", "%(years)s Jahre", years) % {"years": years}
        if not months:
            return _("noch etwa %(years)s") % {"years": year_text}
        return _("noch etwa %(years)s und %(months)s") % {"years": year_text, "months": month_text}
    return _("noch etwa %(months)s") % {"months": month_text}


@require_GET
def agreement_list(request):
    filterset = AgreementFilterSet(request.GET or None, queryset=selectors.agreement_list())
    valid = filterset.is_valid() if request.GET else True
    queryset = filterset.qs if request.GET and valid else selectors.agreement_list()
    if not request.GET.get("sort"):
        # "neueste zuerst": by the newest date known of each agreement; those with none come last (PostgreSQL puts
        # NULLs first when descending).
        newest = Coalesce("term_start", "effective_from", "signed_on", "announced_on")
        queryset = queryset.order_by(newest.desc(nulls_last=True), "title", "pk")
    if wants_csv(request) and valid:
        return _csv(queryset)
    page = page_of(request, queryset if valid else Agreement.objects.none(), PAGE_SIZE)
    context = {
        "filter": filterset,
        "form": filterset.form,
        "page_obj": page,
        "agreements": page.object_list,
        "is_filtered": any(value for key, value in request.GET.items() if key not in (PAGE, "sort")),
        "breadcrumbs": breadcrumbs((_("Kooperationen"), "")),
    }
    return render(request, "cooperations/list.html", context, status=200 if valid else 400)


def _csv(queryset) -> HttpResponse:
    response, writer = csv_download("kooperationen.csv", dialect=SPREADSHEET, stand=stand_of(AGREEMENTS))
    writer.writerow([label for _key, label in CSV_COLUMNS])
    for agreement in queryset:
        writer.writerow(
            [
                agreement.slug,
                agreement.title,
                agreement.get_kind_display(),
                agreement.get_status_display(),
                ", ".join(f"{p.organisation.name} ({p.get_role_display()})" for p in agreement.parties.all()),
                ", ".join(topic.name for topic in agreement.topics.all()),
                agreement.signed_on_display,
                agreement.effective_from_display,
                agreement.term_end_display,
                agreement.get_absolute_url(),
            ]
        )
    return response


@require_GET
def agreement_detail(request, slug):
    try:
        agreement = selectors.agreement_detail(slug=slug)
    except Agreement.DoesNotExist as error:
        if current := selectors.renamed_slug(slug):
            return HttpResponsePermanentRedirect(reverse("cooperations:detail", kwargs={"slug": current}))
        raise Http404(message("cooperations.unknown_agreement")) from error
    today = timezone.localdate()
    days = agreement.days_remaining(today)
    measures = list(agreement.measures.all())
    context = {
        "agreement": agreement,
        "derivations": agreement.derivations(),
        "successor": getattr(agreement, "successor", None),
        "measures": measures,
        "progress": selectors.weighted_progress(measures),
        "days_remaining": days,
        "remaining": remaining_text(days) if agreement.status == Agreement.Status.IN_KRAFT else None,
        "today": today,
        "breadcrumbs": breadcrumbs((_("Kooperationen"), "/kooperationen/"), (agreement.title, "")),
        "related_sections": agreement_sections(agreement, request),  # other apps' sections (cooperations.related)
    }
    return render(request, "cooperations/detail.html", context)


@require_GET
def agreement_timeline(request):
    events = selectors.timeline_events()
    years = []
    for event in events:
        if not years or years[-1]["year"] != event["date"].year:
            years.append({"year": event["date"].year, "events": []})
        years[-1]["events"].append(event)
    undated = Agreement.objects.filter(signed_on__isnull=True, announced_on__isnull=True, term_start__isnull=True)
    context = {
        "years": years,
        "undated": undated.order_by("title"),
        "breadcrumbs": breadcrumbs((_("Kooperationen"), "/kooperationen/"), (_("Zeitleiste"), "")),
    }
    return render(request, "cooperations/timeline.html", context)


@require_GET
def source_file(request, pk):
    """Serves an uploaded source PDF from the private media root (sources are public documents)."""
    source = get_object_or_404(Source, pk=pk)
    if not source.file:
        raise Http404(_("Zu dieser Quelle ist keine Datei hinterlegt."))
    try:
        handle = source.file.open("rb")
    except FileNotFoundError as error:
        raise Http404(_("Die Datei wurde nicht gefunden.")) from error
    response = FileResponse(handle, content_type="application/pdf", filename=f"quelle-{source.pk}.pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
