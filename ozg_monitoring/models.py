"""OZG monitoring: the catalogue, who executes what, the rollout status per Verwaltung and its history."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.messages import message
from common.models import AppendOnlyModel, ProvenanceFields
from common.provenance import Channel, SourceKind
from common.sql import german

# Reifegrad models: version -> highest level. A Leistung counts as "online" from level 2 in both models.
MATURITY_MODELS = {"1.1": 4, "2.0": 7}
ONLINE_MIN_LEVEL = 2


class Themenfeld(models.Model):
    catalogue_id = models.PositiveSmallIntegerField(_("Katalog-ID"), unique=True)
    name = models.CharField(_("Name"), max_length=120)

    class Meta:
        verbose_name = _("Themenfeld")
        verbose_name_plural = _("Themenfelder")
        ordering = [german("name")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("ozg_monitoring:leistung_list") + f"?themenfeld={self.catalogue_id}"


class Lebenslage(models.Model):
    catalogue_id = models.PositiveSmallIntegerField(_("Katalog-ID"), unique=True)
    name = models.CharField(_("Name"), max_length=160)
    themenfeld = models.ForeignKey(
        Themenfeld, verbose_name=_("Themenfeld"), on_delete=models.PROTECT, related_name="lebenslagen"
    )

    class Meta:
        verbose_name = _("Lebens- oder Geschäftslage")
        verbose_name_plural = _("Lebens- und Geschäftslagen")
        ordering = [german("name")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("ozg_monitoring:leistung_list") + f"?lebenslage={self.catalogue_id}"


class ExecutingLevel(models.TextChoices):
    LAND = "land", _("Land")
    KREIS = "kreis", _("Kreis / kreisfreie Stadt")
    AMT_GEMEINDE = "amt_gemeinde", _("Amt / amtsfreie Gemeinde")
    BUND = "bund", _("Bund")
    UNCLASSIFIED = "unclassified", _("noch nicht zugeordnet")


class OzgLeistungQuerySet(models.QuerySet):
    def executed_in_sh(self):
        """Leistungen executed by the Land, a Kreis or an Amt/amtsfreie Gemeinde (not the Bund)."""
        return self.filter(level__in=[ExecutingLevel.LAND, ExecutingLevel.KREIS, ExecutingLevel.AMT_GEMEINDE])

    def matching(self, text: str):
        """Leistungen matching a citizen's words (`ozg_monitoring.search`: stems, synonyms, her name's words in
        the Leistung's or its LeiKa-Leistungen's names), best first: ordered by the search's rank."""
        from .search import ranked_ids

        ids = ranked_ids(text)
        if not ids:
            return self.none()
        order = models.Case(*(models.When(pk=pk, then=position) for position, pk in enumerate(ids[:500])))
        return self.filter(pk__in=ids[:500]).order_by(order, "ozg_id")


class OzgLeistung(models.Model):
    class LevelSource(models.TextChoices):
        DEFAULT = "default", _("aus den LeiKa-Typen abgeleitet, nicht geprüft")
        MANUAL = "manual", _("von der Redaktion festgelegt")
        SOURCED = "sourced", _("aus Quelle belegt")
        CHECKED = "checked", _("aus den LeiKa-Typen abgeleitet, geprüft")
        UNSOURCED = "unsourced", _("Ableitung aus den LeiKa-Typen nicht belegt")
        # Derived: every sourced row of its LeiKa-Leistungen names this level; the others are not recorded yet.
        LEIKA = "leika", _("abgeleitet: alle belegten LeiKa-Leistungen liegen auf dieser Ebene")
        MIXED = "mixed", _("keine einheitliche Ebene: die LeiKa-Leistungen liegen auf verschiedenen Ebenen")
        # Older demo loads assigned levels; demo_remove still clears them. The demo assigns none any more.
        DEMO = "demo", _("Beispielzuordnung (Demo)")

    ozg_id = models.PositiveIntegerField(_("OZG-ID"), unique=True)
    name = models.CharField(_("Bezeichnung"), max_length=200)
    lebenslage = models.ForeignKey(
        Lebenslage, verbose_name=_("Lebens-/Geschäftslage"), on_delete=models.PROTECT, related_name="leistungen"
    )
    themenfeld = models.ForeignKey(
        Themenfeld, verbose_name=_("Themenfeld"), on_delete=models.PROTECT, related_name="leistungen"
    )
    level = models.CharField(
        _("Vollzugsebene in Schleswig-Holstein"),
        max_length=16,
        choices=ExecutingLevel.choices,
        default=ExecutingLevel.UNCLASSIFIED,
        db_index=True,
    )
    level_source = models.CharField(
        _("Herkunft der Vollzugsebene"), max_length=12, choices=LevelSource.choices, default=LevelSource.DEFAULT
    )
    leika_types = models.CharField(
        _("LeiKa-Typen"), max_length=40, blank=True, help_text=_("Die Typen der zugehörigen LeiKa-Leistungen.")
    )

    objects = OzgLeistungQuerySet.as_manager()

    class Meta:
        verbose_name = _("OZG-Leistung")
        verbose_name_plural = _("OZG-Leistungen")
        ordering = ["ozg_id"]

    def __str__(self):
        return f"{self.name} ({self.ozg_id})"

    def get_absolute_url(self):
        return reverse("ozg_monitoring:leistung_detail", kwargs={"ozg_id": self.ozg_id})


