"""Staff tool for funding. Every write goes through funding/services.py: budget lines via
`budget_line_save`, drawdowns via `drawdown_request` and the workflow actions (which keep four eyes and the
invariant, and refuse with the service's German message)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.admin_support import HistoryAdmin, ServiceErrorsAdminMixin, bulk_result
from common.csvfiles import SPREADSHEET, csv_file_response, csv_response
from common.formatting import format_euro, format_euro_or_unknown
from common.forms import GermanAmountsAdminMixin

from . import (
    admin_panels,  # noqa: F401 - its start page panel registers on import
    selectors,
    services,
)
from .admin_filters import AwaitingMeFilter
from .models import (
    BudgetLine,
    Drawdown,
    DrawdownTransition,
    FundingSource,
    InKindContribution,
    Purpose,
    ReviewReminder,
    YearlyReport,
)

DRAWDOWN_CSV_HEADER = [
    "ID",
    "Haushaltsposition",
    "Haushaltsjahr",
    "Betrag",
    "Status",
    "beantragt am",
    "beantragt von",
    "geprüft von",
    "freigegeben von",
    "ausgezahlt am",
    "Zahlungsreferenz",
    "Verwendungszweck",
    "Begründung",
]


def _csv_response(filename, header, rows):
    return csv_response(filename, header, rows, dialect=SPREADSHEET)


UNKNOWN = _("nicht bekannt")
NOT_RECORDED = _("nicht bekannt (Zahlungen werden für diese Position nicht erfasst)")


def _line_sum(line, attribute, unknown=UNKNOWN):
    """One of the annotated sums of a line (`BudgetLineQuerySet.with_drawdown_sums`), with grouping and two
    decimals; "nicht bekannt" where the line's payments are not recorded, never 0,00 €."""
    return format_euro_or_unknown(getattr(line, attribute, None), str(unknown))


def available_text(line) -> str:
    """What a drawdown may still take from the line (its remaining amount), for the drawdown forms."""
    if line is None:
        return "–"
    if not line.payments_recorded:
        return str(NOT_RECORDED)
    remaining = getattr(line, "remaining_amount", None)
    if remaining is None:
        remaining = services.available_amount(line)
    return format_euro(remaining)


@admin.register(FundingSource)
class FundingSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "body", "slug"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    autocomplete_fields = ["body"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Purpose)
class PurposeAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "position", "slug"]
    list_filter = ["parent"]
    search_fields = ["name", "slug"]
    ordering = ["position", "name"]


