"""Public pages of the OZG monitoring: citizen lookup, dashboard, a page per Leistung and per Verwaltung.

Each page costs a fixed number of queries. The dashboard, a Gemeinde's lookup page, Leistung and Verwaltung pages are
cached whole for anonymous visitors (`common.page_cache`, declared in urls.py, each view's parameters in
`cache_params`) and replaced with every committed write to what they read (`selectors.READS`)."""

import hashlib
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from common import cached_reads, charts, page_cache
from common.csvfiles import SPREADSHEET, csv_response
from common.formatting import format_number, format_percent
from common.messages import message
from common.pages import PAGE, breadcrumbs, page_of, wants_csv
from common.sql import german
from common.stand import OZG, stand_of
from organisations import selectors as register
from organisations.maps import choropleth_map
from organisations.selectors import search_gemeinden

from . import maturity, selectors
from .catalogue import CATALOGUE_SOURCE
from .filters import MAX_SEARCH, LeistungFilter, LookupFilter, StatusFilter
from .history import describe_events
from .models import ONLINE_STAGES, ExecutingLevel, Lebenslage, OzgLeistung, Stage, Themenfeld
from .related import dashboard_sections
from .responsibility import offices_to_ask

PAGE_SIZE = 25
DASHBOARD_SECONDS = 6 * 3600


def _kern_form(form, fields=None):
    """KERN classes on the widgets of a FilterSet form; returns the bound fields to show."""
    shown = []
    for name, field in form.fields.items():
        if fields is not None and name not in fields:
            continue
        css = "kern-form-input__select" if hasattr(field.widget, "choices") else "kern-form-input__input"
        field.widget.attrs["class"] = css
        shown.append(form[name])
    return shown


# --- dashboard ---------------------------------------------------------------------------------------------


def _month_label(date) -> str:
    return date.strftime("%m/%Y")


def _percent(value) -> str:
    return format_percent(value, 1)


def _share_bars(rows, *, title: str, description: str):
    """Horizontal bars of rows' `share` (percent, 0–100) labelled by `name`, values as in the tables."""
    return charts.bar_chart(
        title=title,
        description=description,
        categories=[row["name"] for row in rows],
        series=[{"label": _("Anteil online"), "values": [row["share"] for row in rows]}],
        value_format=_percent,
        max_value=100,
    )


def _region_label(value) -> str:
    return _("keine Angabe") if value is None else format_percent(value * 100, 1)


def _legend_label(value) -> str:
    return format_percent(value * 100)


def _share_map(layer: str, rows, *, title: str, description: str):
    """A choropleth of rows' `share` (percent) by `key` (Kreis key or 9-digit Verband key) in five 20 % steps."""
    return choropleth_map(
        layer=layer,
        values={row["key"]: row["share"] / 100 for row in rows},
        title=title,
        description=description,
        legend_steps=5,
        value_label=_region_label,
        legend_label=_legend_label,
        legend_title=_("Anteil online"),
    )


def _series_chart(series, online_now: int):
    """The Entwicklung: one series, the Onlinedienste of each Monatsstand, and as its last point "heute" the figure
    of the Kennzahlen (`online_total`, counted the same way), so the curve ends where the headline stands. The
    Leistungen online per Monatsstand are in the table (they count federal Leistungen too, unlike the Kennzahl)."""
    labels = [_month_label(row["date"]) for row in series] + [_("heute")]
    return charts.line_chart(
        x_labels=labels,
        series=[{"label": _("Onlinedienste"), "values": [row["online"] for row in series] + [online_now]}],
        title=_("Onlinedienste seit %(first)s") % {"first": labels[0]} if series else _("Onlinedienste"),
        description=_(
            "Zahl der Onlinedienste (Umsetzungsstände einer Verwaltung und Leistung mit Stufe „online verfügbar“ "
            "oder „Ende-zu-Ende digital“) an jedem Monatsersten und heute (%(now)s). Die Werte stehen in der "
            "Tabelle."
        )
        % {"now": format_number(online_now)},
    )


