"""Staff tool for the register: search by name and key, filters by kind and Kreis, the hierarchy on each record,
history. Territorial bodies come from the Destatis import: their keys, kind and hierarchy are read-only here."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from common.admin_support import HistoryAdmin
from common.csvfiles import SPREADSHEET, csv_download

from . import services
from .admin_filters import kreis_filter
from .models import Organisation
from .selectors import member_count_subquery

Kind = Organisation.Kind
IMPORTED_FIELDS = (
    "kind",
    "name",
    "ars",
    "ags",
    "official_type",
    "parent",
    "kreis",
    "amt",
    "verwaltung",
    "seat",
    "postal_code",
    "population",
    "area_km2",
    "territory_as_of",
)


def autocomplete_label(body: Organisation) -> str:
    """How a body is offered in the admin's autocompletes: "Name (Art, ARS)", so that an Amt and its seat, or two
    Gemeinden of one name, are told apart."""
    return f"{body.display_name} ({body.get_kind_display()}, {body.ars or _('ohne ARS')})"


def admin_link(body: Organisation | None):
    if body is None:
        return "–"
    url = reverse("admin:organisations_organisation_change", args=[body.pk])
    return format_html('<a href="{}">{}</a>', url, body.display_name)


class MemberInline(admin.TabularInline):
    """The Gemeinden of an Amt (read-only; membership comes from the import)."""

    model = Organisation
    fk_name = "amt"
    verbose_name = _("Gemeinde des Amts")
    verbose_name_plural = _("Gemeinden des Amts")
    fields = ("name", "ags", "ars", "postal_code", "population", "area_km2")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ("name",)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Organisation)
class OrganisationAdmin(HistoryAdmin):
    list_display = ("display_name", "kind", "ars", "ags", "postal_code", "kreis", "amt", "population")
    list_filter = ("kind", kreis_filter())
    search_fields = ("name", "short_name", "search_name", "^ars", "^ags", "=postal_code", "slug")
    list_select_related = ("kreis", "amt")
    ordering = ("ars", "slug")
    list_per_page = 100
    actions = ["export_csv"]
    readonly_fields = ("hierarchy", "served_gemeinden_list", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("kind", "name", "short_name", "slug", "official_type", "website")}),
        (_("Schlüssel"), {"fields": ("ars", "ags")}),
        (_("Einordnung"), {"fields": ("hierarchy", "parent", "kreis", "amt", "verwaltung", "served_gemeinden_list")}),
        (_("Sitz und Zahlen"), {"fields": ("seat", "postal_code", "population", "area_km2", "territory_as_of")}),
        (_("Verwaltung"), {"fields": ("created_at", "updated_at")}),
    )
    raw_id_fields = ("parent", "kreis", "amt", "verwaltung")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=member_count_subquery())

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.is_territorial:
            readonly += [field for field in IMPORTED_FIELDS if field not in readonly] + ["slug"]
        return readonly

    def get_inlines(self, request, obj):
        return [MemberInline] if obj is not None and obj.kind == Kind.AMT else []

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_territorial:
            return False  # imported from Destatis; other records point at it
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        services.organisation_save(organisation=obj, by=request.user)

    @admin.display(description=_("Hierarchie"))
    def hierarchy(self, obj):
        if obj.pk is None:
            return "–"
        rows = [
            (_("Übergeordnet"), admin_link(obj.parent)),
            (_("Kreis"), admin_link(obj.kreis)),
            (_("Amt"), admin_link(obj.amt)),
            (_("Zuständige Verwaltung"), admin_link(obj.verwaltung)),
        ]
        if obj.kind == Kind.AMT:
            rows.append((_("Gemeinden"), str(getattr(obj, "member_count", obj.member_gemeinden.count()))))
        public = format_html('<a href="{}">{}</a>', obj.get_absolute_url(), _("öffentliche Seite"))
        return format_html("<dl>{}</dl><p>{}</p>", format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows), public)

    @admin.display(description=_("Bediente Gemeinden"))
    def served_gemeinden_list(self, obj):
        if obj.pk is None or not obj.is_verwaltung:
            return "–"
        served = Organisation.objects.filter(verwaltung=obj).exclude(pk=obj.pk).order_by("name")
        if not served:
            return _("nur sich selbst") if obj.verwaltung_id == obj.pk else "–"
        return format_html_join(", ", "{}", ((admin_link(body),) for body in served))

    @admin.action(description=_("Ausgewählte als CSV exportieren"), permissions=["view"])
    def export_csv(self, request, queryset):
        response, writer = csv_download("register.csv", dialect=SPREADSHEET)
        writer.writerow(["kind", "slug", "ars", "ags", "name", "kreis_ars", "amt_ars", "verwaltung_ars", "population"])
        for body in queryset.select_related("kreis", "amt", "verwaltung"):
            writer.writerow(
                [
                    body.kind,
                    body.slug,
                    body.ars or "",
                    body.ags or "",
                    body.name,
                    body.kreis.ars if body.kreis_id else "",
                    body.amt.ars if body.amt_id else "",
                    body.verwaltung.ars if body.verwaltung_id else "",
                    "" if body.population is None else body.population,
                ]
            )
        return response
