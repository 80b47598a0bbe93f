"""Cooperation agreements between the Land, ITV.SH, Kommunen, Verbände and Kammern.

An agreement (`Agreement`) has parties from the register, signatories, a term, topic fields, obligations,
measures with milestones, amendments and sources. Rules that span several rows (a signed agreement has two
parties, a measure lies inside the term, ...) are enforced in `services.py`; the invariants of one row are
constraints here.

Unknown facts stay unknown: a date the sources do not state is NULL, and `Agreement.unknowns_note` says so
on the page. A date known only to the month or year carries its precision (`DatePrecision`).
"""

import datetime
import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.models import HistoricalRecords

from common.messages import lazy_message
from common.models import ProvenanceFields
from common.sql import german

from .validators import validate_pdf


class PrivateStorage(FileSystemStorage):
    """Uploaded source documents live under PRIVATE_MEDIA_ROOT (outside the web root), without a public URL;
    they are served only through the `cooperations:source_file` view. The location is read from the settings on
    every access, so a changed setting (tests, deployment) takes effect without a restart of the class."""

    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def deconstruct(self):
        return ("cooperations.models.PrivateStorage", (), {})


def private_storage():
    return PrivateStorage()


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class DatePrecision(models.TextChoices):
    DAY = "day", _("Tag")
    MONTH = "month", _("Monat")
    YEAR = "year", _("Jahr")


def format_partial_date(value: datetime.date | None, precision: str = DatePrecision.DAY) -> str:
    """A date shown only as precisely as it is known: '04.05.2018', '05/2024', '2025'; None -> 'nicht bekannt'."""
    if value is None:
        return str(_("nicht bekannt"))
    if precision == DatePrecision.YEAR:
        return f"{value.year}"
    if precision == DatePrecision.MONTH:
        return f"{value.month:02d}/{value.year}"
    return value.strftime("%d.%m.%Y")


class Wahlperiode(models.Model):
    """A legislative period of the Schleswig-Holsteinischer Landtag. Terms "until the end of the legislative
    period" derive their end from here, so correcting a period's dates moves those ends."""

    number = models.PositiveSmallIntegerField(_("Nummer"), unique=True)
    start = models.DateField(_("Beginn"))
    end = models.DateField(
        _("Ende"), null=True, blank=True, help_text=_("Leer, solange die Wahlperiode läuft und ihr Ende offen ist.")
    )
    note = models.CharField(_("Anmerkung"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Wahlperiode des Landtags")
        verbose_name_plural = _("Wahlperioden des Landtags")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=F("start")),
                name="wahlperiode_end_after_start",
                violation_error_message=lazy_message("cooperations.wahlperiode_end"),
            ),
        ]

    def __str__(self):
        end = self.end.year if self.end else "…"
        return f"{self.number}. Wahlperiode ({self.start.year}–{end})"


