"""The staff tool: catalogue, executing levels, statuses (through the services), read-only history, CSV upload.

Kommune users (staff bound to Verwaltungen, without `accounts.act_for_all_verwaltungen`) see and change only the
statuses and history of their own Verwaltungen, and only their own status imports (accounts.admin_scoping).
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.admin_scoping import VerwaltungScopedAdminMixin, visible_verwaltung_ids
from accounts.selectors import writable_verwaltung_ids
from common.admin_support import HistoryAdmin, ReadOnlyAdminMixin, ServiceErrorsAdminMixin, bulk_result
from common.authorization import ModelRules, Rule
from common.csvfiles import SPREADSHEET, csv_download, csv_file_response
from organisations import selectors as register
from organisations.admin_filters import kreis_filter

from . import admin_panels  # noqa: F401 - its start page panel registers on import
from .history import describe_events
from .models import (
    Basisdienst,
    BrokenLink,
    Fokusleistung,
    ImportJob,
    Lebenslage,
    LeikaLeistung,
    LinkCheck,
    MonthlySnapshot,
    OzgLeistung,
    RolloutPlan,
    RolloutStatus,
    RolloutTarget,
    Stage,
    StatusEvent,
    Themenfeld,
    Zustaendigkeit,
    ZustaendigkeitAusnahme,
)
from .selectors import latest_link_checks, leistungen_without_status
from .services import (
    BULK_LIMIT,
    STATUS_WRITE,
    TRACKED_FIELDS,
    BulkUpsertError,
    import_job_create,
    leistung_level_set,
    managed_entry_save,
    rollout_status_bulk_upsert,
    rollout_status_rule_errors,
    rollout_status_update,
    snapshot_create,
)
from .services.imports import SHOWN_ROWS, import_columns, import_template_text
from .services.linkcheck import LINKCHECK_RUN, linkcheck_enabled, linkcheck_queue
from .services.notifications import stale_before, stale_months
from .services.zustaendigkeit import AUSNAHME, ZUSTAENDIGKEIT, zustaendigkeit_delete, zustaendigkeit_save
from .zustaendigkeit_export import csv_export

#: A status is written (created or changed) under one Rule and never deleted (set it to "nicht geplant").
STATUS_RULES = ModelRules(
    add=STATUS_WRITE,
    change=STATUS_WRITE,
    delete=Rule(action=_("Umsetzungsstand löschen"), perms=("ozg_monitoring.delete_rolloutstatus",)),
)


@admin.register(Themenfeld)
class ThemenfeldAdmin(admin.ModelAdmin):
    list_display = ["catalogue_id", "name"]
    search_fields = ["name"]


@admin.register(Lebenslage)
class LebenslageAdmin(admin.ModelAdmin):
    list_display = ["catalogue_id", "name", "themenfeld"]
    list_filter = ["themenfeld"]
    search_fields = ["name"]


@admin.register(OzgLeistung)
class OzgLeistungAdmin(ServiceErrorsAdminMixin, admin.ModelAdmin):
    list_display = ["ozg_id", "name", "themenfeld", "level", "level_source", "leika_types"]
    list_filter = ["level", "level_source", "themenfeld"]
    list_editable = ["level"]
    search_fields = ["name", "=ozg_id"]
    readonly_fields = ["ozg_id", "leika_types", "level_source"]
    list_select_related = ["themenfeld"]

    def save_model(self, request, obj, form, change):
        if "level" in form.changed_data:  # the service marks it, so that later catalogue imports keep it
            leistung_level_set(leistung=obj, level=obj.level, by=request.user)
        else:
            super().save_model(request, obj, form, change)


@admin.register(LeikaLeistung)
class LeikaLeistungAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "leika_type", "ozg_leistung", "in_leika"]
    list_filter = ["in_leika", "leika_type", ("ozg_leistung", admin.EmptyFieldListFilter)]
    search_fields = ["name", "=key"]
    raw_id_fields = ["ozg_leistung"]
    list_select_related = ["ozg_leistung"]


class ManagedEntryAdmin(admin.ModelAdmin):
    """Entries of the managed lists are saved through `managed_entry_save`: a staff write makes a demo entry real."""

    provenance_fields = ["is_demo", "source_kind", "source_at"]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *self.provenance_fields]

    def save_model(self, request, obj, form, change):
        managed_entry_save(instance=obj, by=request.user)


@admin.register(Fokusleistung)
class FokusleistungAdmin(ManagedEntryAdmin):
    list_display = ["year", "leistung", "note", "is_demo"]
    list_filter = ["year", "is_demo"]
    raw_id_fields = ["leistung"]


@admin.register(Basisdienst)
class BasisdienstAdmin(ManagedEntryAdmin):
    list_display = ["name", "operator", "active", "is_demo"]
    list_filter = ["active", "is_demo"]


class ZustaendigkeitAdminBase(ServiceErrorsAdminMixin, HistoryAdmin):
    """Default rows and exceptions: written through the services (rules, checks, history with the user)."""

    kind = ""
    list_filter = ["level", "evidence", "checked_on"]
    search_fields = ["leistung__name", "=leistung__ozg_id", "leika__name", "=leika__key", "office", "basis"]
    actions = ["export_csv"]

    def save_model(self, request, obj, form, change):
        zustaendigkeit_save(entry=obj, by=request.user)

    def delete_model(self, request, obj):
        zustaendigkeit_delete(entry=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            zustaendigkeit_delete(entry=obj, by=request.user)

    @admin.action(description=_("Ausgewählte als CSV exportieren"), permissions=["view"])
    def export_csv(self, request, queryset):
        return csv_export(self.kind, queryset)


@admin.register(Zustaendigkeit)
class ZustaendigkeitAdmin(ZustaendigkeitAdminBase):
    rules = ZUSTAENDIGKEIT
    kind = "zustaendigkeit"
    list_display = ["leistung", "leika", "level", "office", "evidence", "checked_on"]
    raw_id_fields = ["leistung", "leika"]
    list_select_related = ["leistung", "leika"]


@admin.register(ZustaendigkeitAusnahme)
class ZustaendigkeitAusnahmeAdmin(ZustaendigkeitAdminBase):
    rules = AUSNAHME
    kind = "zustaendigkeit_ausnahmen"
    list_display = ["leistung", "leika", "area", "level", "handled_by", "office", "checked_on"]
    raw_id_fields = ["leistung", "leika", "area", "handled_by"]
    list_select_related = ["leistung", "leika", "area", "handled_by"]
    search_fields = [*ZustaendigkeitAdminBase.search_fields, "area__name", "=area__ars"]


class RolloutTargetInline(admin.TabularInline):
    model = RolloutTarget
    raw_id_fields = ["leistung", "verwaltung"]
    extra = 1


@admin.register(RolloutPlan)
class RolloutPlanAdmin(ManagedEntryAdmin):
    """Saving the plan form (its targets included) is a write of the plan: `save_model` runs on every save."""

    list_display = ["name", "year", "is_demo"]
    list_filter = ["is_demo"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [RolloutTargetInline]


class RolloutStatusForm(forms.ModelForm):
    class Meta:
        model = RolloutStatus
        fields = ["leistung", "verwaltung", *TRACKED_FIELDS]


class StaleStatusFilter(admin.SimpleListFilter):
    """Statuses not changed for STALE_STATUS_MONTHS months: what a Kommune should check (and is reminded of)."""

    title = _("Aktualität")
    parameter_name = "aktualitaet"

    def lookups(self, request, model_admin):
        return [("veraltet", _("seit %(n)d Monaten unverändert") % {"n": stale_months()})]

    def queryset(self, request, queryset):
        if self.value() == "veraltet":
            return queryset.filter(updated_at__lt=stale_before(timezone.now()))
        return queryset


class BulkStageForm(forms.Form):
    note = forms.CharField(
        label=_("Anmerkung"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Wird bei jedem geänderten Umsetzungsstand gespeichert (leer: die Anmerkungen bleiben, wie sie sind). "
            "Pflicht, wenn der Stand damit zurückgesetzt wird."
        ),
    )


def _changes(form) -> dict:
    return {name: form.cleaned_data[name] for name in TRACKED_FIELDS if name in form.changed_data}


@admin.register(RolloutStatus)
class RolloutStatusAdmin(ServiceErrorsAdminMixin, VerwaltungScopedAdminMixin, admin.ModelAdmin):
    form = RolloutStatusForm
    rules = STATUS_RULES
    list_display = [
        "leistung",
        "verwaltung",
        "stage",
        "maturity_model",
        "maturity_level",
        "platform",
        "updated_at",
        "is_demo",
    ]
    list_filter = [
        kreis_filter("verwaltung"),
        ("verwaltung", admin.RelatedOnlyFieldListFilter),
        StaleStatusFilter,
        "leistung__themenfeld",
        "stage",
        "leistung__level",
        "maturity_model",
        "platform",
        "is_demo",
    ]
    search_fields = ["leistung__name", "=leistung__ozg_id", "verwaltung__name", "=verwaltung__ars"]
    #: the filters that choose among Verwaltungen: not shown to a user who sees only one
    verwaltung_filters = 2
    raw_id_fields = ["leistung", "verwaltung", "provider"]
    list_select_related = ["leistung", "verwaltung"]
    readonly_fields = ["version", "created_at", "updated_at", "is_demo", "source_kind", "source_at"]
    actions = ["mark_geplant", "mark_in_umsetzung", "export_csv", "check_links"]
    date_hierarchy = "updated_at"

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "leistung", "verwaltung"] if obj else fields

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        visible = visible_verwaltung_ids(request)
        if visible is not None and len(visible) <= 1:  # bound to one Verwaltung: nothing to choose by Kreis
            return filters[self.verwaltung_filters :]
        return filters

    def rule_errors(self, request, form):
        """The service's rules for the change as typed (a backward step needs a note, ...), on the fields."""
        status = form.instance
        if status.pk:
            current = RolloutStatus.objects.select_related("verwaltung").get(pk=status.pk)
        elif status.leistung_id and status.verwaltung_id:
            current = RolloutStatus(leistung=status.leistung, verwaltung=status.verwaltung, version=0)
        else:
            return {}
        return rollout_status_rule_errors(current=current, changes=_changes(form))

    def save_model(self, request, obj, form, change):
        if change:
            saved = rollout_status_update(status=obj, changes=_changes(form), by=request.user)
        else:
            saved = rollout_status_update(
                leistung=obj.leistung,
                verwaltung=obj.verwaltung,
                changes=_changes(form),
                by=request.user,
            )
        obj.pk, obj.version = saved.pk, saved.version

    def has_delete_permission(self, request, obj=None):
        return False  # a status with history is never deleted; set it to "nicht geplant" instead

    def get_urls(self):
        return [
            path(
                "ohne-stand/",
                self.admin_site.admin_view(self.missing_view),
                name="ozg_monitoring_rolloutstatus_missing",
            ),
            *super().get_urls(),
        ]

    def missing_view(self, request):
        """ "Leistungen ohne Stand": per Verwaltung of the user (or the one chosen with `verwaltung`, among those
        the user sees), the Leistungen it is responsible for by the recorded Zuständigkeit without a status
        (`selectors.leistungen_without_status`), with a link to enter each."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        visible = visible_verwaltung_ids(request)
        chosen, error = request.GET.get("verwaltung", "").strip(), ""
        ids = set(visible or ())
        if chosen:
            if not chosen.isdigit() or (visible is not None and int(chosen) not in visible):
                error = _("Verwaltung: Diese Verwaltung gibt es nicht oder Sie sehen ihre Stände nicht.")
                ids = set()
            else:
                ids = {int(chosen)}
        missing = leistungen_without_status(ids)
        leistungen = {
            leistung.pk: leistung
            for leistung in OzgLeistung.objects.filter(pk__in=set().union(*missing.values())).order_by("ozg_id")
        }
        add_url = reverse("admin:ozg_monitoring_rolloutstatus_add") if self.has_add_permission(request) else ""
        import_admin = self.admin_site._registry.get(ImportJob)
        import_url = (
            reverse("admin:ozg_monitoring_importjob_add")
            if import_admin is not None and import_admin.has_add_permission(request)
            else ""
        )
        groups = [
            {
                "verwaltung": verwaltung,
                "leistungen": sorted(
                    (leistungen[pk] for pk in missing[verwaltung.pk] if pk in leistungen), key=lambda item: item.ozg_id
                ),
            }
            for verwaltung in sorted(register.bodies_by_keys(ids=ids), key=lambda body: body.ars or "")
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Leistungen ohne Umsetzungsstand"),
            "opts": self.opts,
            "groups": groups,
            "error": error,
            "choose": visible is None and not chosen,
            "add_url": add_url,
            "import_url": import_url,
        }
        return TemplateResponse(
            request, "ozg_monitoring/admin/missing_statuses.html", context, status=400 if error else 200
        )

    def _bulk_stage(self, request, queryset, stage):
        """The intermediate page asks for a note; then every selected status is set (all of them, in chunks of the
        service's limit, all or nothing), and the message says how many changed and why not the others."""
        form = BulkStageForm(request.POST if "apply" in request.POST else None)
        selected = queryset.count()
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": _("Stand auf „%(stage)s“ setzen") % {"stage": Stage(stage).label},
                "opts": self.model._meta,
                "form": form,
                "selected": selected,
                "stage_label": Stage(stage).label,
                "action": request.POST.get("action", ""),
                "select_across": request.POST.get("select_across", "0"),
                "selected_ids": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
                "index": request.POST.get("index", "0"),
            }
            return TemplateResponse(request, "ozg_monitoring/admin/bulk_stage.html", context)
        note = form.cleaned_data["note"]
        items = [
            {"ozg_id": ozg_id, "ars": ars, "stage": stage, **({"note": note} if note else {})}
            for ozg_id, ars in queryset.order_by("pk").values_list("leistung__ozg_id", "verwaltung__ars")
        ]
        updated = unchanged = 0
        try:
            with transaction.atomic():
                for start in range(0, len(items), BULK_LIMIT):
                    result = rollout_status_bulk_upsert(items=items[start : start + BULK_LIMIT], by=request.user)
                    updated, unchanged = updated + result.updated, unchanged + result.unchanged
        except BulkUpsertError as error:
            first = error.errors[0]
            message = _(
                "Nichts geändert: %(n)d von %(selected)d ausgewählten Einträgen verletzen Regeln, "
                "z. B. %(ozg)s/%(ars)s: %(msg)s"
            )
            details = "; ".join(str(text) for texts in first["errors"].values() for text in texts)
            values = {
                "n": len(error.errors),
                "selected": selected,
                "ozg": first.get("ozg_id"),
                "ars": first.get("ars"),
                "msg": details,
            }
            messages.error(request, message % values)
            return None
        text = _("%(updated)d von %(selected)d ausgewählten Umsetzungsständen auf „%(stage)s“ gesetzt.") % {
            "updated": updated,
            "selected": selected,
            "stage": Stage(stage).label,
        }
        if unchanged:
            text += " " + _("%(n)d hatten diesen Stand schon und blieben unverändert.") % {"n": unchanged}
        messages.success(request, text)
        return None

    @admin.action(description=_("Stand auf „geplant“ setzen"), permissions=["change"])
    def mark_geplant(self, request, queryset):
        return self._bulk_stage(request, queryset, Stage.GEPLANT)

    @admin.action(description=_("Stand auf „in Umsetzung“ setzen"), permissions=["change"])
    def mark_in_umsetzung(self, request, queryset):
        return self._bulk_stage(request, queryset, Stage.IN_UMSETZUNG)

    def has_linkcheck_permission(self, request):
        return LINKCHECK_RUN.allows(request.user)

    @admin.action(description=_("Links der Verwaltungen der Auswahl prüfen"), permissions=["linkcheck"])
    def check_links(self, request, queryset):
        if not linkcheck_enabled():
            messages.warning(request, _("Die Linkprüfung ist ausgeschaltet (Einstellung LINKCHECK_ENABLED)."))
            return
        verwaltungen = register.verwaltungen_and_land().filter(pk__in=queryset.values("verwaltung")).order_by("ars")
        try:
            queued = linkcheck_queue(verwaltungen=verwaltungen, by=request.user)
        except PermissionDenied as error:
            messages.error(request, str(error))
            return
        messages.success(
            request,
            _(
                "Linkprüfung für %(n)d Verwaltungen angestoßen (alle Verwaltungen der %(selected)d ausgewählten "
                "Umsetzungsstände); die Ergebnisse stehen unter „Nicht erreichbare Links“."
            )
            % {"n": queued, "selected": queryset.count()},
        )

    @admin.action(description=_("Ausgewählte als CSV exportieren"), permissions=["view"])
    def export_csv(self, request, queryset):
        # notes and URLs are typed by Kommunen: formula-safe (SPREADSHEET); the upload takes the file back as it is
        response, writer = csv_download("umsetzungsstaende.csv", dialect=SPREADSHEET)
        writer.writerow(["ozg_id", "ars", *[name for name in TRACKED_FIELDS if name != "provider"], "version"])
        for status in queryset.select_related("leistung", "verwaltung"):
            writer.writerow(
                [
                    status.leistung.ozg_id,
                    status.verwaltung.ars,
                    *[getattr(status, name) or "" for name in TRACKED_FIELDS if name != "provider"],
                    status.version,
                ]
            )
        return response


