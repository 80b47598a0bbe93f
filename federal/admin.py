"""The federal record sets and their records: read-only lists with filters (the sync writes them, nobody else);
the reconciliation of a record set with our statuses (a read-only list with filters and counts) and its two writes,
adoption and explanation, each a page of its own that calls the service; the explained differences (read-only, with
history)."""

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from common.admin_support import ReadOnlyAdminMixin
from organisations import keys
from organisations.admin_filters import kreis_filter
from ozg_monitoring.services import BulkUpsertError

from .filters import ReconciliationFilter, reconciliation_filters
from .models import FederalRecord, FederalRecordSet, ReconciliationNote
from .reconciliation import Classification, Reason, counts_data, counts_of, filter_rows, reconciliation, row_data
from .selectors import latest_record_set
from .services import (
    FEDERAL_ADOPT,
    RECONCILIATION_EXPLAIN,
    RECONCILIATION_READ,
    SKIP_REASONS,
    PairErrors,
    federal_adopt,
    reconciliation_explain,
)

ROWS_PER_PAGE = 100


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass


@admin.register(FederalRecordSet)
class FederalRecordSetAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "started_at",
        "finished_at",
        "kind",
        "status",
        "received",
        "kept",
        "kept_unresolved",
        "skipped",
        "source",
    ]
    list_filter = ["status", "kind"]
    date_hierarchy = "started_at"
    fields = [
        "kind",
        "source",
        "requested_ars",
        "status",
        "error",
        "started_at",
        "finished_at",
        "started_by",
        "received",
        "kept",
        "kept_unresolved",
        "skipped",
        "report_shown",
    ]
    readonly_fields = fields

    @admin.display(description=_("Bericht"))
    def report_shown(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.report, ensure_ascii=False, indent=2))

    @admin.display(description=_("Abgleich"))
    def reconciliation_link(self, obj):
        if obj.status != FederalRecordSet.Status.DONE:
            return "–"
        url = reverse("admin:federal_federalrecordset_reconciliation", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Abgleich"))

    def get_list_display(self, request):
        return [*super().get_list_display(request), "reconciliation_link"]

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/abgleich/", view(self.reconciliation_view), name="federal_federalrecordset_reconciliation"),
            path(
                "<int:pk>/abgleich/uebernehmen/",
                view(self.adopt_view),
                name="federal_federalrecordset_reconciliation_adopt",
            ),
            path(
                "<int:pk>/abgleich/erklaeren/",
                view(self.explain_view),
                name="federal_federalrecordset_reconciliation_explain",
            ),
            *super().get_urls(),
        ]

    # --- the reconciliation ---------------------------------------------------------------------------------

    def _record_set(self, request, pk) -> FederalRecordSet:
        RECONCILIATION_READ.require(request.user)
        return get_object_or_404(FederalRecordSet, pk=pk, status=FederalRecordSet.Status.DONE)

    def _context(self, request, record_set, title) -> dict:
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "record_set": record_set,
            "reconciliation_url": reverse("admin:federal_federalrecordset_reconciliation", args=[record_set.pk]),
        }

    def reconciliation_view(self, request, pk):
        record_set = self._record_set(request, pk)
        query = request.GET.copy()
        page_number = query.pop("p", ["1"])[-1]
        filters = ReconciliationFilter.checked(query)
        result = reconciliation(record_set)
        valid = filters.is_valid()
        rows = filter_rows(result, **reconciliation_filters(filters)) if valid else []
        page = Paginator(rows, ROWS_PER_PAGE).get_page(page_number)
        newest = latest_record_set()
        is_newest = newest is not None and newest.pk == record_set.pk
        context = self._context(request, record_set, _("Abgleich mit dem Bundes-Dashboard"))
        context.update(
            {
                "filters": filters,
                "valid": valid,
                "choices": {
                    "classification": Classification.choices,
                    "reason": Reason.choices,
                    "kreis": sorted(result.kreise.items(), key=lambda item: item[1]),
                    "themenfeld": sorted(result.themenfelder.values()),
                },
                "selected": {name: query.get(name, "") for name in ("classification", "reason", "kreis", "themenfeld")},
                "selected_explained": query.get("explained", ""),
                **_count_tables(counts_data(result, counts_of(rows)), counts_data(result, result.counts)),
                "page": page,
                "rows": [row_data(result, row) | {"key": row.key, "pair": bool(row.leistung_id)} for row in page],
                "query": query.urlencode(),
                "is_newest": is_newest,
                "newest": newest,
                "can_adopt": is_newest and FEDERAL_ADOPT.allows(request.user),
                "can_explain": is_newest and RECONCILIATION_EXPLAIN.allows(request.user),
                "adopt_url": reverse("admin:federal_federalrecordset_reconciliation_adopt", args=[record_set.pk]),
                "explain_url": reverse("admin:federal_federalrecordset_reconciliation_explain", args=[record_set.pk]),
            }
        )
        return TemplateResponse(request, "admin/federal/reconciliation.html", context)

    def _chosen(self, request, record_set) -> tuple[list, str]:
        """The pairs the staff member chose: the ticked rows (`pair` = "ars:ozg_id"), or with `alle` every row of
        the filter `query`; and the filter's query string."""
        data = request.POST if request.method == "POST" else request.GET
        query = data.get("query", "")
        if data.get("alle"):
            filters = ReconciliationFilter.checked(QueryDict(query))
            if not filters.is_valid():
                return [], query
            rows = filter_rows(reconciliation(record_set), **reconciliation_filters(filters))
            return [(row.ars, row.ozg_id) for row in rows if row.leistung_id], query
        pairs = []
        for value in data.getlist("pair"):
            ars, _sep, ozg_id = value.partition(":")
            if keys.is_ars(ars) and ozg_id.isdigit() and len(ozg_id) < 10:
                pairs.append((ars, int(ozg_id)))
        return pairs, query

    def _back(self, record_set, query):
        url = reverse("admin:federal_federalrecordset_reconciliation", args=[record_set.pk])
        return redirect(f"{url}?{query}" if query else url)

    def _write_page(self, request, pk, rule, title, template):
        record_set = self._record_set(request, pk)
        rule.require(request.user)
        newest = latest_record_set()
        if newest is None or newest.pk != record_set.pk:
            raise PermissionDenied(_gettext("Übernehmen und Erklären gehen nur im Abgleich des neuesten Datensatzes."))
        pairs, query = self._chosen(request, record_set)
        context = self._context(request, record_set, title)
        context.update({"pairs": pairs, "query": query, "alle": bool((request.POST or request.GET).get("alle"))})
        return record_set, pairs, query, context

    def adopt_view(self, request, pk):
        record_set, pairs, query, context = self._write_page(
            request, pk, FEDERAL_ADOPT, _("Bundes-Dashboard übernehmen"), "adopt"
        )
        if request.method == "POST" and request.POST.get("confirm") and pairs:
            try:
                result = federal_adopt(by=request.user, pairs=pairs)
            except PairErrors as error:
                self.message_user(request, error.messages[0], messages.ERROR)
            except BulkUpsertError as error:
                self.message_user(request, str(error), messages.ERROR)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                skipped = ", ".join(f"{SKIP_REASONS[reason]}: {n}" for reason, n in result.skipped.items())
                text = _gettext("%(n)d Umsetzungsstände übernommen (Quelle Bundes-Dashboard).") % {"n": result.adopted}
                if skipped:
                    text += " " + _gettext("Nicht übernommen: %(list)s.") % {"list": skipped}
                self.message_user(request, text, messages.SUCCESS)
            return self._back(record_set, query)
        return TemplateResponse(request, "admin/federal/reconciliation_adopt.html", context)

    def explain_view(self, request, pk):
        record_set, pairs, query, context = self._write_page(
            request, pk, RECONCILIATION_EXPLAIN, _("Abweichungen als erklärt markieren"), "explain"
        )
        note = request.POST.get("note", "") if request.method == "POST" else ""
        if request.method == "POST" and request.POST.get("confirm") and pairs:
            try:
                result = reconciliation_explain(by=request.user, pairs=pairs, note=note)
            except PairErrors as error:
                self.message_user(request, error.messages[0], messages.ERROR)
            except ValidationError as error:
                context["error"] = " ".join(error.messages)
                context["note"] = note
                return TemplateResponse(request, "admin/federal/reconciliation_explain.html", context)
            else:
                self.message_user(
                    request,
                    _gettext("%(n)d Abweichungen als erklärt markiert, %(s)d übereinstimmende übersprungen.")
                    % {"n": result.created + result.updated, "s": result.skipped},
                    messages.SUCCESS,
                )
            return self._back(record_set, query)
        context["note"] = note
        return TemplateResponse(request, "admin/federal/reconciliation_explain.html", context)