class DrawdownInline(admin.TabularInline):
    model = Drawdown
    fields = ["amount_display", "status", "purpose_text", "requested_on", "requested_by", "approved_by", "paid_on"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    # A list, not a door: drawdowns are requested and moved through their own admin and the workflow actions.
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Betrag"))
    def amount_display(self, obj):
        return format_euro(obj.amount)


class BudgetLineAdminForm(forms.ModelForm):
    class Meta:
        model = BudgetLine
        fields = [
            "title",
            "key",
            "source",
            "recipient",
            "agreement",
            "purpose",
            "status",
            "fiscal_year",
            "year_is_stated",
            "period_note",
            "planned_amount",
            "amount_is_approximate",
            "amount_wording",
            "payments_recorded",
            "source_citation",
            "source_url",
            "note",
        ]


@admin.register(BudgetLine)
class BudgetLineAdmin(GermanAmountsAdminMixin, ServiceErrorsAdminMixin, HistoryAdmin):
    form = BudgetLineAdminForm
    rules = services.BUDGET_LINE
    money_fields = ("planned_amount",)
    list_display = [
        "title",
        "fiscal_year",
        "source",
        "purpose",
        "agreement",
        "status",
        "planned",
        "requested",
        "approved",
        "paid",
        "remaining",
        "amount_is_approximate",
        "year_is_stated",
        "payments_recorded",
    ]
    list_filter = [
        "fiscal_year",
        "source",
        "purpose",
        "status",
        ("agreement", admin.RelatedOnlyFieldListFilter),
        "amount_is_approximate",
        "year_is_stated",
        "payments_recorded",
    ]
    search_fields = ["title", "key", "note", "amount_wording"]
    autocomplete_fields = ["recipient"]
    list_select_related = ["source", "purpose", "purpose__parent", "agreement"]
    inlines = [DrawdownInline]
    actions = ["export_csv"]
    SUMS = (_("Mittelabrufe"), {"fields": ["requested", "approved", "paid", "remaining"]})
    fieldsets = [
        (None, {"fields": ["title", "key", "source", "recipient", "agreement", "purpose", "status"]}),
        (_("Zeitraum"), {"fields": ["fiscal_year", "year_is_stated", "period_note"]}),
        (_("Betrag"), {"fields": ["planned_amount", "amount_is_approximate", "amount_wording", "payments_recorded"]}),
        (_("Quelle und Anmerkung"), {"fields": ["source_citation", "source_url", "note"]}),
        (_("Herkunft"), {"fields": ["source_kind", "source_at"]}),
    ]
    readonly_fields = ["source_kind", "source_at", "requested", "approved", "paid", "remaining"]

    def get_queryset(self, request):
        # The one "remaining" annotation (and requested, approved, paid beside it): list and change page read it.
        return super().get_queryset(request).with_drawdown_sums()

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [*fieldsets[:3], self.SUMS, *fieldsets[3:]]

    @admin.display(description=_("Planbetrag"), ordering="planned_amount")
    def planned(self, obj):
        return format_euro(obj.planned_amount)

    @admin.display(description=_("beantragt"), ordering="requested_amount")
    def requested(self, obj):
        return _line_sum(obj, "requested_amount")

    @admin.display(description=_("freigegeben"), ordering="approved_amount")
    def approved(self, obj):
        return _line_sum(obj, "approved_amount")

    @admin.display(description=_("ausgezahlt"), ordering="paid_amount")
    def paid(self, obj):
        return _line_sum(obj, "paid_amount")

    @admin.display(description=_("verfügbar"), ordering="remaining_amount")
    def remaining(self, obj):
        return _line_sum(obj, "remaining_amount", NOT_RECORDED)

    def rule_errors(self, request, form):
        return services.budget_line_rule_errors(form.instance)

    def save_model(self, request, obj, form, change):
        services.budget_line_save(line=obj, by=request.user)

    @admin.action(description=_("Ausgewählte Haushaltspositionen als CSV exportieren"), permissions=["view"])
    def export_csv(self, request, queryset):
        lines = selectors.budget_lines().filter(pk__in=queryset.values("pk"))
        return _csv_response("haushaltspositionen.csv", services.REPORT_HEADER, services.report_rows(lines))


class DrawdownTransitionInline(admin.TabularInline):
    model = DrawdownTransition
    fields = ["at", "from_status", "to_status", "actor", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    # The transitions are the drawdown's history: append-only, written by the services.
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TransitionForm(forms.Form):
    reason = forms.CharField(label=_("Begründung"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    # The browser's date picker (shown as TT.MM.JJJJ in a German browser) sends ISO; typed DD.MM.YYYY is read too.
    paid_on = forms.DateField(
        label=_("ausgezahlt am"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    payment_reference = forms.CharField(label=_("Zahlungsreferenz"), max_length=120, required=False)


class DrawdownAddForm(forms.ModelForm):
    class Meta:
        model = Drawdown
        fields = ["line", "amount", "purpose_text", "requested_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each line in the choice says what it still has (the one "remaining" annotation, one query), so what is
        # available shows without JavaScript; once a line is chosen it stands beside the amount as well.
        line_field = self.fields["line"]
        line_field.queryset = line_field.queryset.with_drawdown_sums()
        line_field.label_from_instance = lambda line: f"{line} – {_('verfügbar')}: {available_text(line)}"
        line = self._chosen_line()
        if line is not None:
            self.fields["amount"].help_text = _("Verfügbar auf „%(line)s“: %(available)s") % {
                "line": line.title,
                "available": available_text(line),
            }

    def _chosen_line(self):
        key = self.data.get(self.add_prefix("line")) if self.is_bound else self.initial.get("line")
        if not key:
            return None
        try:
            return self.fields["line"].queryset.filter(pk=int(key)).first()
        except (TypeError, ValueError):
            return None

    def clean(self):
        """Shows the service's refusal (line not open, amount above what is available) as a form error; the
        service checks again under the row lock when saving."""
        cleaned = super().clean()
        line, amount = cleaned.get("line"), cleaned.get("amount")
        if line is not None and amount is not None:
            try:
                services.check_line_open(line)
                services.check_available(line, amount)
            except ValidationError as error:
                raise forms.ValidationError(error.messages) from error
        return cleaned


ACTION_TITLES = {
    "review": _("Als geprüft markieren"),
    "approve": _("Freigeben"),
    "pay": _("Auszahlung erfassen"),
    "reject": _("Ablehnen"),
    "withdraw": _("Zurückziehen"),
}
#: What the message says a workflow action did (common.admin_support.bulk_result).
ACTION_DONE = {
    "review": _("als geprüft markiert"),
    "approve": _("freigegeben"),
    "pay": _("als ausgezahlt erfasst"),
    "reject": _("abgelehnt"),
    "withdraw": _("zurückgezogen"),
}
ACTION_FIELDS = {
    "review": ["reason"],
    "approve": ["reason"],
    "pay": ["paid_on", "payment_reference"],
    "reject": ["reason"],
    "withdraw": ["reason"],
}


@admin.register(Drawdown)
class DrawdownAdmin(GermanAmountsAdminMixin, ServiceErrorsAdminMixin, HistoryAdmin):
    money_fields = ("amount",)
    list_display = [
        "__str__",
        "line",
        "amount_display",
        "status",
        "requested_on",
        "requested_by",
        "approved_by",
        "paid_on",
    ]
    list_filter = [
        AwaitingMeFilter,
        "status",
        "line__fiscal_year",
        "line__source",
        "line__purpose",
        ("line__agreement", admin.RelatedOnlyFieldListFilter),
        "requested_on",
    ]
    search_fields = ["purpose_text", "payment_reference", "line__title"]
    list_select_related = ["line", "requested_by", "approved_by"]
    date_hierarchy = "requested_on"
    inlines = [DrawdownTransitionInline]
    actions = ["review", "approve", "pay", "reject", "withdraw", "export_csv"]
    readonly_fields = [
        "line",
        "line_available",
        "amount_display",
        "purpose_text",
        "requested_on",
        "status",
        "requested_by",
        "reviewed_by",
        "reviewed_at",
        "approved_by",
        "approved_at",
        "paid_on",
        "payment_reference",
        "closing_reason",
    ]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = DrawdownAddForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else DrawdownAddForm.Meta.fields

    def has_add_permission(self, request):
        return super().has_add_permission(request) and services.DRAWDOWN_REQUEST.allows(request.user)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Betrag"), ordering="amount")
    def amount_display(self, obj):
        return format_euro(obj.amount)

    @admin.display(description=_("verfügbar auf der Position"))
    def line_available(self, obj):
        return available_text(obj.line)

    def save_model(self, request, obj, form, change):
        if change:  # everything is read-only; changes happen through the actions
            return
        # The add form showed the service's checks already; a refusal at save (a race) is shown on the form by
        # ServiceErrorsAdminMixin, never as a 403 or a 500.
        created = services.drawdown_request(
            line=obj.line,
            amount=obj.amount,
            purpose_text=obj.purpose_text,
            by=request.user,
            requested_on=obj.requested_on,
        )
        obj.pk = created.pk

    def _run(self, request, queryset, name):
        form = TransitionForm(request.POST if "apply" in request.POST else None)
        if "apply" not in request.POST or not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": ACTION_TITLES[name],
                "queryset": queryset,
                "form": form,
                "field_names": ACTION_FIELDS[name],
                "action": name,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "today": timezone.localdate(),
            }
            return TemplateResponse(request, "funding/admin/transition_form.html", context)
        data = form.cleaned_data
        kwargs = {
            "pay": {"paid_on": data["paid_on"], "payment_reference": data["payment_reference"]},
            "reject": {"reason": data["reason"]},
            "withdraw": {"reason": data["reason"]},
            "review": {"reason": data["reason"]},
            "approve": {"reason": data["reason"]},
        }[name]
        done, refused, selected = 0, [], 0
        for drawdown in queryset.order_by("pk"):
            selected += 1
            try:
                services.TRANSITIONS[name](drawdown=drawdown, by=request.user, **kwargs)
                done += 1
            except (ValidationError, PermissionDenied) as error:
                refused.append((drawdown, " ".join(getattr(error, "messages", None) or [str(error)])))
        bulk_result(
            self,
            request,
            selected=selected,
            done=done,
            what=ACTION_DONE[name],
            items=_("Mittelabrufen"),
            refused=refused,
        )
        return None

    # Each workflow action is offered to those whose Rule allows it (the service checks it again per drawdown).
    def has_review_permission(self, request):
        return services.DRAWDOWN_REVIEW.allows(request.user)

    def has_approve_permission(self, request):
        return services.DRAWDOWN_APPROVE.allows(request.user)

    def has_pay_permission(self, request):
        return services.DRAWDOWN_PAY.allows(request.user)

    def has_reject_permission(self, request):
        return services.DRAWDOWN_REJECT.allows(request.user)

    def has_withdraw_permission(self, request):
        return services.DRAWDOWN_WITHDRAW.allows(request.user)

    @admin.action(description=ACTION_TITLES["review"], permissions=["review"])
    def review(self, request, queryset):
        return self._run(request, queryset, "review")

    @admin.action(description=ACTION_TITLES["approve"], permissions=["approve"])
    def approve(self, request, queryset):
        return self._run(request, queryset, "approve")

    @admin.action(description=ACTION_TITLES["pay"], permissions=["pay"])
    def pay(self, request, queryset):
        return self._run(request, queryset, "pay")

    @admin.action(description=ACTION_TITLES["reject"], permissions=["reject"])
    def reject(self, request, queryset):
        return self._run(request, queryset, "reject")

    @admin.action(description=ACTION_TITLES["withdraw"], permissions=["withdraw"])
    def withdraw(self, request, queryset):
        return self._run(request, queryset, "withdraw")

    @admin.action(description=_("Ausgewählte Mittelabrufe als CSV exportieren"), permissions=["view"])
    def export_csv(self, request, queryset):
        rows = [
            [
                d.pk,
                d.line.title,
                d.line.fiscal_year or "",
                f"{d.amount:.2f}",
                d.get_status_display(),
                d.requested_on.isoformat(),
                d.requested_by.get_username(),
                d.reviewed_by.get_username() if d.reviewed_by else "",
                d.approved_by.get_username() if d.approved_by else "",
                d.paid_on.isoformat() if d.paid_on else "",
                d.payment_reference,
                d.purpose_text,
                d.closing_reason,
            ]
            for d in queryset.select_related("line", "requested_by", "reviewed_by", "approved_by").order_by("pk")
        ]
        return _csv_response("mittelabrufe.csv", DRAWDOWN_CSV_HEADER, rows)


@admin.register(InKindContribution)
class InKindContributionAdmin(GermanAmountsAdminMixin, ServiceErrorsAdminMixin, HistoryAdmin):
    rules = services.IN_KIND
    money_fields = ("monetary_value",)
    list_display = ["title", "kind", "from_body", "recipient", "agreement", "people_count", "fte", "value"]
    list_filter = ["kind", ("agreement", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "note", "wording"]
    autocomplete_fields = ["from_body", "recipient"]
    list_select_related = ["from_body", "recipient", "agreement"]
    readonly_fields = ["source_kind", "source_at"]

    @admin.display(description=_("Geldwert"), ordering="monetary_value")
    def value(self, obj):
        return format_euro_or_unknown(obj.monetary_value, str(_("nicht genannt")))

    def save_model(self, request, obj, form, change):
        services.in_kind_save(item=obj, by=request.user)


@admin.register(ReviewReminder)
class ReviewReminderAdmin(admin.ModelAdmin):
    list_display = ["drawdown", "week", "sent_at", "recipient_count"]
    list_filter = ["week"]

    # A record of what was sent: nobody writes here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(YearlyReport)
class YearlyReportAdmin(admin.ModelAdmin):
    list_display = ["fiscal_year", "generated_at", "row_count"]
    readonly_fields = ["fiscal_year", "generated_at", "row_count", "content"]
    actions = ["download"]

    # Generated once by the yearly job and never changed (services.yearly_report_generate).
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Bericht herunterladen"), permissions=["view"])
    def download(self, request, queryset):
        """One report is one file: with more than one selected nothing is downloaded, and the message says so."""
        selected = queryset.count()
        if selected != 1:
            self.message_user(
                request,
                _(
                    "Nichts heruntergeladen: %(n)d Berichte ausgewählt; bitte genau einen auswählen "
                    "(ein Bericht ist eine Datei)."
                )
                % {"n": selected},
                messages.WARNING,
            )
            return None
        report = queryset.get()
        return csv_file_response(report.filename, report.content, dialect=SPREADSHEET)
