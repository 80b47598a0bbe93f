"""Staff tool for agreements: inlines for every part, filters, search, CSV export, history. Every save goes
through the services, so the admin enforces the same rules as the API and the loader."""

import datetime

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from itvsh_portal.api_support import SafeCsvWriter

from . import services
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


class PartyInlineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("organisation")
        ]
        if self.instance.is_signed and len(kept) < 2:
            raise ValidationError(_("Eine unterzeichnete Vereinbarung hat mindestens zwei Parteien."))


class MeasureInlineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            errors = services.measure_rule_errors(form.instance, self.instance)
            for field, messages_ in errors.items():
                for message in messages_:
                    form.add_error(field if field in form.fields else None, message)


class PartyInline(admin.TabularInline):
    model = AgreementParty
    formset = PartyInlineFormSet
    raw_id_fields = ["organisation"]
    extra = 0


class SignatoryInline(admin.TabularInline):
    model = Signatory
    raw_id_fields = ["organisation"]
    extra = 0


class ObligationInline(admin.TabularInline):
    model = Obligation
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
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="vereinbarungen.csv"'
    response.write("\ufeff")
    writer = SafeCsvWriter(response, delimiter=";")
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


@admin.register(Agreement)
class AgreementAdmin(SimpleHistoryAdmin):
    list_display = ["title", "kind", "status", "signed_on", "term_start", "term_end", "responsible"]
    list_filter = ["kind", "status", ("parties__organisation", admin.RelatedOnlyFieldListFilter), "topics", TermFilter]
    search_fields = ["title", "slug", "summary", "reference", "parties__organisation__name", "signatories__name"]
    autocomplete_fields = ["predecessor", "responsible"]
    filter_horizontal = ["topics"]
    readonly_fields = ["term_start", "term_end", "created_at", "updated_at"]
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
        (_("Verwaltung"), {"fields": ["created_at", "updated_at"]}),
    ]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        admin_self = self

        class RuleForm(form):
            def _post_clean(self):
                super()._post_clean()
                errors = services.agreement_rule_errors(self.instance, party_count=admin_self._party_count(request))
                for field, messages_ in errors.items():
                    for message in messages_:
                        self.add_error(field if field in self.fields else None, message)

        return RuleForm

    @staticmethod
    def _party_count(request) -> int:
        """Parties as submitted in the inline (the rule is checked before anything is saved)."""
        prefix = "parties"
        try:
            total = int(request.POST.get(f"{prefix}-TOTAL_FORMS", 0))
        except ValueError:
            return 0
        return sum(
            1
            for index in range(total)
            if request.POST.get(f"{prefix}-{index}-organisation") and not request.POST.get(f"{prefix}-{index}-DELETE")
        )

    def save_model(self, request, obj, form, change):
        services.agreement_save(agreement=obj, check_parties=False)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            deleted.delete()
        for instance in instances:
            if isinstance(instance, Measure):
                services.measure_save(measure=instance)
            elif isinstance(instance, Obligation):
                services.obligation_save(obligation=instance)
            elif isinstance(instance, Source):
                services.source_save(source=instance)
            elif isinstance(instance, Amendment):
                services.amendment_save(amendment=instance)
            else:
                instance.full_clean()
                instance.save()
        formset.save_m2m()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        agreement = form.instance
        services.agreement_check_parties(agreement=agreement)


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(Measure)
class MeasureAdmin(SimpleHistoryAdmin):
    list_display = ["title", "agreement", "status", "progress", "weight", "is_follow_up", "start_on", "end_on"]
    list_filter = ["status", "is_follow_up", "agreement__kind"]
    search_fields = ["title", "agreement__title"]
    autocomplete_fields = ["agreement"]
    raw_id_fields = ["lead", "participants"]
    inlines = [MilestoneInline]

    def save_model(self, request, obj, form, change):
        services.measure_save(measure=obj)


@admin.register(Obligation)
class ObligationAdmin(SimpleHistoryAdmin):
    list_display = ["title", "agreement", "obligor", "due_on", "status"]
    list_filter = ["status", "agreement__kind"]
    search_fields = ["title", "agreement__title", "obligor__name"]
    autocomplete_fields = ["agreement"]
    raw_id_fields = ["obligor"]

    def save_model(self, request, obj, form, change):
        services.obligation_save(obligation=obj)


@admin.register(Wahlperiode)
class WahlperiodeAdmin(SimpleHistoryAdmin):
    list_display = ["number", "start", "end", "note"]

    def save_model(self, request, obj, form, change):
        services.wahlperiode_update(wahlperiode=obj)


@admin.register(Topic)
class TopicAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ["kind", "object_id", "threshold_days", "target_date", "recipients", "sent_at"]
    list_filter = ["kind"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