def _count_tables(counts: dict, all_counts: dict) -> dict:
    """The counts as rows of the page's tables (classification: all and selection; reasons; per Kreis and
    Themenfeld: total and one cell per classification)."""
    values = Classification.values
    return {
        "counts": counts,
        "all_counts": all_counts,
        "class_rows": [
            (label, all_counts["classifications"][value], counts["classifications"][value])
            for value, label in Classification.choices
        ],
        "reason_rows": [(label, counts["reasons"][value]) for value, label in Reason.choices],
        "kreis_rows": [(entry["name"], entry["total"], [entry[v] for v in values]) for entry in counts["kreise"]],
        "themenfeld_rows": [
            (entry["name"], entry["total"], [entry[v] for v in values]) for entry in counts["themenfelder"]
        ],
    }


class KreisPrefixFilter(admin.SimpleListFilter):
    """By the first five digits of the record's ARS (the Kreis), as the Bund sent it."""

    title = _("Kreis (ARS)")
    parameter_name = "kreis"

    def lookups(self, request, model_admin):
        from organisations.selectors import kreisebene

        return [(keys.kreis_key(org.ars), org.name) for org in kreisebene()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(ars__startswith=self.value())
        return queryset


@admin.register(FederalRecord)
class FederalRecordAdmin(ReadOnlyAdmin):
    list_display = [
        "record_set",
        "position",
        "ars",
        "ars_name",
        "ozgid",
        "ozg_bezeichnung",
        "leika_key",
        "online_status",
        "aktiv",
        "art_flaechendeckung",
        "rule",
    ]
    list_filter = ["rule", "online_status", "aktiv", "art_flaechendeckung", KreisPrefixFilter, "record_set"]
    search_fields = ["=ars", "ars_name", "=ozgid", "ozg_bezeichnung", "=leika_key", "leika_name", "url"]
    list_select_related = ["record_set"]
    show_full_result_count = False
    readonly_fields = [field.name for field in FederalRecord._meta.fields]


@admin.register(ReconciliationNote)
class ReconciliationNoteAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """The explained differences: written only through the reconciliation's page or API (`reconciliation_explain`)."""

    list_display = ["verwaltung", "leistung", "note", "classification", "explained_by", "explained_at"]
    list_filter = ["classification", kreis_filter("verwaltung")]
    search_fields = ["=verwaltung__ars", "verwaltung__name", "=leistung__ozg_id", "leistung__name", "note"]
    list_select_related = ["verwaltung", "leistung", "explained_by"]
    readonly_fields = [field.name for field in ReconciliationNote._meta.fields]