@admin.register(StatusEvent)
class StatusEventAdmin(VerwaltungScopedAdminMixin, admin.ModelAdmin):
    """The history is immutable: no add, change or delete, not even for superusers."""

    list_display = [
        "changed_at",
        "leistung",
        "verwaltung",
        "action",
        "changes_display",
        "channel",
        "source_kind",
        "changed_by",
    ]
    list_filter = ["channel", "source_kind", "action", "leistung__themenfeld"]
    search_fields = ["leistung__name", "=leistung__ozg_id", "verwaltung__name", "=verwaltung__ars"]
    list_select_related = ["leistung", "verwaltung", "changed_by"]
    date_hierarchy = "changed_at"
    fields = [
        "status",
        "leistung",
        "verwaltung",
        "action",
        "changes_display",
        "changed_by",
        "changed_at",
        "channel",
        "source_kind",
        "old_values",
        "new_values",
    ]
    readonly_fields = ["changes_display"]

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        changelist.result_list = describe_events(changelist.result_list)  # the page's providers in one query
        return changelist

    @admin.display(description=_("Änderung"))
    def changes_display(self, event):
        if not hasattr(event, "changes_text"):
            describe_events([event])
        return event.changes_text

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MonthlySnapshot)
class MonthlySnapshotAdmin(admin.ModelAdmin):
    list_display = ["date", "statuses", "online", "leistungen_online", "is_demo", "created_at"]
    readonly_fields = ["date", "statuses", "online", "leistungen_online", "aggregates", "is_demo", "created_at"]
    actions = ["recompute"]

    # The time series: recomputed by the action, never removed.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Ausgewählte Monatsstände neu berechnen"), permissions=["change"])
    def recompute(self, request, queryset):
        done = 0
        for snapshot in queryset.order_by("date"):
            snapshot_create(date=snapshot.date, by=request.user)
            done += 1
        bulk_result(self, request, selected=done, done=done, items=_("Monatsständen"), what=_("neu berechnet"))


