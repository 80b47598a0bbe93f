"""Staff tool for agreements: inlines for every part, filters, search, CSV export, history. Every save goes
through the services, so the admin enforces the same rules as the API and the loader."""

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.admin_support import HistoryAdmin, ServiceErrorsAdminMixin
from common.csvfiles import SPREADSHEET, csv_download
from common.messages import message
from organisations.admin import autocomplete_label
from organisations.models import Organisation

from . import (
    admin_panels,  # noqa: F401 - its start page panels register on import
    reminders,
    services,
)
from .admin_filters import ObligationDueFilter, ReminderReachedFilter
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
from .related import agreement_admin_sections


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


# --- choosing organisations and people ---------------------------------------------------------------------------
#: Fields that name a body of the register; those in PARTY_FIELDS must be parties of the agreement.
ORGANISATION_FIELDS = ("organisation", "obligor", "lead", "participants")
PARTY_FIELDS = ("obligor", "lead", "participants")
AUTOCOMPLETE_PAGE_SIZE = 20


def user_label(user) -> str:
    full_name = user.get_full_name()
    return f"{full_name} ({user.username})" if full_name else user.username


def _json_page(request, queryset, label) -> JsonResponse:
    """The answer select2 (Django's autocomplete.js) expects: one page of {id, text} and whether more follow."""
    try:
        number = max(int(request.GET.get("page") or 1), 1)
    except ValueError:
        number = 1
    page = Paginator(queryset, AUTOCOMPLETE_PAGE_SIZE).get_page(number)
    return JsonResponse(
        {
            "results": [{"id": str(obj.pk), "text": label(obj)} for obj in page.object_list],
            "pagination": {"more": page.has_next()},
        }
    )


class _PortalAutocomplete:
    """An admin autocomplete widget answered by one of the agreement admin's own views (`url_name`), with an
    optional agreement whose parties it suggests."""

    url_name = ""

    def __init__(self, field, admin_site, *, agreement_id=None, **kwargs):
        super().__init__(field, admin_site, **kwargs)
        self.agreement_id = agreement_id

    def get_url(self):
        url = reverse(f"{self.admin_site.name}:{self.url_name}")
        return f"{url}?agreement={self.agreement_id}" if self.agreement_id else url


class OrganisationSelect(_PortalAutocomplete, AutocompleteSelect):
    url_name = "cooperations_agreement_organisations"


class OrganisationSelectMultiple(_PortalAutocomplete, AutocompleteSelectMultiple):
    url_name = "cooperations_agreement_organisations"


class ResponsibleSelect(_PortalAutocomplete, AutocompleteSelect):
    url_name = "cooperations_agreement_responsible"


class _PartyLookupMixin:
    """A choice field whose `queryset` (what it offers: the options it renders, what the page lists) is the
    agreement's parties, but which reads any body of the register (`lookup_queryset`), so that a body that is no
    party reaches the service rule (`services.obligation_rule_errors`, `measure_rule_errors`), the one place that
    refuses it, with its message on the field; a party typed in the same submission is accepted by that rule."""

    def __init__(self, *args, lookup_queryset, **kwargs):
        self.lookup_queryset = lookup_queryset
        super().__init__(*args, **kwargs)

    def _reading_any_body(self, read, value):
        offered = self._queryset
        self._queryset = self.lookup_queryset
        try:
            return read(value)
        finally:
            self._queryset = offered


class PartyChoiceField(_PartyLookupMixin, forms.ModelChoiceField):
    def to_python(self, value):
        return self._reading_any_body(super().to_python, value)