class Topic(models.Model):
    """A topic field (Themenfeld) of agreements: a managed list."""

    name = models.CharField(_("Name"), max_length=150, unique=True)
    slug = models.SlugField(_("Kennung"), max_length=80, unique=True)
    description = models.TextField(_("Beschreibung"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Themenfeld")
        verbose_name_plural = _("Themenfelder")
        ordering = [german("name")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return f"{reverse('cooperations:list')}?topic={self.slug}"


class AgreementQuerySet(models.QuerySet):
    SIGNED_STATUSES = ("in_kraft", "ausgelaufen", "gekuendigt", "ersetzt")

    def in_force(self, *, on: datetime.date):
        """Agreements in force on the given day. An agreement "in Kraft" counts where its known dates allow it
        (an unknown start or end is open); an ended one (ausgelaufen, gekündigt, ersetzt) only where both its
        start and end are known and enclose the day; drafts never."""
        fits = (Q(term_start__isnull=True) | Q(term_start__lte=on)) & (Q(term_end__isnull=True) | Q(term_end__gte=on))
        ended = Q(status__in=["ausgelaufen", "gekuendigt", "ersetzt"]) & Q(
            term_start__isnull=False, term_start__lte=on, term_end__isnull=False, term_end__gte=on
        )
        return self.filter((Q(status="in_kraft") & fits) | ended)

    def for_ars_prefix(self, prefix: str):
        """Agreements with a party whose ARS starts with the prefix: a Kreis key (5 digits) finds the agreements
        of the Kreis, its Ämter and Gemeinden; an Amt key (9 digits) those of the Amt and its Gemeinden."""
        return self.filter(parties__organisation__ars__startswith=prefix).distinct()

    def for_body(self, organisation):
        return self.filter(parties__organisation=organisation).distinct()

    def ending_between(self, start: datetime.date, end: datetime.date):
        return self.filter(term_end__gte=start, term_end__lte=end)


class Agreement(ProvenanceFields):
    class Kind(models.TextChoices):
        GESETZ = "gesetz", _("Gesetz/Rechtsgrundlage")
        GESETZENTWURF = "gesetzentwurf", _("Gesetzentwurf")
        KOOPERATIONSVEREINBARUNG = "kooperationsvereinbarung", _("Kooperationsvereinbarung")
        VERWALTUNGSKOOPERATION = "verwaltungskooperation", _("Verwaltungskooperation")
        ABSICHTSERKLAERUNG = "absichtserklaerung", _("Absichtserklärung")
        RAHMENVEREINBARUNG = "rahmenvereinbarung", _("Rahmenvereinbarung")
        SONSTIGE = "sonstige", _("Sonstige")

    class Status(models.TextChoices):
        ENTWURF = "entwurf", _("Entwurf")
        IN_VERHANDLUNG = "in_verhandlung", _("in Verhandlung")
        IN_KRAFT = "in_kraft", _("in Kraft")
        AUSGELAUFEN = "ausgelaufen", _("ausgelaufen")
        GEKUENDIGT = "gekuendigt", _("gekündigt")
        ERSETZT = "ersetzt", _("ersetzt")
        UNBEKANNT = "unbekannt", _("nicht bekannt")

    class TermKind(models.TextChoices):
        FIXED_END = "fixed_end", _("Festes Enddatum")
        YEARS = "years", _("Laufzeit in Jahren")
        WAHLPERIODE = "wahlperiode", _("Bis zum Ende der Wahlperiode")
        OPEN_ENDED = "open_ended", _("Unbefristet")
        UNKNOWN = "unknown", _("Nicht bekannt")

    slug = models.SlugField(
        _("Kennung"), max_length=100, unique=True, help_text=_("Stabile Kennung in Adressen und Verweisen.")
    )
    kind = models.CharField(_("Art"), max_length=32, choices=Kind.choices, db_index=True)
    title = models.CharField(_("Titel"), max_length=300)
    reference = models.CharField(
        _("Aktenzeichen/Fundstelle"), max_length=200, blank=True, help_text=_("z. B. Fundstelle im Gesetzblatt.")
    )
    summary = models.TextField(_("Zusammenfassung"), blank=True)
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.ENTWURF, db_index=True)
    announced_on = models.DateField(
        _("bekannt gemacht am"),
        null=True,
        blank=True,
        help_text=_("Datum der ersten öffentlichen Mitteilung (z. B. Pressemitteilung), falls bekannt."),
    )
    signed_on = models.DateField(_("unterzeichnet am"), null=True, blank=True)
    signed_on_precision = models.CharField(
        _("Genauigkeit des Unterzeichnungsdatums"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    signed_date_unknown = models.BooleanField(
        _("unterzeichnet, Datum unbekannt"),
        default=False,
        help_text=_(
            "Die Quellen belegen die Unterzeichnung, nennen aber kein Datum. Ersetzt für die Regeln das "
            "Unterzeichnungsdatum und wird auf der Seite als „Datum unbekannt“ gezeigt."
        ),
    )
    effective_from = models.DateField(_("wirksam ab"), null=True, blank=True)
    effective_from_precision = models.CharField(
        _("Genauigkeit von „wirksam ab“"), max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    term_kind = models.CharField(
        _("Art der Laufzeit"), max_length=16, choices=TermKind.choices, default=TermKind.UNKNOWN
    )
    end_on = models.DateField(_("endet am"), null=True, blank=True, help_text=_("Nur bei festem Enddatum."))
    duration_years = models.PositiveSmallIntegerField(
        _("Laufzeit (Jahre)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    wahlperiode = models.ForeignKey(
        Wahlperiode,
        verbose_name=_("Wahlperiode"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agreements",
        help_text=_("Nur bei Laufzeit bis zum Ende der Wahlperiode."),
    )
    # Derived from the fields above by services.agreement_refresh_term (and by the daily task), stored so
    # that lists can filter and sort by term in the database.
    term_start = models.DateField(_("Laufzeitbeginn (abgeleitet)"), null=True, blank=True, editable=False)
    term_end = models.DateField(_("Laufzeitende (abgeleitet)"), null=True, blank=True, editable=False)
    predecessor = models.OneToOneField(
        "self",
        verbose_name=_("Vorgänger"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="successor",
    )
    topics = models.ManyToManyField(Topic, verbose_name=_("Themenfelder"), blank=True, related_name="agreements")
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verantwortlich (ITV.SH)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "Erhält die Erinnerungen (nicht abbestellbar). Leer: die aktiven Mitglieder der Ersatzgruppe "
            "(Einstellung REMINDER_FALLBACK_GROUP, Standard „Redaktion“), die sie nicht abbestellt haben."
        ),
    )
    unknowns_note = models.TextField(
        _("Offene Angaben"),
        blank=True,
        help_text=_("Was die Quellen offenlassen (z. B. Unterzeichnungsdatum), damit es nicht erfunden wird."),
    )
    derived = models.JSONField(
        _("Abgeleitete Angaben"),
        default=dict,
        blank=True,
        help_text=_(
            "Angaben, die keine Quelle ausdrücklich nennt, sondern aus ihr abgeleitet sind: je Feld (status, "
            "signed_on, effective_from, duration_years) die Begründung. Seiten, API und offene Daten zeigen sie "
            "als „abgeleitet“."
        ),
    )
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    # The fields whose value may be stored as derived (with a reasoning) in `derived`.
    DERIVABLE_FIELDS = ("status", "signed_on", "effective_from", "duration_years")

    history = HistoricalRecords(m2m_fields=[topics])
    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("Vereinbarung")
        verbose_name_plural = _("Vereinbarungen")
        ordering = ["-term_start", "title"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="in_kraft") | Q(signed_on__isnull=False) | Q(signed_date_unknown=True),
                name="agreement_in_force_signed",
                violation_error_message=lazy_message("cooperations.in_force_unsigned"),
            ),
            models.CheckConstraint(
                condition=Q(term_end__isnull=True) | Q(term_start__isnull=True) | Q(term_end__gt=F("term_start")),
                name="agreement_term_end_after_start",
                violation_error_message=lazy_message("cooperations.end_before_start"),
            ),
            models.CheckConstraint(
                condition=Q(effective_from__isnull=True)
                | Q(signed_on__isnull=True)
                | Q(effective_from__gte=F("signed_on"))
                | ~Q(signed_on_precision="day")
                | ~Q(effective_from_precision="day"),
                name="agreement_effective_not_before_signed",
                violation_error_message=lazy_message("cooperations.effective_before_signed"),
            ),
            models.CheckConstraint(
                condition=~Q(predecessor=F("pk")),
                name="agreement_not_own_predecessor",
                violation_error_message=lazy_message("cooperations.own_predecessor"),
            ),
        ]
        indexes = [models.Index(fields=["term_end"], name="agreement_term_end")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("cooperations:detail", kwargs={"slug": self.slug})

    # --- derived term -------------------------------------------------------------------------------------
    @property
    def is_signed(self) -> bool:
        return self.signed_on is not None or self.signed_date_unknown

    def derivations(self) -> dict[str, str]:
        """Every shown value that no source states but that is derived, with its reasoning: the stored ones
        (`derived`) and those the term rules compute (start from signing, end from the kind of term)."""
        result = {name: str(reason) for name, reason in (self.derived or {}).items() if reason}
        start = self.compute_term_start()
        if start is not None and self.effective_from is None:
            result["term_start"] = str(
                _(
                    "Beginn der Laufzeit aus dem Unterzeichnungsdatum abgeleitet; ein Datum des Wirksamwerdens nennt "
                    "die Quelle nicht."
                )
            )
        elif "effective_from" in result:
            result["term_start"] = result["effective_from"]
        end = self.compute_term_end()
        if end is not None and self.term_kind == self.TermKind.YEARS:
            result["term_end"] = ngettext(
                "Ende der Laufzeit berechnet: Beginn plus %(years)s Jahr.",
                "Ende der Laufzeit berechnet: Beginn plus %(years)s Jahre.",
                self.duration_years,
            ) % {"years": self.duration_years}
            if "term_start" in result:
                result["term_end"] += " " + str(_("Der Beginn ist selbst abgeleitet."))
        elif end is not None and self.term_kind == self.TermKind.WAHLPERIODE:
            result["term_end"] = str(
                _("Laufzeit bis zum Ende der Wahlperiode; Ende der %(period)s laut dem Verzeichnis der Wahlperioden.")
            ) % {"period": self.wahlperiode}
        return result

    def compute_term_start(self) -> datetime.date | None:
        """The term starts when the agreement takes effect; where that is not stated, on signing."""
        return self.effective_from or self.signed_on

    def compute_term_end(self) -> datetime.date | None:
        """The last day of the term, derived from the kind of term; None where it is open or unknown."""
        start = self.compute_term_start()
        if self.term_kind == self.TermKind.FIXED_END:
            return self.end_on
        if self.term_kind == self.TermKind.YEARS and start and self.duration_years:
            if self.effective_from and self.effective_from_precision == DatePrecision.YEAR:
                start = start.replace(month=1, day=1)
            return add_years(start, self.duration_years) - datetime.timedelta(days=1)
        if self.term_kind == self.TermKind.WAHLPERIODE and self.wahlperiode_id:
            return self.wahlperiode.end
        return None

    def days_remaining(self, today: datetime.date | None = None) -> int | None:
        if self.term_end is None:
            return None
        today = today or timezone.localdate()
        return (self.term_end - today).days

    @property
    def signed_on_display(self) -> str:
        if self.signed_on is None and self.signed_date_unknown:
            return str(_("unterzeichnet, Datum unbekannt"))
        return format_partial_date(self.signed_on, self.signed_on_precision)

    @property
    def effective_from_display(self) -> str:
        return format_partial_date(self.effective_from, self.effective_from_precision)

    @property
    def term_start_display(self) -> str:
        precision = self.effective_from_precision if self.effective_from else self.signed_on_precision
        return format_partial_date(self.term_start, precision)

    @property
    def term_end_precision(self) -> str:
        if self.term_kind == self.TermKind.YEARS and self.effective_from_precision == DatePrecision.YEAR:
            return DatePrecision.YEAR
        return DatePrecision.DAY

    @property
    def term_end_display(self) -> str:
        if self.term_kind == self.TermKind.OPEN_ENDED:
            return str(_("unbefristet"))
        return format_partial_date(self.term_end, self.term_end_precision)


class AgreementParty(models.Model):
    class Role(models.TextChoices):
        LAND = "land", _("Land")
        TRAEGER = "traeger", _("Träger")
        PARTNERKOMMUNE = "partnerkommune", _("Partnerkommune")
        UNTERZEICHNER = "unterzeichner", _("Unterzeichner")
        INITIATOR = "initiator", _("Initiator")
        PARTNER = "partner", _("Partner")
        SONSTIGE = "sonstige", _("Sonstige")

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("Vereinbarung"), on_delete=models.CASCADE, related_name="parties"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("Stelle"),
        on_delete=models.PROTECT,
        related_name="agreement_parties",
    )
    role = models.CharField(_("Rolle"), max_length=20, choices=Role.choices)
    role_note = models.CharField(_("Anmerkung zur Rolle"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Partei")
        verbose_name_plural = _("Parteien")
        ordering = ["agreement", "id"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "organisation"], name="agreementparty_unique_body"),
        ]

    def __str__(self):
        return f"{self.organisation} ({self.get_role_display()})"


class Signatory(models.Model):
    agreement = models.ForeignKey(
        Agreement, verbose_name=_("Vereinbarung"), on_delete=models.CASCADE, related_name="signatories"
    )
    name = models.CharField(_("Name"), max_length=150)
    function = models.CharField(_("Funktion"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("für die Stelle"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Unterzeichner/in")
        verbose_name_plural = _("Unterzeichnende")
        ordering = ["agreement", "id"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "name"], name="signatory_unique_name"),
        ]

    def __str__(self):
        return f"{self.name}, {self.function}" if self.function else self.name


class Amendment(models.Model):
    agreement = models.ForeignKey(
        Agreement, verbose_name=_("Vereinbarung"), on_delete=models.CASCADE, related_name="amendments"
    )
    title = models.CharField(_("Titel"), max_length=300)
    dated_on = models.DateField(_("vom"))
    effective_from = models.DateField(_("wirksam ab"), null=True, blank=True)
    text = models.TextField(_("Text"), blank=True)
    term_end_on = models.DateField(
        _("neues Laufzeitende"),
        null=True,
        blank=True,
        help_text=_(
            "Nur wenn die Änderung die Laufzeit ändert: Die Vereinbarung endet dann an diesem Tag (festes Enddatum)."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Änderung")
        verbose_name_plural = _("Änderungen")
        ordering = ["agreement", "dated_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_from__isnull=True) | Q(effective_from__gte=F("dated_on")),
                name="amendment_effective_not_before_dated",
                violation_error_message=lazy_message("cooperations.amendment_before_date"),
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.dated_on:%d.%m.%Y})"


class Obligation(models.Model):
    class Status(models.TextChoices):
        OFFEN = "offen", _("offen")
        ERFUELLT = "erfuellt", _("erfüllt")
        VERSPAETET = "verspaetet", _("verspätet")
        ENTFALLEN = "entfallen", _("entfallen")
        NICHT_ERFASST = "unbekannt", _("Stand nicht erfasst")

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("Vereinbarung"), on_delete=models.CASCADE, related_name="obligations"
    )
    obligor = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("verpflichtete Partei"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("Pflicht"), max_length=300)
    description = models.TextField(_("Beschreibung"), blank=True)
    due_on = models.DateField(_("fällig am"), null=True, blank=True)
    status = models.CharField(_("Status"), max_length=12, choices=Status.choices, default=Status.OFFEN)
    evidence = models.TextField(_("Nachweis"), blank=True, help_text=_("Beleg der Erfüllung (Text oder Verweis)."))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Verpflichtung")
        verbose_name_plural = _("Verpflichtungen")
        ordering = ["agreement", "due_on", "id"]

    def __str__(self):
        return self.title


class Measure(models.Model):
    class Status(models.TextChoices):
        GEPLANT = "geplant", _("geplant")
        LAUFEND = "laufend", _("laufend")
        ABGESCHLOSSEN = "abgeschlossen", _("abgeschlossen")
        PAUSIERT = "pausiert", _("pausiert")
        ABGEBROCHEN = "abgebrochen", _("abgebrochen")
        NICHT_ERFASST = "unbekannt", _("Stand nicht erfasst")

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("Vereinbarung"), on_delete=models.CASCADE, related_name="measures"
    )
    title = models.CharField(_("Titel"), max_length=300)
    description = models.TextField(_("Beschreibung"), blank=True)
    lead = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("federführend"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    participants = models.ManyToManyField(
        "organisations.Organisation", verbose_name=_("beteiligt"), blank=True, related_name="+"
    )
    start_on = models.DateField(_("Beginn"), null=True, blank=True)
    end_on = models.DateField(_("Ende"), null=True, blank=True)
    status = models.CharField(_("Status"), max_length=16, choices=Status.choices, default=Status.GEPLANT)
    progress = models.PositiveSmallIntegerField(
        _("Fortschritt (%)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("0–100; leer, solange kein Stand gemeldet ist."),
    )
    weight = models.PositiveSmallIntegerField(
        _("Gewicht"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Anteil der Maßnahme am Gesamtfortschritt der Vereinbarung (relativ zu den anderen)."),
    )
    is_follow_up = models.BooleanField(
        _("Folgemaßnahme"), default=False, help_text=_("Darf außerhalb der Laufzeit der Vereinbarung liegen.")
    )
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)

    history = HistoricalRecords(m2m_fields=[participants])

    class Meta:
        verbose_name = _("Maßnahme")
        verbose_name_plural = _("Maßnahmen")
        ordering = ["agreement", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="measure_progress_0_100",
                violation_error_message=lazy_message("cooperations.progress_range"),
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=1),
                name="measure_weight_positive",
                violation_error_message=lazy_message("cooperations.weight_min"),
            ),
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(start_on__isnull=True) | Q(end_on__gte=F("start_on")),
                name="measure_end_after_start",
                violation_error_message=lazy_message("cooperations.measure_end_before_start"),
            ),
        ]

    def __str__(self):
        return self.title


class Milestone(models.Model):
    measure = models.ForeignKey(
        Measure, verbose_name=_("Maßnahme"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("Meilenstein"), max_length=300)
    due_on = models.DateField(_("geplant am"), null=True, blank=True)
    reached_on = models.DateField(_("erreicht am"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Meilenstein")
        verbose_name_plural = _("Meilensteine")
        ordering = ["measure", "due_on", "id"]

    def __str__(self):
        return self.title


class Source(models.Model):
    class Kind(models.TextChoices):
        PRESSEMITTEILUNG = "pressemitteilung", _("Pressemitteilung")
        FACHPRESSE = "fachpresse", _("Fachpressebericht")
        VERTRAGSTEXT = "vertragstext", _("Vertragstext")
        GESETZBLATT = "gesetzblatt", _("Gesetz- oder Amtsblatt")
        SONSTIGE = "sonstige", _("Sonstige")

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("Vereinbarung"), on_delete=models.CASCADE, related_name="sources"
    )
    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices, default=Kind.SONSTIGE)
    title = models.CharField(_("Titel"), max_length=300)
    publisher = models.CharField(_("Herausgeber"), max_length=200)
    published_on = models.DateField(_("Datum"), null=True, blank=True, help_text=_("Leer, wenn undatiert."))
    url = models.URLField(_("Adresse (URL)"), max_length=500, blank=True)
    file = models.FileField(
        _("Datei (PDF)"),
        storage=private_storage,
        upload_to="cooperations/sources/%Y/",
        blank=True,
        max_length=300,
        validators=[validate_pdf],
        help_text=_("Nur PDF, höchstens 10 MB. Wird außerhalb des Web-Verzeichnisses gespeichert."),
    )
    note = models.CharField(_("Anmerkung"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Quelle")
        verbose_name_plural = _("Quellen")
        ordering = ["agreement", "published_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "title", "publisher"], name="source_unique_title"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        if self.file:
            return reverse("cooperations:source_file", kwargs={"pk": self.pk})
        return self.url


class ReminderLog(models.Model):
    """One reminder sent for one item, threshold and target date. The unique constraint makes the daily task
    send each reminder once, however often it runs; a moved end or due date is a new target date. A reminder that
    found nobody is recorded without recipients and without `sent_at` (see `cooperations.reminders`); the run
    that reaches somebody completes it."""

    class Kind(models.TextChoices):
        AGREEMENT_ENDING = "agreement_ending", _("Vereinbarung endet")
        OBLIGATION_DUE = "obligation_due", _("Verpflichtung fällig")

    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(_("Objekt"))
    threshold_days = models.PositiveSmallIntegerField(_("Schwelle (Tage)"))
    target_date = models.DateField(_("Stichtag"))
    recipients = models.TextField(_("Empfänger"), blank=True, help_text=_("Leer: niemand war erreichbar."))
    sent_at = models.DateTimeField(
        _("gesendet am"), null=True, blank=True, default=timezone.now, help_text=_("Leer: noch nicht gesendet.")
    )
    checked_at = models.DateTimeField(_("zuletzt geprüft am"), default=timezone.now)

    class Meta:
        verbose_name = _("Erinnerung")
        verbose_name_plural = _("Erinnerungen")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "threshold_days", "target_date"], name="reminderlog_once_per_item"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.object_id} ({self.threshold_days} Tage, {self.target_date:%d.%m.%Y})"