IMPORT_MAX_BYTES_DEFAULT = 5 * 1024 * 1024  # settings.OZG_IMPORT_MAX_BYTES overrides it


class ImportJobForm(forms.ModelForm):
    class Meta:
        model = ImportJob
        fields = ["file", "dry_run"]
        help_texts = {
            "file": _(
                "CSV (UTF-8 mit oder ohne BOM, Komma oder Semikolon) mit den Spalten ozg_id, ars und beliebigen "
                "weiteren aus der Spaltenübersicht unten. Leere Zellen bleiben unverändert."
            )
        }

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise ValidationError(_("Bitte eine CSV-Datei hochladen."))
        limit = getattr(settings, "OZG_IMPORT_MAX_BYTES", IMPORT_MAX_BYTES_DEFAULT)
        if upload.size > limit:
            raise ValidationError(_("Die Datei ist zu groß (höchstens %(mb)s MB).") % {"mb": limit // (1024 * 1024)})
        return upload


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    form = ImportJobForm
    add_form_template = "ozg_monitoring/admin/importjob_add.html"
    list_display = [
        "job_link",
        "created_at",
        "uploaded_by",
        "dry_run",
        "state",
        "total_rows",
        "created_count",
        "updated_count",
        "unchanged_count",
        "error_count",
    ]
    list_display_links = None  # the job's page (state, counts, errors, report) is the link, not a change form
    list_filter = ["state", "dry_run"]
    list_select_related = ["uploaded_by"]

    @admin.display(description=_("Import"), ordering="pk")
    def job_link(self, job):
        return format_html('<a href="{}">{}</a>', job.get_absolute_url(), _("Import %(pk)s") % {"pk": job.pk})

    def has_add_permission(self, request):
        """A user who may report for no Verwaltung (a reading membership only) has nothing to upload."""
        if not super().has_add_permission(request):
            return False
        allowed = writable_verwaltung_ids(request.user)
        return allowed is None or bool(allowed)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the record of an import (who, when, what it changed) stays

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if writable_verwaltung_ids(request.user) is None:
            return queryset
        return queryset.filter(uploaded_by=request.user)  # Kommune users see their own imports only

    def _job(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(self.get_queryset(request), pk=pk)

    def get_urls(self):
        return [
            path(
                "<int:pk>/fortschritt/",
                self.admin_site.admin_view(self.progress_view),
                name="ozg_monitoring_importjob_progress",
            ),
            path(
                "<int:pk>/fehlerbericht.csv",
                self.admin_site.admin_view(self.report_view),
                name="ozg_monitoring_importjob_report",
            ),
            path(
                "vorlage.csv",
                self.admin_site.admin_view(self.template_view),
                name="ozg_monitoring_importjob_template",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The job opened from the list or history: its page with state, counts, errors and report."""
        job = self._job(request, object_id)
        return redirect("admin:ozg_monitoring_importjob_progress", job.pk)

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "columns": import_columns(),
            "template_url": reverse("admin:ozg_monitoring_importjob_template"),
        }
        return super().add_view(request, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        job = import_job_create(
            file=form.cleaned_data["file"], dry_run=form.cleaned_data.get("dry_run", False), by=request.user
        )
        obj.pk = job.pk

    def response_add(self, request, obj, post_url_continue=None):
        return redirect("admin:ozg_monitoring_importjob_progress", obj.pk)

    def progress_view(self, request, pk):
        job = self._job(request, pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Statusimport %(pk)s") % {"pk": job.pk},
            "job": job,
            "opts": self.model._meta,
            "refresh": job.state in (ImportJob.State.PENDING, ImportJob.State.RUNNING),
            "report_url": reverse("admin:ozg_monitoring_importjob_report", args=[job.pk]),
            "shown_limit": SHOWN_ROWS,
        }
        return TemplateResponse(request, "ozg_monitoring/admin/importjob_progress.html", context)

    def report_view(self, request, pk):
        job = self._job(request, pk)
        return csv_file_response(f"statusimport-{job.pk}-fehler.csv", job.error_report, dialect=SPREADSHEET)

    def template_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return csv_file_response("statusimport-vorlage.csv", import_template_text(), dialect=SPREADSHEET)


LinkCheckKreisFilter = kreis_filter("status__verwaltung")


class LatestCheckFilter(admin.SimpleListFilter):
    title = _("Stand")
    parameter_name = "stand"

    def lookups(self, request, model_admin):
        return [("letzter", _("nur die letzte Prüfung je Umsetzungsstand"))]

    def queryset(self, request, queryset):
        if self.value() == "letzter":
            return queryset.filter(pk__in=latest_link_checks().values("pk"))
        return queryset


class ReadOnlyLinkCheckAdmin(ReadOnlyAdminMixin, VerwaltungScopedAdminMixin, admin.ModelAdmin):
    """Results of the link checker: read, never written here (the checker writes them)."""

    verwaltung_field = "status__verwaltung"
    list_display = ["checked_at", "verwaltung", "leistung", "url", "ok", "http_status", "error", "duration_ms"]
    list_select_related = ["status__verwaltung", "status__leistung"]
    search_fields = ["url", "status__verwaltung__name", "=status__verwaltung__ars", "=status__leistung__ozg_id"]
    readonly_fields = ["status", "url", "checked_at", "ok", "http_status", "error", "final_url", "duration_ms"]
    date_hierarchy = "checked_at"

    @admin.display(description=_("Verwaltung"), ordering="status__verwaltung__ars")
    def verwaltung(self, obj):
        return obj.status.verwaltung

    @admin.display(description=_("OZG-Leistung"), ordering="status__leistung__ozg_id")
    def leistung(self, obj):
        return obj.status.leistung


@admin.register(LinkCheck)
class LinkCheckAdmin(ReadOnlyLinkCheckAdmin):
    list_filter = [
        LatestCheckFilter,
        "ok",
        LinkCheckKreisFilter,
        ("status__verwaltung", admin.RelatedOnlyFieldListFilter),
    ]


@admin.register(BrokenLink)
class BrokenLinkAdmin(ReadOnlyLinkCheckAdmin):
    """Per Verwaltung: the statuses whose last check failed (sorted by Verwaltung; filter by Kreis or Verwaltung)."""

    list_display = ["verwaltung", "leistung", "url", "http_status", "error", "checked_at"]
    list_filter = [LinkCheckKreisFilter, ("status__verwaltung", admin.RelatedOnlyFieldListFilter)]
    ordering = ["status__verwaltung__ars", "status__leistung__ozg_id"]
    date_hierarchy = None

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=latest_link_checks().values("pk"), ok=False)