def dashboard_context() -> dict:
    """The dashboard's data and drawings (per language), cached until the next write to what they show."""
    return selectors.READS.cached(f"dashboard:{get_language()}", _dashboard_context, timeout=DASHBOARD_SECONDS)


def _dashboard_context() -> dict:
    data = selectors.dashboard_data()
    stand = stand_of(OZG)
    series = data["series"]
    context = {
        "data": data,
        "stand": stand,
        "themenfeld_chart": _share_bars(
            data["themenfelder"],
            title=_("Leistungen mit Onlinedienst je Themenfeld"),
            description=_(
                "Anteil der in Schleswig-Holstein vollzogenen OZG-Leistungen je Themenfeld, die in "
                "mindestens einer Verwaltung online verfügbar sind, %(stand)s."
            )
            % {"stand": stand.text},
        ),
        "fokus_chart": _share_bars(
            data["fokus"],
            title=_("Fokusleistungen %(year)s") % {"year": data["year"]},
            description=_("Anteil der zuständigen Verwaltungen, die die Fokusleistung online anbieten."),
        ),
        "kreis_map": _share_map(
            "kreise",
            data["kreise"],
            title=_("Anteil online je Kreis und kreisfreier Stadt"),
            description=_(
                "Karte Schleswig-Holsteins: je Kreis der Anteil der Kreis-Leistungen, die online "
                "verfügbar sind. Die Werte stehen in der Tabelle unter der Karte."
            ),
        ),
        "unit_map": _share_map(
            "verbaende",
            data["units"],
            title=_("Anteil online je Amt und amtsfreier Gemeinde"),
            description=_(
                "Karte Schleswig-Holsteins: je Amt, amtsfreier Gemeinde und kreisfreier Stadt der Anteil "
                "der Leistungen dieser Ebene, die online verfügbar sind. Die Werte stehen in der Tabelle."
            ),
        ),
        "series_chart": _series_chart(series, data["online_total"]),
    }
    return context


class DashboardView(TemplateView):
    template_name = "ozg_monitoring/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(dashboard_context())
        context["stages"] = [(label, context["data"]["stage_counts"].get(value, 0)) for value, label in Stage.choices]
        context["coverage_rows"] = [
            (selectors.COVERAGE_LABELS[kind], context["data"]["coverage_counts"].get(kind, 0))
            for kind in selectors.COVERAGE_LABELS
        ]
        context["breadcrumbs"] = breadcrumbs((_("OZG-Dashboard"), ""))
        context["dashboard_sections"] = dashboard_sections(None, self.request)
        context["reifegrad_2"] = maturity.explain(2, "1.1")
        return context


# --- citizen lookup ----------------------------------------------------------------------------------------


#: Place searches whose answer (one Gemeinde or not) is remembered: at most this many new ones an hour.
PLACES = cached_reads.Budget("place-searches", limit=1000, window=3600)


def unique_place(query: str) -> cached_reads.Slot:
    """The cached answer to "which single Gemeinde does this place search name?": the Gemeinde's ARS, "" for none
    or several, in the register's scope (any committed write to the register replaces it)."""
    digest = hashlib.sha256(query.encode()).hexdigest()[:32]
    return cached_reads.slot(f"place:{digest}", (register.REGISTER_READS,))


