"""Funding: who pays how much for what, under which agreement, and how the money is called down.

Amounts are Decimal EUR with two places. A figure the source states only roughly ("knapp 3 Mio. €") is
stored as stated with `amount_is_approximate` and the exact wording; a year the source does not name is
stored as `fiscal_year = None` with `year_is_stated = False` (never invented). See funding/README.md.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.messages import lazy_message
from common.models import AppendOnlyModel, ProvenanceFields
from common.sql import german

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


class FundingSource(models.Model):
    """Who pays: a body from the register (the Land), or a collective such as the Kommunen through the
    kommunaler Finanzierungsanteil, the Bund, the EU or another funder."""

    class Kind(models.TextChoices):
        LAND = "land", _("Land")
        KOMMUNEN = "kommunen", _("Kommunen (kommunaler Finanzierungsanteil)")
        BUND = "bund", _("Bund")
        EU = "eu", _("Europäische Union")
        SONSTIGE = "sonstige", _("Sonstige")

    slug = models.SlugField(_("Kennung"), max_length=80, unique=True)
    name = models.CharField(_("Name"), max_length=200)
    kind = models.CharField(_("Art"), max_length=16, choices=Kind.choices, db_index=True)
    body = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("Stelle aus dem Register"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="funding_sources",
        help_text=_("Leer bei kollektiven Quellen wie dem kommunalen Finanzierungsanteil."),
    )
    description = models.TextField(_("Beschreibung"), blank=True)

    class Meta:
        verbose_name = _("Mittelgeber")
        verbose_name_plural = _("Mittelgeber")
        ordering = [german("name")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="kommunen") | Q(body__isnull=True),
                name="fundingsource_kommunen_collective",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("funding:overview") + f"?source={self.slug}"


class Purpose(models.Model):
    """A purpose from the managed list; topics (e.g. of the Digitale Daseinsvorsorge) have a parent."""

    slug = models.SlugField(_("Kennung"), max_length=80, unique=True)
    name = models.CharField(_("Bezeichnung"), max_length=160, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("Übergeordneter Zweck"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="topics",
    )
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)
    description = models.TextField(_("Beschreibung"), blank=True)

    class Meta:
        verbose_name = _("Zweck")
        verbose_name_plural = _("Zwecke")
        ordering = ["position", german("name")]

    def __str__(self):
        return f"{self.parent.name} – {self.name}" if self.parent_id else self.name

    def get_absolute_url(self):
        return reverse("funding:overview") + f"?purpose={self.slug}"


class BudgetLineQuerySet(models.QuerySet):
    def for_year(self, year):
        return self.filter(fiscal_year=year)

    def with_drawdown_sums(self):
        """Requested (open: beantragt or geprüft), approved (freigegeben) and paid (ausgezahlt) drawdown sums per
        line as subqueries, and `remaining_amount` = planned − approved − paid. This is the one place "remaining" is
        computed: pages, API, admin, admin export, yearly report and open data read the annotation (summaries add it
        up). Open requests do not bind money yet, so they do not lower "remaining". On a line whose payments nobody
        records (`payments_recorded` off) all four are NULL: not known, never 0."""
        requested = Drawdown.objects.filter(line=models.OuterRef("pk"), status__in=Drawdown.OPEN)
        approved = Drawdown.objects.filter(line=models.OuterRef("pk"), status=Drawdown.Status.FREIGEGEBEN)
        paid = Drawdown.objects.filter(line=models.OuterRef("pk"), status=Drawdown.Status.AUSGEZAHLT)
        return self.annotate(
            requested_amount=_if_recorded(_sum_subquery(requested)),
            approved_amount=_if_recorded(_sum_subquery(approved)),
            paid_amount=_if_recorded(_sum_subquery(paid)),
        ).annotate(
            remaining_amount=models.ExpressionWrapper(
                models.F("planned_amount") - models.F("approved_amount") - models.F("paid_amount"),
                output_field=models.DecimalField(**MONEY),
            ),
        )


def _if_recorded(expression):
    return models.Case(
        models.When(payments_recorded=True, then=expression),
        default=models.Value(None),
        output_field=models.DecimalField(**MONEY),
    )


def _sum_subquery(queryset):
    summed = queryset.order_by().values("line").annotate(total=models.Sum("amount")).values("total")
    return models.functions.Coalesce(
        models.Subquery(summed, output_field=models.DecimalField(**MONEY)),
        models.Value(ZERO),
        output_field=models.DecimalField(**MONEY),
    )


class BudgetLine(ProvenanceFields):
    """A planned amount from one source to one recipient for one purpose and fiscal year."""

    class Status(models.TextChoices):
        GEPLANT = "geplant", _("geplant")
        ZUGESAGT = "zugesagt", _("zugesagt")
        GESPERRT = "gesperrt", _("gesperrt")
        ABGESCHLOSSEN = "abgeschlossen", _("abgeschlossen")

    key = models.SlugField(
        _("Schlüssel"),
        max_length=120,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Stabile Kennung für Importe (z. B. „kv2025-land-2025“); leer bei manuell angelegten Zeilen."),
    )
    title = models.CharField(_("Bezeichnung"), max_length=200)
    source = models.ForeignKey(
        FundingSource, verbose_name=_("Mittelgeber"), on_delete=models.PROTECT, related_name="budget_lines"
    )
    recipient = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("Empfänger"),
        on_delete=models.PROTECT,
        related_name="funding_budget_lines",
    )
    agreement = models.ForeignKey(
        "cooperations.Agreement",
        verbose_name=_("Vereinbarung"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="funding_budget_lines",
        help_text=_("Die Vereinbarung, auf der die Position beruht."),
    )
    fiscal_year = models.PositiveSmallIntegerField(
        _("Haushaltsjahr"), null=True, blank=True, help_text=_("Leer, wenn die Quelle kein Jahr nennt.")
    )
    year_is_stated = models.BooleanField(
        _("Jahr in der Quelle genannt"),
        default=True,
        help_text=_("Aus, wenn das Jahr fehlt oder nur aus der Laufzeit der Vereinbarung abgeleitet ist."),
    )
    period_note = models.CharField(
        _("Hinweis zum Zeitraum"),
        max_length=300,
        blank=True,
        help_text=_("Wie die Quelle den Zeitraum nennt, z. B. „pro Jahr“ ohne Jahresangabe."),
    )
    purpose = models.ForeignKey(Purpose, verbose_name=_("Zweck"), on_delete=models.PROTECT, related_name="budget_lines")
    planned_amount = models.DecimalField(_("Planbetrag (EUR)"), **MONEY)
    payments_recorded = models.BooleanField(
        _("Zahlungen werden erfasst"),
        default=True,
        help_text=_(
            "Aus, wenn für diese Position niemand Mittelabrufe und Zahlungen erfasst (etwa bei Zusagen aus einer "
            "Quelle): freigegeben, ausgezahlt und verfügbar heißen dann „nicht bekannt“ statt 0,00 €, und "
            "Mittelabrufe sind erst nach dem Einschalten möglich."
        ),
    )
    amount_is_approximate = models.BooleanField(
        _("Betrag ungefähr"),
        default=False,
        help_text=_("Die Quelle nennt den Betrag nur ungefähr; der Wortlaut steht im Feld „Wortlaut der Quelle“."),
    )
    amount_wording = models.CharField(
        _("Wortlaut der Quelle"), max_length=300, blank=True, help_text=_("z. B. „knapp 3 Millionen Euro pro Jahr“")
    )
    status = models.CharField(_("Status"), max_length=16, choices=Status.choices, default=Status.GEPLANT, db_index=True)
    note = models.TextField(_("Anmerkung"), blank=True)
    source_citation = models.CharField(
        _("Quelle"), max_length=400, blank=True, help_text=_("Herausgeber, Datum, Titel des Dokuments.")
    )
    source_url = models.URLField(_("Adresse der Quelle"), blank=True)
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    history = HistoricalRecords()
    objects = BudgetLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("Haushaltsposition")
        verbose_name_plural = _("Haushaltspositionen")
        ordering = [F("fiscal_year").asc(nulls_first=True), "source__name", "purpose__position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(planned_amount__gt=0), name="budgetline_amount_positive"),
            models.CheckConstraint(
                condition=Q(fiscal_year__isnull=True) | Q(fiscal_year__gte=1990, fiscal_year__lte=2100),
                name="budgetline_fiscal_year_range",
            ),
            models.CheckConstraint(
                condition=Q(fiscal_year__isnull=False) | Q(year_is_stated=False),
                name="budgetline_missing_year_not_stated",
            ),
            models.CheckConstraint(
                condition=Q(amount_is_approximate=False) | ~Q(amount_wording=""),
                name="budgetline_approximate_has_wording",
            ),
        ]
        indexes = [models.Index(fields=["fiscal_year", "status"], name="budgetline_year_status")]

    def __str__(self):
        year = self.fiscal_year if self.fiscal_year is not None else _("Jahr nicht genannt")
        return f"{self.title} ({year})"

    def get_absolute_url(self):
        return reverse("funding:overview") + f"#position-{self.pk}"

    def clean(self):
        if self.amount_is_approximate and not self.amount_wording:
            raise ValidationError({"amount_wording": lazy_message("funding.wording_missing")})
        if self.fiscal_year is None and self.year_is_stated:
            raise ValidationError({"year_is_stated": lazy_message("funding.year_not_stated")})


class Drawdown(models.Model):
    """A Mittelabruf against a budget line: beantragt → geprüft → freigegeben → ausgezahlt, or abgelehnt /
    zurückgezogen with a reason. Change it only through the services in funding/services.py."""

    class Status(models.TextChoices):
        BEANTRAGT = "beantragt", _("beantragt")
        GEPRUEFT = "geprueft", _("geprüft")
        FREIGEGEBEN = "freigegeben", _("freigegeben")
        AUSGEZAHLT = "ausgezahlt", _("ausgezahlt")
        ABGELEHNT = "abgelehnt", _("abgelehnt")
        ZURUECKGEZOGEN = "zurueckgezogen", _("zurückgezogen")

    # Drawdowns that bind money of the line: the invariant is committed ≤ planned amount.
    COMMITTED = (Status.FREIGEGEBEN, Status.AUSGEZAHLT)
    OPEN = (Status.BEANTRAGT, Status.GEPRUEFT)
    CLOSED_WITH_REASON = (Status.ABGELEHNT, Status.ZURUECKGEZOGEN)

    line = models.ForeignKey(
        BudgetLine, verbose_name=_("Haushaltsposition"), on_delete=models.PROTECT, related_name="drawdowns"
    )
    amount = models.DecimalField(_("Betrag (EUR)"), **MONEY)
    purpose_text = models.TextField(_("Verwendungszweck"))
    status = models.CharField(
        _("Status"), max_length=16, choices=Status.choices, default=Status.BEANTRAGT, db_index=True
    )
    requested_on = models.DateField(_("beantragt am"), default=timezone.localdate)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("beantragt von"), on_delete=models.PROTECT, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("geprüft von"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("geprüft am"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("freigegeben von"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("freigegeben am"), null=True, blank=True)
    paid_on = models.DateField(_("ausgezahlt am"), null=True, blank=True)
    payment_reference = models.CharField(_("Zahlungsreferenz"), max_length=120, blank=True)
    closing_reason = models.TextField(_("Begründung (Ablehnung/Rückzug)"), blank=True)
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Mittelabruf")
        verbose_name_plural = _("Mittelabrufe")
        ordering = ["-requested_on", "-pk"]
        permissions = [
            ("review_drawdown", _("Mittelabrufe prüfen")),
            ("approve_drawdown", _("Mittelabrufe freigeben")),
            ("pay_drawdown", _("Auszahlung von Mittelabrufen erfassen")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="drawdown_amount_positive"),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("requested_by")),
                name="drawdown_four_eyes_approval",
            ),
            models.CheckConstraint(
                condition=Q(reviewed_by__isnull=True) | ~Q(reviewed_by=F("requested_by")),
                name="drawdown_four_eyes_review",
            ),
            models.CheckConstraint(
                condition=~Q(status="ausgezahlt") | (Q(paid_on__isnull=False) & ~Q(payment_reference="")),
                name="drawdown_paid_has_date_and_reference",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["abgelehnt", "zurueckgezogen"]) | ~Q(closing_reason=""),
                name="drawdown_closed_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["freigegeben", "ausgezahlt"]) | Q(approved_by__isnull=False),
                name="drawdown_committed_has_approver",
            ),
        ]
        indexes = [models.Index(fields=["status", "requested_on"], name="drawdown_status_requested")]

    def __str__(self):
        return f"Mittelabruf {self.pk or '–'} ({self.get_status_display()})"

    def get_absolute_url(self):
        """The public place of a drawdown: its budget line's row on the funding overview, where the line's approved
        and paid sums include it (the single drawdown is in the API: `api:funding-drawdown-detail`)."""
        return reverse("funding:overview") + f"#position-{self.line_id}"


class DrawdownTransition(AppendOnlyModel):
    """One step of a drawdown's workflow: who moved it from which status to which, when, and why.
    Written only by the services; never changed or deleted."""

    drawdown = models.ForeignKey(
        Drawdown, verbose_name=_("Mittelabruf"), on_delete=models.PROTECT, related_name="transitions"
    )
    from_status = models.CharField(_("von Status"), max_length=16, choices=Drawdown.Status.choices, blank=True)
    to_status = models.CharField(_("nach Status"), max_length=16, choices=Drawdown.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("durch"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("am"), default=timezone.now)
    reason = models.TextField(_("Begründung"), blank=True)

    change_refused = delete_refused = lazy_message("funding.transitions_immutable")

    class Meta:
        verbose_name = _("Statuswechsel eines Mittelabrufs")
        verbose_name_plural = _("Statuswechsel von Mittelabrufen")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(from_status=F("to_status")), name="drawdowntransition_changes"),
        ]

    def __str__(self):
        return f"{self.drawdown_id}: {self.from_status or '–'} → {self.to_status}"

    def get_absolute_url(self):
        return self.drawdown.get_absolute_url()


class InKindContribution(ProvenanceFields):
    """Help that is not money: seconded staff (people, FTE, period) or other in-kind support."""

    class Kind(models.TextChoices):
        ABORDNUNG = "abordnung", _("Abordnung von Personal")
        SONSTIGE = "sonstige", _("Sonstige Sachleistung")

    key = models.SlugField(_("Schlüssel"), max_length=120, unique=True, null=True, blank=True)
    kind = models.CharField(_("Art"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("Bezeichnung"), max_length=200)
    from_body = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("von"),
        on_delete=models.PROTECT,
        related_name="funding_in_kind_given",
    )
    recipient = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("an"),
        on_delete=models.PROTECT,
        related_name="funding_in_kind_received",
    )
    agreement = models.ForeignKey(
        "cooperations.Agreement",
        verbose_name=_("Vereinbarung"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="funding_in_kind_contributions",
        help_text=_("Die Vereinbarung, auf der die Sachleistung beruht."),
    )
    people_count = models.PositiveSmallIntegerField(_("Anzahl Personen"), null=True, blank=True)
    fte = models.DecimalField(
        _("Vollzeitäquivalente"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Leer, wenn die Quelle keinen Stellenumfang nennt."),
    )
    period_start = models.DateField(_("von"), null=True, blank=True)
    period_end = models.DateField(_("bis"), null=True, blank=True)
    period_note = models.CharField(_("Hinweis zum Zeitraum"), max_length=300, blank=True)
    monetary_value = models.DecimalField(_("Geldwert (EUR)"), null=True, blank=True, **MONEY)
    wording = models.CharField(_("Wortlaut der Quelle"), max_length=300, blank=True)
    note = models.TextField(_("Anmerkung"), blank=True)
    source_citation = models.CharField(_("Quelle"), max_length=400, blank=True)
    source_url = models.URLField(_("Adresse der Quelle"), blank=True)
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Sachleistung")
        verbose_name_plural = _("Sachleistungen")
        ordering = [german("title"), "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="abordnung") | Q(people_count__gt=0), name="inkind_secondment_has_people"
            ),
            models.CheckConstraint(condition=Q(fte__isnull=True) | Q(fte__gt=0), name="inkind_fte_positive"),
            models.CheckConstraint(
                condition=Q(monetary_value__isnull=True) | Q(monetary_value__gt=0), name="inkind_value_positive"
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="inkind_period_ordered",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("funding:overview") + "#sachleistungen"

    def clean(self):
        if self.kind == self.Kind.ABORDNUNG and not self.people_count:
            raise ValidationError({"people_count": lazy_message("funding.secondment_people")})


class ReviewReminder(models.Model):
    """Log of the weekly reminder about a drawdown waiting for review: at most one per drawdown and week."""

    drawdown = models.ForeignKey(
        Drawdown, verbose_name=_("Mittelabruf"), on_delete=models.CASCADE, related_name="review_reminders"
    )
    week = models.DateField(_("Woche (Montag)"))
    sent_at = models.DateTimeField(_("gesendet am"), default=timezone.now)
    recipient_count = models.PositiveIntegerField(_("Anzahl Empfänger"), default=0)

    class Meta:
        verbose_name = _("Prüf-Erinnerung")
        verbose_name_plural = _("Prüf-Erinnerungen")
        ordering = ["-week", "drawdown_id"]
        constraints = [
            models.UniqueConstraint(fields=["drawdown", "week"], name="reviewreminder_once_per_week"),
        ]

    def __str__(self):
        return f"{self.drawdown_id} / {self.week:%G-W%V}"

    def get_absolute_url(self):
        return self.drawdown.get_absolute_url()


class YearlyReport(models.Model):
    """The CSV report of one fiscal year, generated once (on 2 January for the year just ended)."""

    fiscal_year = models.PositiveSmallIntegerField(_("Haushaltsjahr"), unique=True)
    generated_at = models.DateTimeField(_("erzeugt am"), default=timezone.now)
    row_count = models.PositiveIntegerField(_("Anzahl Zeilen"), default=0)
    content = models.TextField(_("Inhalt (CSV)"))

    class Meta:
        verbose_name = _("Jahresbericht")
        verbose_name_plural = _("Jahresberichte")
        ordering = ["-fiscal_year"]

    def __str__(self):
        return f"Finanzierungsbericht {self.fiscal_year}"

    def get_absolute_url(self):
        return reverse("funding:yearly_report", kwargs={"year": self.fiscal_year})

    @property
    def filename(self) -> str:
        return f"finanzierung-{self.fiscal_year}.csv"