class LeikaLeistung(models.Model):
    key = models.CharField(
        _("LeiKa-Schlüssel"),
        max_length=14,
        null=True,
        blank=True,
        unique=True,
        help_text=_("14 Ziffern; leer bei Leistungen, die der Katalog als „nicht im LeiKa“ führt."),
    )
    in_leika = models.BooleanField(_("im LeiKa"), default=True)
    name = models.CharField(_("Bezeichnung"), max_length=300)
    leika_type = models.CharField(
        _("LeiKa-Typ"),
        max_length=20,
        blank=True,
        help_text=_("1 Bund/Bund, 2/3 Bund/Land oder Kommune, 4 Land/Land oder Kommune, 5 Kommune/Kommune."),
    )
    ozg_leistung = models.ForeignKey(
        OzgLeistung,
        verbose_name=_("OZG-Leistung"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leika_leistungen",
        help_text=_("Leer, wenn der Katalog keine OZG-Leistung zuordnet."),
    )
    sdg1 = models.BooleanField(_("SDG1"), default=False)
    sdg2 = models.BooleanField(_("SDG2"), default=False)
    legal_basis = models.TextField(_("Rechtsgrundlage"), blank=True)
    laws = models.TextField(_("Gesetze"), blank=True)
    law_abbreviations = models.CharField(_("Gesetzeskürzel"), max_length=120, blank=True)
    catalogue_row = models.PositiveIntegerField(
        _("Zeile im Katalog"), db_index=True, help_text=_("Zeile in ozg_leika_leistungen.csv.")
    )

    class Meta:
        verbose_name = _("LeiKa-Leistung")
        verbose_name_plural = _("LeiKa-Leistungen")
        ordering = ["catalogue_row"]
        constraints = [
            models.CheckConstraint(
                condition=Q(in_leika=True, key__isnull=False) | Q(in_leika=False, key__isnull=True),
                name="leika_key_iff_in_leika",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.key or _('nicht im LeiKa')})"

    def get_absolute_url(self):
        if self.ozg_leistung_id:
            return reverse("ozg_monitoring:leistung_detail", kwargs={"ozg_id": self.ozg_leistung.ozg_id})
        return reverse("ozg_monitoring:leistung_list")


class ManagedEntry(ProvenanceFields):
    """A managed list entry the dashboard shows (Fokusleistung, Basisdienst, Roll-out-Plan) and where it comes from:
    demo entries (`is_demo`) are loaded by `ozg_monitoring.demo` and removed with it unless someone wrote them since
    (`services.managed_entry_save` makes them real, stamping the writer's source kind)."""

    is_demo = models.BooleanField(_("Beispieldaten"), default=False, db_index=True)

    class Meta:
        abstract = True


class Fokusleistung(ManagedEntry):
    year = models.PositiveSmallIntegerField(_("Jahr"))
    leistung = models.ForeignKey(
        OzgLeistung, verbose_name=_("OZG-Leistung"), on_delete=models.CASCADE, related_name="fokus"
    )
    note = models.CharField(_("Anmerkung"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("Fokusleistung")
        verbose_name_plural = _("Fokusleistungen")
        ordering = ["-year", "leistung__ozg_id"]
        constraints = [models.UniqueConstraint(fields=["year", "leistung"], name="fokusleistung_unique_year")]

    def __str__(self):
        return f"{self.year}: {self.leistung.name}"

    def get_absolute_url(self):
        return self.leistung.get_absolute_url()


class Basisdienst(ManagedEntry):
    name = models.CharField(_("Name"), max_length=120, unique=True)
    description = models.TextField(_("Beschreibung"), blank=True)
    url = models.URLField(_("Adresse"), blank=True)
    operator = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("Betreiber"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    active = models.BooleanField(_("in Betrieb"), default=True)

    class Meta:
        verbose_name = _("Landes-Basisdienst")
        verbose_name_plural = _("Landes-Basisdienste")
        ordering = [german("name")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("ozg_monitoring:dashboard") + "#basisdienste"


class Stage(models.TextChoices):
    NICHT_GEPLANT = "nicht_geplant", _("nicht geplant")
    GEPLANT = "geplant", _("geplant")
    IN_UMSETZUNG = "in_umsetzung", _("in Umsetzung")
    ONLINE = "online", _("online verfügbar")
    ENDE_ZU_ENDE = "ende_zu_ende", _("Ende-zu-Ende digital")


STAGE_ORDER = {stage: index for index, stage in enumerate(Stage.values)}
ONLINE_STAGES = (Stage.ONLINE, Stage.ENDE_ZU_ENDE)


class RolloutStatusQuerySet(models.QuerySet):
    def online(self):
        return self.filter(stage__in=ONLINE_STAGES)

    def for_ars_prefix(self, prefix: str):
        return self.filter(verwaltung__ars__startswith=prefix)


class RolloutStatus(models.Model):
    class MaturityModel(models.TextChoices):
        V1_1 = "1.1", _("Reifegradmodell 1.1 (0–4)")
        V2_0 = "2.0", _("Reifegradmodell 2.0 (0–7)")

    class Platform(models.TextChoices):
        OWN = "own", _("eigene Lösung")
        OZG_CLOUD = "ozg_cloud", _("OZG-Cloud")
        EFA = "efa", _("EfA-Dienst eines anderen Landes")

    # No index of its own: the unique pair (Leistung, Verwaltung) begins with it.
    leistung = models.ForeignKey(
        OzgLeistung,
        verbose_name=_("OZG-Leistung"),
        on_delete=models.PROTECT,
        related_name="statuses",
        db_index=False,
    )
    verwaltung = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("Verwaltung"),
        on_delete=models.PROTECT,
        related_name="ozg_statuses",
    )
    # Indexed in Meta (a plain index: `db_index` would add a second one for LIKE, which no query uses).
    stage = models.CharField(_("Umsetzungsstand"), max_length=16, choices=Stage.choices, default=Stage.NICHT_GEPLANT)
    maturity_model = models.CharField(
        _("Reifegradmodell"), max_length=3, choices=MaturityModel.choices, default=MaturityModel.V2_0
    )
    maturity_level = models.PositiveSmallIntegerField(_("Reifegrad"), default=0)
    url = models.URLField(_("Adresse des Onlinedienstes"), max_length=500, blank=True)
    # Indexed in Meta, only where it is set (most statuses have none).
    provider = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("Anbieter"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    provider_name = models.CharField(
        _("Anbieter (Freitext)"), max_length=200, blank=True, help_text=_("z. B. ein anderes Land beim EfA-Dienst.")
    )
    platform = models.CharField(_("Plattform"), max_length=12, choices=Platform.choices, blank=True)
    planned_go_live = models.DateField(_("geplanter Start"), null=True, blank=True)
    actual_go_live = models.DateField(_("tatsächlicher Start"), null=True, blank=True)
    note = models.TextField(_("Anmerkung"), blank=True)
    version = models.PositiveIntegerField(_("Version"), default=1, help_text=_("Für optimistische Nebenläufigkeit."))
    # Indexed in Meta, only the demo rows: the queries look for those ("are there any", "remove them").
    is_demo = models.BooleanField(_("Beispieldaten"), default=False)
    source_kind = models.CharField(
        _("Herkunft"),
        max_length=20,
        choices=SourceKind.choices,
        blank=True,
        help_text=_("Woher der aktuelle Stand kommt (common/provenance.py); leer: nicht bekannt."),
    )
    source_at = models.DateTimeField(
        _("Stand der Herkunft"), null=True, blank=True, help_text=_("Wann die Herkunft diesen Stand angegeben hat.")
    )
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now)
    updated_at = models.DateTimeField(_("geändert am"), default=timezone.now, db_index=True)

    objects = RolloutStatusQuerySet.as_manager()

    class Meta:
        verbose_name = _("Umsetzungsstand")
        verbose_name_plural = _("Umsetzungsstände")
        ordering = ["leistung__ozg_id", "verwaltung__ars"]
        indexes = [
            # The dashboard's online pairs per Leistung come from this partial index alone, in the order of the
            # Leistung (an index-only scan grouped without sorting or hashing, bench/README.md); it holds only the
            # online statuses, so writes of the others do not touch it.
            models.Index(
                fields=["leistung", "verwaltung"],
                condition=Q(stage__in=ONLINE_STAGES),
                name="rolloutstatus_online_pair",
            ),
            models.Index(fields=["stage"], name="rolloutstatus_stage"),
            # Partial: every status is written with a new `updated_at` (indexed), so no update is a HOT update and
            # each one adds an entry to every index whose condition the row meets. These two hold only the few rows
            # their queries look for; a bulk upsert of 1,000 real statuses without a provider adds none to them.
            models.Index(fields=["is_demo"], condition=Q(is_demo=True), name="rolloutstatus_demo"),
            models.Index(fields=["provider"], condition=Q(provider__isnull=False), name="rolloutstatus_provider"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["leistung", "verwaltung"], name="rolloutstatus_unique_pair"),
            models.CheckConstraint(
                condition=Q(maturity_model="1.1", maturity_level__lte=4)
                | Q(maturity_model="2.0", maturity_level__lte=7),
                name="rolloutstatus_maturity_in_model_range",
            ),
            models.CheckConstraint(
                condition=~Q(stage__in=["online", "ende_zu_ende"]) | (~Q(url="") & Q(maturity_level__gte=2)),
                name="rolloutstatus_online_has_url_and_level",
            ),
        ]

    def __str__(self):
        return f"{self.leistung.name} – {self.verwaltung}"

    def get_absolute_url(self):
        return reverse("ozg_monitoring:verwaltung_detail", kwargs={"ars": self.verwaltung.ars}) + (
            f"#leistung-{self.leistung.ozg_id}"
        )

    def clean(self):
        errors = status_rule_errors(self)
        if errors:
            raise ValidationError(errors)

    @property
    def is_online(self) -> bool:
        return self.stage in ONLINE_STAGES

    @property
    def etag(self) -> str:
        return f'"{self.pk}-{self.version}"'


def status_rule_errors(status) -> dict[str, list[str]]:
    """The invariants of one status, checked without touching the database (bulk paths call this too)."""
    errors: dict[str, list[str]] = {}
    highest = MATURITY_MODELS.get(status.maturity_model)
    if highest is None:
        errors.setdefault("maturity_model", []).append(str(message("ozg.unknown_maturity_model")))
    elif status.maturity_level is None or not 0 <= status.maturity_level <= highest:
        errors.setdefault("maturity_level", []).append(
            str(message("ozg.maturity_level_range")) % {"model": status.maturity_model, "max": highest}
        )
    if status.stage in ONLINE_STAGES:
        if not status.url:
            errors.setdefault("url", []).append(str(message("ozg.online_needs_url")))
        if status.maturity_level is not None and status.maturity_level < ONLINE_MIN_LEVEL:
            errors.setdefault("maturity_level", []).append(str(message("ozg.online_needs_level")))
    if status.actual_go_live and status.actual_go_live > timezone.localdate():
        errors.setdefault("actual_go_live", []).append(str(message("ozg.go_live_future")))
    if status.provider_id and status.provider_name:
        errors.setdefault("provider_name", []).append(str(message("ozg.provider_twice")))
    return errors


class StageTally(models.Model):
    """The number of statuses per stage, kept by PostgreSQL itself: triggers on the status table (migration 0017)
    add each statement's change as a row (stage, +/- count), whichever door wrote it (model save, the bulk upsert's
    SQL, COPY, TRUNCATE); `ozg_monitoring.tally.compact` folds the rows into one per stage and repairs any
    difference from a true count. The dashboard sums these few rows (`selectors.stage_counts`) instead of counting
    every status after each write (100,000 in Schleswig-Holstein, 2.6 million at Germany scale). SQLite has no
    statement triggers: there the table stays empty and the dashboard counts."""

    stage = models.CharField(_("Umsetzungsstand"), max_length=16, choices=Stage.choices)
    n = models.BigIntegerField(_("Änderung der Anzahl"))

    class Meta:
        verbose_name = _("Zählung je Umsetzungsstand")
        verbose_name_plural = _("Zählungen je Umsetzungsstand")

    def __str__(self):
        return f"{self.stage}: {self.n:+d}"


class StatusEvent(AppendOnlyModel):
    """One immutable entry of the public history: what changed on a status, when, through which channel and from
    which source kind (both derived from the audit context when it is written: `common.provenance`).

    A status change is also an `audit.AuditEntry`. The two serve different readers: this is the public history
    (pages, API, open data; who changed it only as a role or body, replayed for the monthly snapshots), the audit
    entry is who-did-what for the Revision (the person, the exact door, the token). Both take the door from the one
    audit context, so it is named once."""

    class Action(models.TextChoices):
        CREATED = "created", _("angelegt")
        CHANGED = "changed", _("geändert")

    # No index of their own: the indexes (status / Verwaltung / Leistung, changed_at) below begin with them.
    status = models.ForeignKey(
        RolloutStatus,
        verbose_name=_("Umsetzungsstand"),
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,
    )
    # Their pair is the status's, and PostgreSQL checks it as one key (migration 0019, `statusevent_status_pair`:
    # the pair references the status's unique pair), not as two keys of their own: one check per entry instead of
    # two at the commit of a bulk upsert, and an entry can never name another pair than a status has.
    leistung = models.ForeignKey(
        OzgLeistung,
        verbose_name=_("OZG-Leistung"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    verwaltung = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("Verwaltung"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    action = models.CharField(_("Vorgang"), max_length=8, choices=Action.choices, default=Action.CHANGED)
    old_values = models.JSONField(_("alte Werte"), default=dict, blank=True)
    new_values = models.JSONField(_("neue Werte"), default=dict, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("geändert von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("geändert am"), default=timezone.now, db_index=True)
    channel = models.CharField(_("Weg"), max_length=8, choices=Channel.choices)
    source_kind = models.CharField(
        _("Herkunft"),
        max_length=20,
        choices=SourceKind.choices,
        blank=True,
        help_text=_("Woher die Änderung kommt, wie öffentliche Ausgaben sie nennen; leer: nicht bekannt."),
    )

    change_refused = _("Einträge der Änderungshistorie können nicht geändert werden.")
    delete_refused = _("Einträge der Änderungshistorie können nicht gelöscht werden.")

    class Meta:
        verbose_name = _("Änderung des Umsetzungsstands")
        verbose_name_plural = _("Änderungen der Umsetzungsstände")
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["status", "changed_at"], name="statusevent_status_time"),
            models.Index(fields=["verwaltung", "changed_at"], name="statusevent_verwaltung_time"),
            # A Leistung's page and the history API by OZG-ID: the newest entries of one Leistung without walking
            # the whole history backwards (at Germany scale 7.5 million entries; bench/README.md).
            models.Index(fields=["leistung", "changed_at"], name="statusevent_leistung_time"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.changed_at:%d.%m.%Y %H:%M}"

    def get_absolute_url(self):
        return self.status.get_absolute_url()

    @property
    def source_change(self) -> str:
        """ "Beispieldaten → ITV.SH-Redaktion" when this write changed where the status comes from (a demo row made
        real by a write: `services.status.made_real`), else ""."""
        if "source_kind" not in self.new_values:
            return ""
        from common.history import ARROW, value_text

        old, new = self.old_values.get("source_kind", ""), self.new_values["source_kind"]
        return f"{value_text(RolloutStatus, 'source_kind', old)}{ARROW}{value_text(RolloutStatus, 'source_kind', new)}"

    @property
    def public_actor(self) -> str:
        """Who changed it, as public outputs say it (a role or body): `selectors.public_actor_label`."""
        from .selectors import public_actor_label

        return public_actor_label(self)


class MonthlySnapshot(models.Model):
    """The aggregates the time series need, as of the start of `date` (one per date, recomputed on demand)."""

    date = models.DateField(_("Stichtag"), unique=True)
    statuses = models.PositiveIntegerField(_("Umsetzungsstände"), default=0)
    online = models.PositiveIntegerField(_("davon online"), default=0)
    leistungen_online = models.PositiveIntegerField(_("Leistungen online in mindestens einer Verwaltung"), default=0)
    aggregates = models.JSONField(_("Kennzahlen"), default=dict)
    is_demo = models.BooleanField(_("Beispieldaten"), default=False)
    created_at = models.DateTimeField(_("berechnet am"), default=timezone.now)

    class Meta:
        verbose_name = _("Monatsstand")
        verbose_name_plural = _("Monatsstände")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%d.%m.%Y}"

    def get_absolute_url(self):
        return reverse("ozg_monitoring:dashboard") + "#zeitreihe"


class RolloutPlan(ManagedEntry):
    name = models.CharField(_("Name"), max_length=160, unique=True)
    slug = models.SlugField(_("Kennung"), max_length=80, unique=True)
    year = models.PositiveSmallIntegerField(_("Jahr"))
    description = models.TextField(_("Beschreibung"), blank=True)

    class Meta:
        verbose_name = _("Roll-out-Plan")
        verbose_name_plural = _("Roll-out-Pläne")
        ordering = ["-year", german("name")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("ozg_monitoring:dashboard") + f"#plan-{self.slug}"


class RolloutTarget(models.Model):
    plan = models.ForeignKey(RolloutPlan, verbose_name=_("Plan"), on_delete=models.CASCADE, related_name="targets")
    leistung = models.ForeignKey(
        OzgLeistung, verbose_name=_("OZG-Leistung"), on_delete=models.PROTECT, related_name="+"
    )
    verwaltung = models.ForeignKey(
        "organisations.Organisation", verbose_name=_("Verwaltung"), on_delete=models.PROTECT, related_name="+"
    )
    target_stage = models.CharField(_("Zielstand"), max_length=16, choices=Stage.choices, default=Stage.ONLINE)
    due = models.DateField(_("Zieldatum"))

    class Meta:
        verbose_name = _("Planziel")
        verbose_name_plural = _("Planziele")
        ordering = ["due", "leistung__ozg_id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "leistung", "verwaltung"], name="rollouttarget_unique"),
        ]

    def __str__(self):
        return f"{self.plan}: {self.leistung.name} – {self.verwaltung}"

    def get_absolute_url(self):
        return self.plan.get_absolute_url()


class ImportJob(models.Model):
    """A CSV upload of status rows, processed by a Celery task; all rows or none are applied."""

    class State(models.TextChoices):
        PENDING = "pending", _("wartet")
        RUNNING = "running", _("läuft")
        DONE = "done", _("abgeschlossen")
        FAILED = "failed", _("fehlgeschlagen")

    file = models.FileField(_("Datei"), upload_to="ozg_imports/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("hochgeladen von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    state = models.CharField(_("Zustand"), max_length=8, choices=State.choices, default=State.PENDING)
    total_rows = models.PositiveIntegerField(_("Zeilen"), default=0)
    processed_rows = models.PositiveIntegerField(_("geprüfte Zeilen"), default=0)
    created_count = models.PositiveIntegerField(_("angelegt"), default=0)
    updated_count = models.PositiveIntegerField(_("geändert"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unverändert"), default=0)
    error_count = models.PositiveIntegerField(_("Fehler"), default=0)
    error_report = models.TextField(_("Fehlerbericht (CSV)"), blank=True)
    errors_shown = models.JSONField(
        _("Fehler (die ersten 100)"),
        default=list,
        blank=True,
        encoder=DjangoJSONEncoder,
        help_text=_("Zeile, Feld und Meldung der ersten Fehler, für die Seite des Imports; alle stehen im Bericht."),
    )
    dry_run = models.BooleanField(
        _("Probelauf"),
        default=False,
        help_text=_("Nur prüfen und zeigen, was angelegt und geändert würde; es wird nichts gespeichert."),
    )
    preview = models.JSONField(
        _("Vorschau"),
        default=dict,
        blank=True,
        encoder=DjangoJSONEncoder,
        help_text=_("Was der Import anlegt und ändert (alte und neue Werte), die ersten 100 Zeilen."),
    )
    created_at = models.DateTimeField(_("hochgeladen am"), default=timezone.now)
    finished_at = models.DateTimeField(_("beendet am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Statusimport")
        verbose_name_plural = _("Statusimporte")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{_('Import')} {self.pk} ({self.get_state_display()})"

    def get_absolute_url(self):
        return reverse("admin:ozg_monitoring_importjob_progress", args=[self.pk])

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.state in (self.State.DONE, self.State.FAILED) else 0
        return round(100 * self.processed_rows / self.total_rows)

    @property
    def file_error(self) -> str:
        """The message of an error about the whole file (not readable, a column missing, …), or ""."""
        for error in self.errors_shown:
            if error.get("field") == "datei":
                return error.get("message", "")
        return ""


class LinkCheck(models.Model):
    """One check of a status's service URL by the link checker (ozg_monitoring/linkcheck.py): append-only history.

    `ok` is a final answer 200–299 after at most a few redirects; `error` says in German why not (timeout, HTTP
    status, an address the SSRF guard refused, ...)."""

    status = models.ForeignKey(
        RolloutStatus, verbose_name=_("Umsetzungsstand"), on_delete=models.CASCADE, related_name="link_checks"
    )
    url = models.URLField(_("geprüfte Adresse"), max_length=500)
    checked_at = models.DateTimeField(_("geprüft am"), default=timezone.now, db_index=True)
    ok = models.BooleanField(_("erreichbar"))
    http_status = models.PositiveSmallIntegerField(_("HTTP-Status"), null=True, blank=True)
    error = models.CharField(_("Fehler"), max_length=300, blank=True)
    final_url = models.CharField(
        _("letzte Adresse"), max_length=2000, blank=True, help_text=_("Nach den Weiterleitungen.")
    )
    duration_ms = models.PositiveIntegerField(_("Dauer (ms)"), null=True, blank=True)

    class Meta:
        verbose_name = _("Linkprüfung")
        verbose_name_plural = _("Linkprüfungen")
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["status", "id"], name="linkcheck_status_id")]

    def __str__(self):
        state = _("erreichbar") if self.ok else _("nicht erreichbar")
        return f"{self.url} ({state}, {self.checked_at:%d.%m.%Y %H:%M})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValidationError(_("Linkprüfungen können nicht geändert werden."))
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return self.status.get_absolute_url()

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Linkprüfungen können nicht gelöscht werden."))


class BrokenLink(LinkCheck):
    """The staff list of the links whose last check failed, per Verwaltung (admin: ozg_monitoring/admin.py)."""

    class Meta:
        proxy = True
        verbose_name = _("Nicht erreichbarer Link")
        verbose_name_plural = _("Nicht erreichbare Links")


# --- Zuständigkeit: who executes a Leistung in Schleswig-Holstein, as sourced data -------------------------

#: The levels a Zuständigkeit row can state (never "noch nicht zugeordnet": what is unknown has no row).
SOURCED_LEVEL_CHOICES = [(value, label) for value, label in ExecutingLevel.choices if value != "unclassified"]
#: The precision a source's own date is given in: a year, a month or a day (as the source states it).
SOURCE_DATE_PATTERN = r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$"


class Evidence(models.TextChoices):
    QUELLE = "quelle", _("gelesene Quelle")
    RECHTSKENNTNIS = "rechtskenntnis", _("Rechtskenntnis (ohne gelesene Quelle)")


class ZustaendigkeitFields(models.Model):
    """What every Zuständigkeit entry carries: the level, the office, its basis and its source."""

    level = models.CharField(_("Vollzugsebene"), max_length=16, choices=SOURCED_LEVEL_CHOICES)
    office = models.CharField(
        _("zuständige Stelle"), max_length=200, blank=True, help_text=_("z. B. „Meldebehörde“, „Wohngeldbehörde“.")
    )
    basis = models.TextField(_("Grundlage"), help_text=_("Gesetz, Verordnung oder die öffentliche Seite, die es sagt."))
    source_url = models.URLField(_("Adresse der Quelle"), max_length=500, blank=True)
    source_title = models.CharField(_("Titel der Quelle"), max_length=300, blank=True)
    source_date = models.CharField(
        _("Stand der Quelle"),
        max_length=10,
        blank=True,
        validators=[
            RegexValidator(SOURCE_DATE_PATTERN, _("Bitte als JJJJ, JJJJ-MM oder JJJJ-MM-TT angeben (oder leer)."))
        ],
        help_text=_("Das eigene Datum der Quelle in ihrer Genauigkeit: JJJJ, JJJJ-MM oder JJJJ-MM-TT; leer: keins."),
    )
    checked_on = models.DateField(_("geprüft am"))
    evidence = models.CharField(_("Beleg"), max_length=16, choices=Evidence.choices, default=Evidence.QUELLE)
    note = models.TextField(_("Anmerkung"), blank=True)

    class Meta:
        abstract = True

    def clean(self):
        errors = {}
        if self.evidence == Evidence.QUELLE and not self.source_url and not self.source_title:
            errors["source_url"] = [_("Eine gelesene Quelle braucht ihre Adresse oder ihren Titel.")]
        leistung_id, leika = getattr(self, "leistung_id", None), getattr(self, "leika", None)
        if leika is not None and leistung_id is not None and leika.ozg_leistung_id != leistung_id:
            errors["leika"] = [_("Die LeiKa-Leistung gehört nicht zu dieser OZG-Leistung.")]
        if errors:
            raise ValidationError(errors)


class Zustaendigkeit(ZustaendigkeitFields):
    """The default executing level of an OZG-Leistung in SH, or of one of its LeiKa-Leistungen where they differ."""

    leistung = models.ForeignKey(
        OzgLeistung, verbose_name=_("OZG-Leistung"), on_delete=models.CASCADE, related_name="zustaendigkeiten"
    )
    leika = models.ForeignKey(
        LeikaLeistung,
        verbose_name=_("LeiKa-Leistung"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="zustaendigkeiten",
        help_text=_("Leer: gilt für die ganze OZG-Leistung."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Zuständigkeit")
        verbose_name_plural = _("Zuständigkeiten")
        ordering = ["leistung__ozg_id", "leika__key"]
        constraints = [
            models.UniqueConstraint(
                fields=["leistung"], condition=Q(leika__isnull=True), name="zustaendigkeit_unique_leistung"
            ),
            models.UniqueConstraint(
                fields=["leistung", "leika"], condition=Q(leika__isnull=False), name="zustaendigkeit_unique_leika"
            ),
        ]

    def __str__(self):
        target = self.leika.name if self.leika_id else self.leistung.name
        return f"{target}: {self.get_level_display()}"

    def get_absolute_url(self):
        return reverse("ozg_monitoring:leistung_detail", kwargs={"ozg_id": self.leistung.ozg_id}) + "#zustaendigkeit"


class ZustaendigkeitAusnahme(ZustaendigkeitFields):
    """Where the default does not hold: in an area (a Kreis, an Amt or a Gemeinde) the Leistung is handled at
    another level or by a named Verwaltung (a town with its own Bauaufsicht, a Kreis for all its Gemeinden)."""

    leistung = models.ForeignKey(
        OzgLeistung, verbose_name=_("OZG-Leistung"), on_delete=models.CASCADE, related_name="zustaendigkeit_ausnahmen"
    )
    leika = models.ForeignKey(
        LeikaLeistung,
        verbose_name=_("LeiKa-Leistung"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="zustaendigkeit_ausnahmen",
        help_text=_("Leer: gilt für die ganze OZG-Leistung."),
    )
    area = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("Bereich"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Kreis, Amt oder Gemeinde, in dem die Ausnahme gilt."),
    )
    handled_by = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("zuständige Verwaltung"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Leer: die Verwaltung der Ebene für die jeweilige Gemeinde."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Ausnahme der Zuständigkeit")
        verbose_name_plural = _("Ausnahmen der Zuständigkeit")
        ordering = ["leistung__ozg_id", "area__ars", "leika__key"]
        constraints = [
            models.UniqueConstraint(
                fields=["leistung", "area"], condition=Q(leika__isnull=True), name="zustaendigkeitausnahme_unique"
            ),
            models.UniqueConstraint(
                fields=["leistung", "leika", "area"],
                condition=Q(leika__isnull=False),
                name="zustaendigkeitausnahme_unique_leika",
            ),
        ]

    def __str__(self):
        target = self.leika.name if self.leika_id else self.leistung.name
        return f"{target} in {self.area}: {self.get_level_display()}"

    def get_absolute_url(self):
        return reverse("ozg_monitoring:leistung_detail", kwargs={"ozg_id": self.leistung.ozg_id}) + "#zustaendigkeit"

    def clean(self):
        super().clean()
        area_kinds = ("kreis", "kreisfreie_stadt", "amt", "amtsfreie_gemeinde", "amtsangehoerige_gemeinde")
        if self.area_id is not None and self.area.kind not in area_kinds:
            raise ValidationError({"area": [_("Bereich muss ein Kreis, ein Amt oder eine Gemeinde sein.")]})


class NotificationLog(models.Model):
    """One OZG notification sent: the daily digest of Kommune changes for Monitoring, or a stale-status reminder to
    one Verwaltung. The unique constraint makes the daily tasks send each once, however often they run; the
    digest's `covered_until` is where the next digest starts."""

    class Kind(models.TextChoices):
        DIGEST = "digest", _("Tageszusammenfassung für das Monitoring")
        STALE = "stale", _("Erinnerung an veraltete Umsetzungsstände")

    kind = models.CharField(_("Art"), max_length=10, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(
        _("Verwaltung"), default=0, help_text=_("Die erinnerte Verwaltung; 0 bei der Tageszusammenfassung.")
    )
    period = models.DateField(_("Stichtag"))
    covered_until = models.DateTimeField(_("berücksichtigt bis"), null=True, blank=True)
    items = models.PositiveIntegerField(_("Einträge"), default=0)
    recipients = models.TextField(_("Empfänger"), blank=True)
    sent_at = models.DateTimeField(_("gesendet am"), default=timezone.now)

    class Meta:
        verbose_name = _("OZG-Benachrichtigung")
        verbose_name_plural = _("OZG-Benachrichtigungen")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id", "period"], name="ozg_notification_once"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.period:%d.%m.%Y})"