class LookupView(TemplateView):
    """Step 1: find her Gemeinde by name, PLZ or key."""

    template_name = "ozg_monitoring/lookup.html"
    #: The parameters the page understands, in canonical form (the page cache keys only these).
    cache_params = {"ort": page_cache.Text(max_length=100), "q": page_cache.Text(max_length=MAX_SEARCH)}

    def get(self, request, *args, **kwargs):
        query = request.GET.get("ort", "").strip()
        service = request.GET.get("q", "").strip()[:MAX_SEARCH]
        # What she wants to do travels with her choice of place: the Gemeinde's page opens filtered by it.
        service_query = "?" + urlencode({"q": service}) if service else ""
        context = self.get_context_data(
            query=query, service=service, service_query=service_query, results=None, error=None
        )
        if query:
            # A place that names one Gemeinde answers with a redirect, which the page cache does not keep: the
            # Gemeinde it leads to is a cached read of its own (`unique_place`), so a repeated search asks no query.
            known = unique_place(query)
            if known.fresh and known.value:
                return redirect(reverse("ozg_monitoring:lookup_gemeinde", args=[known.value]) + service_query)
            try:
                with cached_reads.verified_reads(known.scopes, what="unique_place"):
                    results = list(search_gemeinden(query)[:51])
            except ValidationError as error:
                context["error"] = error.messages[0]
            else:
                known.store(results[0].ars if len(results) == 1 else "", timeout=3600, budget=PLACES)
                if len(results) == 1:
                    target = reverse("ozg_monitoring:lookup_gemeinde", args=[results[0].ars])
                    return redirect(target + service_query)
                context["results"] = results[:50]
                context["more"] = len(results) > 50
        return self.render_to_response(context)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["breadcrumbs"] = breadcrumbs((_("Online erledigen"), ""))
        return context


class LookupGemeindeView(TemplateView):
    """Step 2: every Leistung with its availability where she lives."""

    template_name = "ozg_monitoring/lookup_gemeinde.html"
    #: The parameters the page understands, in canonical form (the page cache keys only these).
    cache_params = {
        "themenfeld": page_cache.Integer(),
        "lebenslage": page_cache.Integer(),
        "q": page_cache.Text(max_length=100),
        "nur_online": page_cache.Choice(["1"]),
        PAGE: page_cache.Integer(digits=4),  # the page parameter of every public list (common.pages)
    }

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if response.context_data["filterset"].errors:
            response.status_code = 400  # a malformed filter value: the page with the form error
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        gemeinde = register.gemeinde_by_ars(kwargs["ars"])
        if gemeinde is None:
            raise Http404(message("ozg.unknown_gemeinde"))
        filterset = LookupFilter(self.request.GET, queryset=selectors.lookup_leistungen())
        valid = filterset.is_valid()
        leistungen = filterset.qs if valid else OzgLeistung.objects.none()
        only_online = self.request.GET.get("nur_online") == "1"
        if only_online:
            # Only what she can do online where she lives: every Leistung's answer first, then the page of them.
            online = [row for row in selectors.lookup_rows(gemeinde, leistungen) if row.is_online_anywhere]
            page = page_of(self.request, online, PAGE_SIZE)
            rows = list(page.object_list)
        else:
            page = page_of(self.request, leistungen, PAGE_SIZE)
            rows = selectors.lookup_rows(gemeinde, page.object_list)
        chosen = filterset.form.cleaned_data if valid else {}
        context.update(
            gemeinde=gemeinde,
            filterset=filterset,
            form=filterset.form,
            offices=offices_to_ask(gemeinde),  # her Amt (or herself) and her Kreis, linked once
            page=page,
            rows=rows,
            q=self.request.GET.get("q", "").strip()[:MAX_SEARCH],
            themenfeld=chosen.get("themenfeld"),
            lebenslage=chosen.get("lebenslage"),
            themenfelder=Themenfeld.objects.order_by(german("name")),
            lebenslagen=Lebenslage.objects.order_by(german("name")),
            only_online=only_online,
            filtered=bool(chosen.get("themenfeld") or chosen.get("lebenslage") or chosen.get("q") or only_online),
            levels=dict(ExecutingLevel.choices),
            breadcrumbs=breadcrumbs(
                (_("Online erledigen"), reverse("ozg_monitoring:lookup")),
                (gemeinde.name, ""),
            ),
        )
        return context


# --- Leistungen --------------------------------------------------------------------------------------------


