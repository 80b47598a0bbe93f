"""What the federal Dashboard Digitale Verwaltung says, kept beside our statuses and never over them.

A `FederalRecordSet` is one sync from the federal API or one imported file; its `FederalRecord`s are the records
(DvDataDto of data/ozg/digitale-verwaltung-api.openapi.yaml) exactly as the Bund sent them, with the keys
resolved to our register and catalogue where they resolve. Records are append-only; a new set never changes an
older one, nor any RolloutStatus. The rule that decides which records are stored is in `federal/services.py`
and `federal/README.md`.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class FederalRecordSet(models.Model):
    class Kind(models.TextChoices):
        API = "api", _("Abruf der Bundes-API")
        FILE = "file", _("Datei")

    class Status(models.TextChoices):
        RUNNING = "running", _("läuft")
        DONE = "done", _("abgeschlossen")
        FAILED = "failed", _("fehlgeschlagen")

    kind = models.CharField(_("Art"), max_length=8, choices=Kind.choices)
    source = models.TextField(_("Quelle"), help_text=_("Adresse der Bundes-API oder Name der Datei."))
    requested_ars = models.JSONField(_("abgefragte Regionalschlüssel"), default=list, blank=True)
    status = models.CharField(_("Zustand"), max_length=8, choices=Status.choices, default=Status.RUNNING)
    error = models.TextField(_("Fehler"), blank=True)
    started_at = models.DateTimeField(_("begonnen am"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("beendet am"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("angestoßen von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    received = models.PositiveIntegerField(_("empfangene Datensätze"), default=0)
    kept = models.PositiveIntegerField(_("gespeichert, zugeordnet"), default=0)
    kept_unresolved = models.PositiveIntegerField(_("gespeichert, nicht zugeordnet"), default=0)
    skipped = models.PositiveIntegerField(_("übersprungen"), default=0)
    report = models.JSONField(
        _("Bericht"), default=dict, blank=True, help_text=_("Zählungen je Regel und Grund, Seiten, Formate.")
    )

    class Meta:
        verbose_name = _("Datensatz des Bundes-Dashboards")
        verbose_name_plural = _("Datensätze des Bundes-Dashboards")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="running", finished_at__isnull=True)
                | (~Q(status="running") & Q(finished_at__isnull=False)),
                name="federalrecordset_finished_iff_not_running",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.started_at:%d.%m.%Y %H:%M} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("admin:federal_federalrecordset_change", args=[self.pk])

    @property
    def stored(self) -> int:
        return self.kept + self.kept_unresolved


class FederalRecord(models.Model):
    """One DvDataDto record as the Bund says it. Every field may be null: the spec marks none as required (some
    as nullable), and a CSV cell cannot tell an empty text from a missing one."""

    class Rule(models.TextChoices):
        KEPT = "kept", _("gespeichert, zugeordnet")
        KEPT_UNRESOLVED = "kept_unresolved", _("gespeichert, nicht zugeordnet")

    record_set = models.ForeignKey(
        FederalRecordSet, verbose_name=_("Datensatz"), on_delete=models.PROTECT, related_name="records"
    )
    position = models.PositiveIntegerField(_("Nummer im Datensatz"), help_text=_("Reihenfolge des Empfangs, ab 1."))
    origin = models.CharField(_("Herkunft"), max_length=200, blank=True, help_text=_("Seite oder Datei."))

    # DvDataDto, as received (text fields stripped; empty -> null).
    leika_key = models.TextField(_("leika_key"), null=True, blank=True)
    leika_name = models.TextField(_("leika_name"), null=True, blank=True)
    ars = models.TextField(_("ars"), null=True, blank=True, db_index=True)
    ars_name = models.TextField(_("ars_name"), null=True, blank=True)
    ars_federal_state = models.TextField(_("ars_federal_state"), null=True, blank=True)
    bundesland = models.TextField(_("bundesland"), null=True, blank=True)
    leika_bezeichnung = models.TextField(_("leika_bezeichnung"), null=True, blank=True)
    ozgid = models.IntegerField(_("ozgid"), null=True, blank=True, db_index=True)
    ozg_bezeichnung = models.TextField(_("ozg_bezeichnung"), null=True, blank=True)
    url = models.TextField(_("url"), null=True, blank=True)
    online_status = models.TextField(_("online_status"), null=True, blank=True)
    aktiv = models.TextField(_("aktiv"), null=True, blank=True)
    art_flaechendeckung = models.TextField(_("art_flaechendeckung"), null=True, blank=True)

    # Resolved to our data where the keys resolve.
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("Gebietskörperschaft"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "Die Stelle mit diesem ARS (auch eine Gemeinde). Für welche Verwaltung der Datensatz zählt, entscheidet "
            "der Abgleich mit der Vollzugsebene."
        ),
    )
    leistung = models.ForeignKey(
        "ozg_monitoring.OzgLeistung",
        verbose_name=_("OZG-Leistung"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    leika = models.ForeignKey(
        "ozg_monitoring.LeikaLeistung",
        verbose_name=_("LeiKa-Leistung"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    rule = models.CharField(_("Regel"), max_length=16, choices=Rule.choices)
    reasons = models.JSONField(
        _("Gründe"), default=list, blank=True, help_text=_("Warum nicht zugeordnet, z. B. ozgid_unknown.")
    )
    invalid_values = models.JSONField(
        _("ungültige Werte"),
        default=dict,
        blank=True,
        help_text=_("Werte, die nicht in ihr Feld passten (z. B. eine ozgid, die keine Zahl ist), wie empfangen."),
    )

    class Meta:
        verbose_name = _("Eintrag des Bundes-Dashboards")
        verbose_name_plural = _("Einträge des Bundes-Dashboards")
        ordering = ["record_set", "position"]
        constraints = [
            models.UniqueConstraint(fields=["record_set", "position"], name="federalrecord_unique_position"),
        ]
        indexes = [models.Index(fields=["record_set", "ozgid"], name="federalrecord_set_ozgid")]

    def __str__(self):
        return f"{self.ars or '–'} / {self.ozgid if self.ozgid is not None else '–'} ({self.leika_key or '–'})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValidationError(_("Einträge des Bundes-Dashboards werden nie geändert."))
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("admin:federal_federalrecord_change", args=[self.pk])

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Einträge des Bundes-Dashboards werden nie gelöscht."))


class ReconciliationNote(models.Model):
    """A difference between our status and the Bund's record for one (Verwaltung, OZG-Leistung), marked as explained
    by staff with a note (federal/README.md, "Abgleich"). One per pair; changing the note keeps its history."""

    verwaltung = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("Verwaltung"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    leistung = models.ForeignKey(
        "ozg_monitoring.OzgLeistung", verbose_name=_("OZG-Leistung"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("Erklärung"))
    classification = models.CharField(
        _("Einordnung beim Erklären"), max_length=16, blank=True, help_text=_("Wie der Abgleich das Paar einordnete.")
    )
    reasons = models.JSONField(_("Gründe beim Erklären"), default=list, blank=True)
    record_set = models.ForeignKey(
        FederalRecordSet,
        verbose_name=_("Datensatz beim Erklären"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("erklärt von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    explained_at = models.DateTimeField(_("erklärt am"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("erklärte Abweichung")
        verbose_name_plural = _("erklärte Abweichungen")
        ordering = ["verwaltung__ars", "leistung__ozg_id"]
        constraints = [
            models.UniqueConstraint(fields=["verwaltung", "leistung"], name="reconciliationnote_unique_pair"),
        ]

    def __str__(self):
        return f"{self.verwaltung} / {self.leistung}"

    def get_absolute_url(self):
        return reverse("admin:federal_reconciliationnote_change", args=[self.pk])
