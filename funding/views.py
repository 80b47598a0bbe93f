"""Public transparency page „Finanzierung“ and its CSV downloads."""

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from common import charts
from common.csvfiles import SPREADSHEET, csv_file_response, csv_response
from common.formatting import format_euro
from common.messages import message
from common.pages import breadcrumbs
from common.stand import FUNDING, stand_of

from . import selectors
from .filters import BudgetLineFilter
from .models import YearlyReport
from .services import REPORT_HEADER, report_rows

SECTIONS = [
    ("year", "nach-jahr", gettext_lazy("Nach Haushaltsjahr")),
    ("source", "nach-mittelgeber", gettext_lazy("Nach Mittelgeber")),
    ("purpose", "nach-zweck", gettext_lazy("Nach Zweck")),
    ("agreement", "nach-vereinbarung", gettext_lazy("Nach Vereinbarung")),
]


MEASURES = [
    ("planned", gettext_lazy("Plan")),
    ("approved", gettext_lazy("Freigegeben")),
    ("paid", gettext_lazy("Ausgezahlt")),
    ("remaining", gettext_lazy("Verfügbar")),
]


def _chart(anchor, heading, rows):
    """Grouped bars (plan, approved, paid, remaining) per row; the same numbers are in the table below it.
    Remaining is never negative while the invariant holds; it is clamped at 0 for drawing only. A measure that is
    not known for every row (payments not recorded) is left out and named in the description: never drawn as 0."""
    measures = [(key, label) for key, label in MEASURES if all(getattr(row, key) is not None for row in rows)]
    description = _("Balkendiagramm in Euro mit %(count)s Gruppen; die Zahlen stehen in der Tabelle darunter.") % {
        "count": len(rows)
    }
    if len(measures) < len(MEASURES):
        description += " " + _("Freigaben, Auszahlungen und verfügbare Mittel sind nicht bekannt (nicht erfasst).")
    return charts.bar_chart(
        chart_id=f"chart-{anchor}",
        title=_("Plan, Freigaben, Auszahlungen und verfügbare Mittel – %(heading)s") % {"heading": heading},
        description=description,
        categories=[row.label for row in rows],
        series=[
            {"label": str(label), "values": [max(getattr(row, key), 0) for row in rows]} for key, label in measures
        ],
        value_format=format_euro,
    )


def _filtered_lines(request):
    """The budget lines the query asks for, through the API's FilterSet: (form, lines); an invalid query leaves
    the lines unfiltered and its errors on the form."""
    filterset = BudgetLineFilter(request.GET or None, queryset=selectors.budget_lines())
    lines = filterset.qs if filterset.is_valid() else selectors.budget_lines()
    return filterset.form, lines


class OverviewView(TemplateView):
    template_name = "funding/overview.html"

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if response.context_data["form"].errors:
            response.status_code = 400
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, lines = _filtered_lines(self.request)
        summary = selectors.funding_summary(lines)
        sections = []
        for grouping, anchor, heading in SECTIONS:
            rows = summary.groups[grouping]
            sections.append(
                {
                    "anchor": anchor,
                    "heading": heading,
                    "rows": rows,
                    "chart": _chart(anchor, heading, rows),
                }
            )
        query = self.request.GET.urlencode() if form.is_bound and form.is_valid() else ""
        context.update(
            form=form,
            summary=summary,
            total=summary.total,
            sections=sections,
            lines=summary.lines,
            in_kind=list(selectors.in_kind_contributions().order_by("title", "pk")),
            year_options=selectors.fiscal_years(),
            purposes=list(selectors.purposes()),
            agreement_options=selectors.agreement_options(),
            reports=list(YearlyReport.objects.order_by("-fiscal_year").values_list("fiscal_year", flat=True)),
            csv_query=query,
            breadcrumbs=breadcrumbs((_("Finanzierung"), "")),
        )
        return context


def overview_csv(request):
    form, lines = _filtered_lines(request)
    if form.is_bound and not form.is_valid():
        return HttpResponse(
            "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    return csv_response(
        "finanzierung.csv", REPORT_HEADER, report_rows(lines), dialect=SPREADSHEET, stand=stand_of(FUNDING)
    )


def yearly_report_csv(request, year: int):
    report = YearlyReport.objects.filter(fiscal_year=year).first()
    if report is None:
        raise Http404(message("funding.no_report"))
    return csv_file_response(report.filename, report.content, dialect=SPREADSHEET)