class LeistungListView(TemplateView):
    template_name = "ozg_monitoring/leistung_list.html"

    def get(self, request, *args, **kwargs):
        filterset = LeistungFilter(
            request.GET, queryset=OzgLeistung.objects.select_related("themenfeld", "lebenslage").order_by("ozg_id")
        )
        leistungen = filterset.qs if filterset.is_valid() else OzgLeistung.objects.none()
        if wants_csv(request):
            coverage = selectors.coverage_by_leistung(leistungen)
            return csv_response(
                "ozg-leistungen.csv",
                [
                    "ozg_id",
                    "leistung",
                    "themenfeld",
                    "lebenslage",
                    "vollzugsebene",
                    "abdeckung",
                    "verwaltungen_online",
                    "quelle_leistungskatalog",
                ],
                (
                    [
                        leistung.ozg_id,
                        leistung.name,
                        leistung.themenfeld.name,
                        leistung.lebenslage.name,
                        leistung.get_level_display(),
                        coverage[leistung.pk].label,
                        coverage[leistung.pk].online,
                        CATALOGUE_SOURCE,
                    ]
                    for leistung in leistungen
                ),
                dialect=SPREADSHEET,
                stand=stand_of(OZG),
            )
        page = page_of(request, leistungen, PAGE_SIZE)
        coverage = selectors.coverage_by_leistung(page.object_list)
        context = self.get_context_data(
            filterset=filterset,
            fields=_kern_form(filterset.form, ["q", "themenfeld", "lebenslage", "level"]),
            page=page,
            rows=[(leistung, coverage[leistung.pk]) for leistung in page.object_list],
            breadcrumbs=breadcrumbs(
                (_("OZG-Dashboard"), reverse("ozg_monitoring:dashboard")),
                (_("OZG-Leistungen"), ""),
            ),
        )
        # A malformed filter value: the page answers 400 with the error on its field (docs/ARCHITECTURE.md, § 8).
        return self.render_to_response(context, status=200 if filterset.is_valid() else 400)


class LeistungDetailView(TemplateView):
    """One Leistung: where she can use it, its coverage, the Verwaltungen offering it online (a page of
    `ONLINE_PER_PAGE`, by key: all of Schleswig-Holstein's fit on one, Germany's run to thousands) and its statuses
    by stage (counted in the database, not loaded)."""

    template_name = "ozg_monitoring/leistung_detail.html"
    #: Verwaltungen with the Leistung online per page (Schleswig-Holstein has about 184 in all: one page).
    ONLINE_PER_PAGE = 200
    cache_params = {PAGE: page_cache.Integer(digits=5)}  # the page parameter of every public list (common.pages)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        leistung = get_object_or_404(
            OzgLeistung.objects.select_related("themenfeld", "lebenslage"), ozg_id=kwargs["ozg_id"]
        )
        online = page_of(
            self.request,
            selectors.status_list().filter(leistung=leistung, stage__in=ONLINE_STAGES).order_by("verwaltung__ars"),
            self.ONLINE_PER_PAGE,
        )
        online.object_list = selectors.with_last_checks(online.object_list)
        counts = selectors.stage_counts(leistung=leistung)
        context.update(
            leistung=leistung,
            **selectors.zustaendigkeit_of_leistung(leistung),
            coverage=selectors.coverage_by_leistung([leistung])[leistung.pk],
            online=online,
            stage_counts=[(label, counts.get(value, 0)) for value, label in Stage.choices],
            events=describe_events(selectors.event_list().filter(leistung=leistung)[:30]),
            leika=list(leistung.leika_leistungen.order_by("key")),
            breadcrumbs=breadcrumbs(
                (_("OZG-Leistungen"), reverse("ozg_monitoring:leistung_list")),
                (leistung.name, ""),
            ),
        )
        return context


# --- Verwaltungen ------------------------------------------------------------------------------------------


