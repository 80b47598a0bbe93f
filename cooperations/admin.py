"""Staff tool for agreements: inlines for every part, filters, search, CSV export, history. Every save goes
through the services, so the admin enforces the same rules as the API and the loader."""

import datetime

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.admin_support import HistoryAdmin, ServiceErrorsAdminMixin
from common.csvfiles import SPREADSHEET, csv_download

from . import services
from .admin_filters import ObligationDueFilter
from .models import (
    Agreement,
    AgreementParty,
    Amendment,
    Measure,
    Milestone,
    Obligation,
    ReminderLog,
    Signatory,
    Source,
    Topic,
    Wahlperiode,
)


class TermFilter(admin.SimpleListFilter):
    title = _("Laufzeit")
    parameter_name = "term"

    def lookups(self, request, model_admin):
        return [
            ("running", _("läuft heute")),
            ("ending90", _("endet in den nächsten 90 Tagen")),
            ("ended", _("Ende erreicht")),
            ("open", _("ohne bekanntes Ende")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "running":
            return queryset.in_force(on=today)
        if self.value() == "ending90":
            return queryset.ending_between(today, today + datetime.timedelta(days=90))
        if self.value() == "ended":
            return queryset.filter(term_end__lt=today)
        if self.value() == "open":
            return queryset.filter(term_end__isnull=True)
        return queryset


def submitted_party_ids(formsets, agreement) -> set[int]:
    """The organisations of the parties as typed in the party inline (kept rows, not marked for deletion), or the
    saved parties where the form has no party inline (a user without the permission)."""
    parties = formsets.get(AgreementParty)
    if parties is None or not parties.is_valid():
        return set(agreement.parties.values_list("organisation_id", flat=True)) if agreement.pk else set()
    return {
        form.cleaned_data["organisation"].pk
        for form in parties.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("organisation")
    }


class RuleInlineFormSet(forms.BaseInlineFormSet):
    """Each kept row is checked with the service's rule (`row_errors`), and the messages go on the row."""

    def row_errors(self, form) -> dict:
        return {}

    def clean(self):
        super().clean()
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            for field, messages_ in self.row_errors(form).items():
                form.add_error(field if field in form.fields else None, messages_)


class MeasureInlineFormSet(RuleInlineFormSet):
    def row_errors(self, form):
        return services.measure_rule_errors(form.instance, self.instance)


class ObligationInlineFormSet(RuleInlineFormSet):
    def row_errors(self, form):
        return services.obligation_rule_errors(
            form.instance, party_ids=submitted_party_ids(self.agreement_formsets, self.instance)
        )


class PartyInline(admin.TabularInline):
    model = AgreementParty
    raw_id_fields = ["organisation"]
    extra = 0


class SignatoryInline(admin.TabularInline):
    model = Signatory
    raw_id_fields = ["organisation"]
    extra = 0


class ObligationInline(admin.TabularInline):
    model = Obligation
    formset = ObligationInlineFormSet
    raw_id_fields = ["obligor"]
    extra = 0


class MeasureInline(admin.StackedInline):
    model = Measure
    formset = MeasureInlineFormSet
    raw_id_fields = ["lead", "participants"]
    extra = 0
    show_change_link = True


class AmendmentInline(admin.TabularInline):
    model = Amendment
    extra = 0


class SourceInline(admin.StackedInline):
    model = Source
    extra = 0


def export_csv(modeladmin, request, queryset):
    """CSV of the chosen agreements ("select all" takes the whole filtered list)."""
    response, writer = csv_download("vereinbarungen.csv", dialect=SPREADSHEET)
    writer.writerow(
        ["Kennung", "Titel", "Art", "Status", "Parteien", "Themenfelder", "unterzeichnet", "Beginn", "Ende"]
    )
    for agreement in queryset.prefetch_related("parties__organisation", "topics"):
        writer.writerow(
            [
                agreement.slug,
                agreement.title,
                agreement.get_kind_display(),
                agreement.get_status_display(),
                ", ".join(party.organisation.name for party in agreement.parties.all()),
                ", ".join(topic.name for topic in agreement.topics.all()),
                agreement.signed_on_display,
                agreement.term_start or "",
                agreement.term_end or "",
            ]
        )
    return response


export_csv.short_description = _("Ausgewählte als CSV exportieren")
export_csv.allowed_permissions = ("view",)


@admin.register(Agreement)
class AgreementAdmin(ServiceErrorsAdminMixin, HistoryAdmin):
    rules = services.AGREEMENT
    list_display = ["title", "kind", "status", "signed_on", "term_start", "term_end", "responsible"]
    list_filter = ["kind", "status", ("parties__organisation", admin.RelatedOnlyFieldListFilter), "topics", TermFilter]
    search_fields = ["title", "slug", "summary", "reference", "parties__organisation__name", "signatories__name"]
    autocomplete_fields = ["predecessor", "responsible"]
    filter_horizontal = ["topics"]
    readonly_fields = ["term_start", "term_end", "created_at", "updated_at", "source_kind", "source_at"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [PartyInline, SignatoryInline, ObligationInline, MeasureInline, AmendmentInline, SourceInline]
    actions = [export_csv]
    fieldsets = [
        (None, {"fields": ["slug", "kind", "title", "reference", "summary", "status", "responsible"]}),
        (
            _("Daten und Laufzeit"),
            {
                "fields": [
                    "announced_on",
                    ("signed_on", "signed_on_precision", "signed_date_unknown"),
                    ("effective_from", "effective_from_precision"),
                    "term_kind",
                    ("end_on", "duration_years", "wahlperiode"),
                    ("term_start", "term_end"),
                    "predecessor",
                    "unknowns_note",
                ]
            },
        ),
        (_("Themenfelder"), {"fields": ["topics"]}),
        (_("Verwaltung"), {"fields": ["created_at", "updated_at", "source_kind", "source_at"]}),
    ]

    def _create_formsets(self, request, obj, change):
        """The inlines see each other (the obligations need the parties as typed), and so does the main form."""
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        by_model = {formset.model: formset for formset in formsets}
        for formset in formsets:
            formset.agreement_formsets = by_model
        request._agreement_formsets = by_model
        return formsets, inline_instances

    def rule_errors(self, request, form):
        party_ids = submitted_party_ids(getattr(request, "_agreement_formsets", {}), form.instance)
        return services.agreement_rule_errors(form.instance, party_count=len(party_ids))

    def save_model(self, request, obj, form, change):
        services.agreement_save(agreement=obj, by=request.user, check_parties=False)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        rules, save = INLINE_WRITES[formset.model]
        for deleted in formset.deleted_objects:
            rules.delete.require(request.user)
            deleted.delete()
        for instance in instances:
            save(instance, request.user)
        formset.save_m2m()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.agreement_check_parties(agreement=form.instance)


def _save_party(party, by):
    services.PARTY.for_save(party).require(by)
    party.full_clean()
    party.save()


def _save_signatory(signatory, by):
    services.SIGNATORY.for_save(signatory).require(by)
    signatory.full_clean()
    signatory.save()


#: Per inline model: its rules and the service call that saves a row.
INLINE_WRITES = {
    AgreementParty: (services.PARTY, _save_party),
    Signatory: (services.SIGNATORY, _save_signatory),
    Obligation: (services.OBLIGATION, lambda obj, by: services.obligation_save(obligation=obj, by=by)),
    Measure: (services.MEASURE, lambda obj, by: services.measure_save(measure=obj, by=by)),
    Amendment: (services.AMENDMENT, lambda obj, by: services.amendment_save(amendment=obj, by=by)),
    Source: (services.SOURCE, lambda obj, by: services.source_save(source=obj, by=by)),
}


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(Measure)
class MeasureAdmin(ServiceErrorsAdminMixin, HistoryAdmin):
    rules = services.MEASURE
    list_display = ["title", "agreement", "status", "progress", "weight", "is_follow_up", "start_on", "end_on"]
    list_filter = ["status", "is_follow_up", "agreement__kind"]
    search_fields = ["title", "agreement__title"]
    autocomplete_fields = ["agreement"]
    raw_id_fields = ["lead", "participants"]
    inlines = [MilestoneInline]

    def rule_errors(self, request, form):
        measure = form.instance
        return services.measure_rule_errors(measure, measure.agreement) if measure.agreement_id else {}

    def save_model(self, request, obj, form, change):
        services.measure_save(measure=obj, by=request.user)


@admin.register(Obligation)
class ObligationAdmin(ServiceErrorsAdminMixin, HistoryAdmin):
    rules = services.OBLIGATION
    list_display = ["title", "agreement", "obligor", "due_on", "status"]
    list_filter = ["status", ObligationDueFilter, "agreement__kind"]
    search_fields = ["title", "agreement__title", "obligor__name"]
    autocomplete_fields = ["agreement"]
    raw_id_fields = ["obligor"]

    def rule_errors(self, request, form):
        return services.obligation_rule_errors(form.instance) if form.instance.agreement_id else {}

    def save_model(self, request, obj, form, change):
        services.obligation_save(obligation=obj, by=request.user)


@admin.register(Wahlperiode)
class WahlperiodeAdmin(ServiceErrorsAdminMixin, HistoryAdmin):
    rules = services.WAHLPERIODE
    list_display = ["number", "start", "end", "note"]

    def save_model(self, request, obj, form, change):
        services.wahlperiode_save(wahlperiode=obj, by=request.user)


@admin.register(Topic)
class TopicAdmin(HistoryAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ["kind", "object_id", "threshold_days", "target_date", "recipients", "sent_at"]
    list_filter = ["kind"]

    # A record of what was sent (it keeps a reminder from going out twice): nobody writes here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
