"""The federal record sets and their records: read-only lists with filters (the sync writes them, nobody else)."""

import json

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from common.admin_support import ReadOnlyAdminMixin

from .models import FederalRecord, FederalRecordSet


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


class KreisPrefixFilter(admin.SimpleListFilter):
    """By the first five digits of the record's ARS (the Kreis), as the Bund sent it."""

    title = _("Kreis (ARS)")
    parameter_name = "kreis"

    def lookups(self, request, model_admin):
        from organisations import keys
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