class VerwaltungListView(TemplateView):
    """Every Amt, amtsfreie Gemeinde and kreisfreie Stadt with its share online: the values of the dashboard's map
    as a table, on a page of its own so that the dashboard stays light."""

    template_name = "ozg_monitoring/verwaltung_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["data"] = dashboard_context()["data"]
        context["breadcrumbs"] = breadcrumbs(
            (_("OZG-Dashboard"), reverse("ozg_monitoring:dashboard")), (_("Alle Verwaltungen"), "")
        )
        return context


class VerwaltungDetailView(TemplateView):
    template_name = "ozg_monitoring/verwaltung_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        verwaltung = register.verwaltung_by_ars(kwargs["ars"])
        if verwaltung is None:
            raise Http404(message("ozg.unknown_verwaltung"))
        statuses = selectors.with_last_checks(selectors.status_list().filter(verwaltung=verwaltung))
        groups = [
            {"stage": value, "label": label, "statuses": [status for status in statuses if status.stage == value]}
            for value, label in reversed(Stage.choices)
        ]
        context.update(
            verwaltung=verwaltung,
            groups=groups,
            total=len(statuses),
            online=sum(1 for status in statuses if status.stage in ONLINE_STAGES),
            summary=selectors.verwaltung_summary(verwaltung, statuses),
            comparison=selectors.verwaltung_comparison(verwaltung) if verwaltung.kind != "land" else None,
            plans=selectors.plan_progress_for_verwaltung(verwaltung),
            events=describe_events(selectors.event_list().filter(verwaltung=verwaltung)[:30]),
            breadcrumbs=breadcrumbs(
                (_("OZG-Dashboard"), reverse("ozg_monitoring:dashboard")),
                (verwaltung.name, ""),
            ),
        )
        return context


class StatusListView(TemplateView):
    """All statuses with the API's filters, paginated, with CSV export."""

    template_name = "ozg_monitoring/status_list.html"

    def get(self, request, *args, **kwargs):
        filterset = StatusFilter(request.GET, queryset=selectors.status_list())
        statuses = filterset.qs if filterset.is_valid() else selectors.status_list().none()
        if wants_csv(request):
            return csv_response(
                "ozg-umsetzungsstaende.csv",
                [
                    "ozg_id",
                    "leistung",
                    "ars",
                    "verwaltung",
                    "stage",
                    "maturity_model",
                    "maturity_level",
                    "url",
                    "platform",
                    "planned_go_live",
                    "actual_go_live",
                    "version",
                    "updated_at",
                    "beispieldaten",
                    "herkunft",
                    "quelle_leistungskatalog",
                ],
                (
                    [
                        status.leistung.ozg_id,
                        status.leistung.name,
                        status.verwaltung.ars,
                        status.verwaltung.name,
                        status.stage,
                        status.maturity_model,
                        status.maturity_level,
                        status.url,
                        status.platform,
                        status.planned_go_live or "",
                        status.actual_go_live or "",
                        status.version,
                        status.updated_at.isoformat(),
                        "ja" if status.is_demo else "nein",
                        status.source_kind,
                        CATALOGUE_SOURCE,
                    ]
                    for status in statuses.iterator(chunk_size=2000)
                ),
                dialect=SPREADSHEET,
                stand=stand_of(OZG),
            )
        page = page_of(request, statuses, 50)
        context = self.get_context_data(
            filterset=filterset,
            fields=_kern_form(
                filterset.form, ["ars_prefix", "ozg_id", "themenfeld", "lebenslage", "level", "stage", "min_level"]
            ),
            page=page,
            breadcrumbs=breadcrumbs(
                (_("OZG-Dashboard"), reverse("ozg_monitoring:dashboard")),
                (_("Umsetzungsstände"), ""),
            ),
        )
        # A malformed filter value: the page answers 400 with the error on its field (docs/ARCHITECTURE.md, § 8).
        return self.render_to_response(context, status=200 if filterset.is_valid() else 400)