class PartyMultipleChoiceField(_PartyLookupMixin, forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        return self._reading_any_body(super()._check_values, value)


class ChoicesMixin:
    """Bodies are chosen by an autocomplete labelled "Name (Art, ARS)". Obligor, lead and participants of an
    existing agreement (`request._choices_agreement`, set by the admin of the page) are limited to its parties in
    the fields themselves (`PartyChoiceField`: the queryset is the parties) and in the suggestions; the services
    check the rule whatever was sent and their message stands on the field. The responsible person is chosen from
    the active staff accounts."""

    def _agreement(self, db_field, request):
        agreement = getattr(request, "_choices_agreement", None) if db_field.name in PARTY_FIELDS else None
        return agreement if getattr(agreement, "pk", None) else None

    def _widget(self, db_field, request, multiple=False):
        agreement = self._agreement(db_field, request)
        widget = OrganisationSelectMultiple if multiple else OrganisationSelect
        return widget(db_field, self.admin_site, agreement_id=getattr(agreement, "pk", None))

    def _limit_to_parties(self, db_field, request, kwargs, form_class):
        agreement = self._agreement(db_field, request)
        if agreement is not None:
            kwargs["form_class"] = form_class
            kwargs["queryset"] = Organisation.objects.filter(agreement_parties__agreement=agreement).order_by(
                "name", "pk"
            )
            kwargs["lookup_queryset"] = Organisation.objects.all()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in ORGANISATION_FIELDS and db_field.related_model is Organisation:
            kwargs["widget"] = self._widget(db_field, request)
            self._limit_to_parties(db_field, request, kwargs, PartyChoiceField)
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.label_from_instance = autocomplete_label
            return field
        if db_field.name == "responsible":
            kwargs["widget"] = ResponsibleSelect(db_field, self.admin_site)  # suggests responsible_candidates()
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.label_from_instance = user_label
            field.help_text = _(
                "Erhält die Erinnerungen zu dieser Vereinbarung und ihren Verpflichtungen; diese lassen sich nicht "
                "abbestellen. Leer: die aktiven Mitglieder der Gruppe „%(group)s“ (Einstellung "
                "REMINDER_FALLBACK_GROUP); sie können diese Erinnerungen über den Link in der Nachricht abbestellen."
            ) % {"group": reminders.fallback_group()}
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in ORGANISATION_FIELDS and db_field.related_model is Organisation:
            kwargs["widget"] = self._widget(db_field, request, multiple=True)
            self._limit_to_parties(db_field, request, kwargs, PartyMultipleChoiceField)
            field = super().formfield_for_manytomany(db_field, request, **kwargs)
            field.label_from_instance = autocomplete_label
            field.help_text = _("Name, Art oder ARS eingeben; nur Parteien der Vereinbarung.")
            return field
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def responsible_candidates():
    users = get_user_model().objects.filter(is_active=True, is_staff=True)
    return users.order_by("last_name", "first_name", "username")


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
        return services.measure_rule_errors(
            form.instance,
            self.instance,
            participants=form.cleaned_data.get("participants"),
            party_ids=submitted_party_ids(self.agreement_formsets, self.instance),
        )


class ObligationInlineFormSet(RuleInlineFormSet):
    def row_errors(self, form):
        return services.obligation_rule_errors(
            form.instance, party_ids=submitted_party_ids(self.agreement_formsets, self.instance)
        )


class PartyInline(ChoicesMixin, admin.TabularInline):
    model = AgreementParty
    extra = 0


class SignatoryInline(ChoicesMixin, admin.TabularInline):
    model = Signatory
    extra = 0


class ObligationInline(ChoicesMixin, admin.StackedInline):
    model = Obligation
    formset = ObligationInlineFormSet
    extra = 0
    show_change_link = True
    fields = [("title", "obligor"), ("due_on", "status"), "description", "evidence"]


class MeasureInline(ChoicesMixin, admin.StackedInline):
    model = Measure
    formset = MeasureInlineFormSet
    extra = 0
    show_change_link = True
    fields = [
        "title",
        ("lead", "participants"),
        ("start_on", "end_on", "status"),
        ("progress", "weight", "is_follow_up", "position"),
        "description",
    ]


class AmendmentInline(admin.StackedInline):
    model = Amendment
    extra = 0
    fields = ["title", ("dated_on", "effective_from", "term_end_on"), "text"]


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
class AgreementAdmin(ChoicesMixin, ServiceErrorsAdminMixin, HistoryAdmin):
    rules = services.AGREEMENT
    list_display = ["title", "kind", "status", "signed_on", "term_start", "term_end", "responsible"]
    list_filter = ["kind", "status", ("parties__organisation", admin.RelatedOnlyFieldListFilter), "topics", TermFilter]
    search_fields = ["title", "slug", "summary", "reference", "parties__organisation__name", "signatories__name"]
    autocomplete_fields = ["predecessor"]
    filter_horizontal = ["topics"]
    change_form_template = "admin/cooperations/agreement/change_form.html"
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

    def get_form(self, request, obj=None, change=False, **kwargs):
        request._choices_agreement = obj  # the inlines suggest its parties (ChoicesMixin)
        return super().get_form(request, obj, change=change, **kwargs)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("organisationen/", view(self.organisations_view), name="cooperations_agreement_organisations"),
            path("verantwortliche/", view(self.responsible_view), name="cooperations_agreement_responsible"),
            path("<int:pk>/verlaengerung/", view(self.renew_view), name="cooperations_agreement_renew"),
            *super().get_urls(),
        ]

    def organisations_view(self, request):
        """Autocomplete of bodies ("Name (Art, ARS)", searched like the register's list); with `agreement`, only
        its parties where it has any."""
        if not request.user.has_perm("organisations.view_organisation"):
            raise PermissionDenied
        queryset = Organisation.objects.order_by("name", "ars", "pk")
        agreement_id = request.GET.get("agreement", "")
        if agreement_id.isdigit() and AgreementParty.objects.filter(agreement_id=agreement_id).exists():
            queryset = queryset.filter(agreement_parties__agreement_id=agreement_id)
        term = request.GET.get("term", "").strip()
        if term:
            register_admin = self.admin_site._registry[Organisation]
            queryset, distinct = register_admin.get_search_results(request, queryset, term)
            queryset = queryset.distinct() if distinct else queryset
        return _json_page(request, queryset, autocomplete_label)

    def responsible_view(self, request):
        """Autocomplete of "Verantwortlich (ITV.SH)": whoever may add or change agreements may choose among the
        active staff accounts (name and user name only), without any right on the accounts themselves."""
        if not (services.AGREEMENT.add.allows(request.user) or services.AGREEMENT.change.allows(request.user)):
            raise PermissionDenied
        queryset = responsible_candidates()
        for word in request.GET.get("term", "").split()[:5]:
            queryset = queryset.filter(
                Q(username__icontains=word)
                | Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
            )
        return _json_page(request, queryset, user_label)

    def renew_view(self, request, pk):
        """ "Als Verlängerung anlegen": GET asks, POST creates the renewal (services.agreement_renew)."""
        agreement = get_object_or_404(Agreement, pk=pk)
        if not (self.has_view_permission(request, agreement) and services.AGREEMENT.add.allows(request.user)):
            raise PermissionDenied
        error = None
        if request.method == "POST":
            try:
                renewal = services.agreement_renew(agreement=agreement, by=request.user)
            except ValidationError as refused:
                error = " ".join(refused.messages)
            else:
                self.message_user(
                    request,
                    _("Die Verlängerung „%(title)s“ ist als Entwurf angelegt; bitte Daten und Fälligkeiten ergänzen.")
                    % {"title": renewal.title},
                    messages.SUCCESS,
                )
                return redirect("admin:cooperations_agreement_change", renewal.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Als Verlängerung anlegen"),
            "opts": self.opts,
            "original": agreement,
            "agreement": agreement,
            "error": error,
            "counts": {
                "parties": agreement.parties.count(),
                "signatories": agreement.signatories.count(),
                "topics": agreement.topics.count(),
                "obligations": agreement.obligations.count(),
            },
        }
        return TemplateResponse(request, "admin/cooperations/agreement_renew.html", context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """After a refused save, a chosen PDF is not kept by the browser: say so on its row."""
        if request.method == "POST":
            for inline in context.get("inline_admin_formsets", []):
                for form in inline.formset.forms:
                    if form.add_prefix("file") in request.FILES and "file" in form.fields:
                        form.add_error("file", message("cooperations.file_reselect"))
        context["renew_allowed"] = obj is not None and services.AGREEMENT.add.allows(request.user)
        # other apps' sections (cooperations.related), e.g. the agreement's money from funding
        context["admin_sections"] = agreement_admin_sections(obj, request) if obj is not None else []
        return super().render_change_form(request, context, add, change, form_url, obj)

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
            if formset.model is Measure:
                form = next(f for f in formset.forms if f.instance is instance)
                services.measure_save(measure=instance, by=request.user, participants=form.cleaned_data["participants"])
                continue
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


class AgreementChoicesMixin(ChoicesMixin):
    """A measure's or obligation's own page: the parties of its agreement are suggested."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        request._choices_agreement = obj.agreement if obj is not None else None
        return super().get_form(request, obj, change=change, **kwargs)


@admin.register(Measure)
class MeasureAdmin(AgreementChoicesMixin, ServiceErrorsAdminMixin, HistoryAdmin):
    rules = services.MEASURE
    list_display = ["title", "agreement", "status", "progress", "weight", "is_follow_up", "start_on", "end_on"]
    list_filter = ["status", "is_follow_up", "agreement__kind"]
    search_fields = ["title", "agreement__title"]
    autocomplete_fields = ["agreement"]
    inlines = [MilestoneInline]

    def rule_errors(self, request, form):
        measure = form.instance
        if not measure.agreement_id:
            return {}
        return services.measure_rule_errors(
            measure, measure.agreement, participants=form.cleaned_data.get("participants")
        )

    def save_model(self, request, obj, form, change):
        services.measure_save(measure=obj, by=request.user, participants=form.cleaned_data.get("participants"))


@admin.register(Obligation)
class ObligationAdmin(AgreementChoicesMixin, ServiceErrorsAdminMixin, HistoryAdmin):
    rules = services.OBLIGATION
    list_display = ["title", "agreement", "obligor", "due_on", "status"]
    list_filter = ["status", ObligationDueFilter, "agreement__kind"]
    search_fields = ["title", "agreement__title", "obligor__name"]
    autocomplete_fields = ["agreement"]

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
    list_display = ["kind", "object_id", "threshold_days", "target_date", "recipients_display", "sent_at", "checked_at"]
    list_filter = ["kind", ReminderReachedFilter]
    change_list_template = "admin/cooperations/reminderlog/change_list.html"

    # A record of what was sent (it keeps a reminder from going out twice): nobody writes here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Empfänger"))
    def recipients_display(self, obj):
        return obj.recipients or _("niemand erreicht")

    def get_urls(self):
        return [
            path(
                "vorschau/",
                self.admin_site.admin_view(self.preview_view),
                name="cooperations_reminderlog_preview",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request):
        """ "Erinnerungen – Vorschau": what the daily runs of the next 14 days will send, to whom and when, and
        the reminders that found nobody."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Erinnerungen – Vorschau"),
            "opts": self.opts,
            "today": today,
            "days": PREVIEW_DAYS,
            "planned": reminders.planned(today, days=PREVIEW_DAYS),
            "unreached": reminders.unreached(limit=100),
            "fallback_group": reminders.fallback_group(),
        }
        return TemplateResponse(request, "admin/cooperations/reminder_preview.html", context)


#: How far the preview looks ahead (days).
PREVIEW_DAYS = 14
