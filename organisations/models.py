"""The register: every public body of Schleswig-Holstein the portal speaks about."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.sql import german

from . import keys
from .text import search_name as make_search_name

LAND_ARS = keys.LAND_ARS  # its home is keys.py


class OrganisationQuerySet(models.QuerySet):
    def territorial(self):
        return self.filter(kind__in=Organisation.TERRITORIAL_KINDS)

    def verwaltungen(self):
        """Bodies that run services themselves: Kreise, kreisfreie Städte, Ämter, amtsfreie Gemeinden."""
        return self.filter(kind__in=Organisation.VERWALTUNG_KINDS)

    def gemeinden(self):
        """Every Gemeinde (kreisfrei, amtsfrei or amtsangehörig) and the gemeindefreien Gebiete."""
        return self.filter(kind__in=Organisation.GEMEINDE_KINDS)

    def below(self, ars_prefix: str):
        """The bodies whose ARS starts with the given key: a Kreis key (5 digits) or an Amt key (9 digits)
        returns the body itself and everything that lies below it."""
        return self.filter(ars__startswith=ars_prefix)

    def kreisebene(self):
        """Kreise and kreisfreie Städte: the 15 bodies at the level of a Kreis."""
        return self.filter(kind__in=Organisation.KREISEBENE_KINDS)

    def verwaltungen_and_land(self):
        """The Verwaltungen and the Land: the bodies that hold an OZG status and act for themselves."""
        return self.filter(kind__in=Organisation.VERWALTUNG_AND_LAND_KINDS)

    def of_kind(self, *kinds):
        return self.filter(kind__in=kinds)

    def with_hierarchy(self):
        """Loads Kreis, Amt, Verwaltung and parent in the same query."""
        return self.select_related("kreis", "amt", "verwaltung", "parent")


class Organisation(models.Model):
    class Kind(models.TextChoices):
        LAND = "land", _("Land")
        KREIS = "kreis", _("Kreis")
        KREISFREIE_STADT = "kreisfreie_stadt", _("Kreisfreie Stadt")
        AMT = "amt", _("Amt")
        AMTSFREIE_GEMEINDE = "amtsfreie_gemeinde", _("Amtsfreie Gemeinde")
        AMTSANGEHOERIGE_GEMEINDE = "amtsangehoerige_gemeinde", _("Amtsangehörige Gemeinde")
        GEMEINDEFREIES_GEBIET = "gemeindefreies_gebiet", _("Gemeindefreies Gebiet")
        LANDESBEHOERDE = "landesbehoerde", _("Landesbehörde")
        ANSTALT = "anstalt", _("Anstalt des öffentlichen Rechts")
        KOMMUNALER_LANDESVERBAND = "kommunaler_landesverband", _("Kommunaler Landesverband")
        KAMMER = "kammer", _("Kammer")
        SONSTIGE = "sonstige", _("Sonstige")

    TERRITORIAL_KINDS = (
        Kind.LAND,
        Kind.KREIS,
        Kind.KREISFREIE_STADT,
        Kind.AMT,
        Kind.AMTSFREIE_GEMEINDE,
        Kind.AMTSANGEHOERIGE_GEMEINDE,
        Kind.GEMEINDEFREIES_GEBIET,
    )
    #: The named groups of kinds; every app says "Kreise und kreisfreie Städte" (and the others) with these.
    #: Kreise and kreisfreie Städte: the level of a Kreis (a kreisfreie Stadt is its own Kreis).
    KREISEBENE_KINDS = (Kind.KREIS, Kind.KREISFREIE_STADT)
    #: The Verwaltungen that serve Gemeinden directly: Ämter, amtsfreie Gemeinden, kreisfreie Städte (9-digit key).
    GEMEINDEEBENE_KINDS = (Kind.AMT, Kind.AMTSFREIE_GEMEINDE, Kind.KREISFREIE_STADT)
    #: Bodies that run services themselves.
    VERWALTUNG_KINDS = (Kind.KREIS, Kind.KREISFREIE_STADT, Kind.AMT, Kind.AMTSFREIE_GEMEINDE)
    #: The Verwaltungen and the Land: who holds an OZG status, whom an account may act for.
    VERWALTUNG_AND_LAND_KINDS = (*VERWALTUNG_KINDS, Kind.LAND)
    GEMEINDE_KINDS = (
        Kind.KREISFREIE_STADT,
        Kind.AMTSFREIE_GEMEINDE,
        Kind.AMTSANGEHOERIGE_GEMEINDE,
        Kind.GEMEINDEFREIES_GEBIET,
    )

    kind = models.CharField(_("Art"), max_length=32, choices=Kind.choices, db_index=True)
    name = models.CharField(_("Name"), max_length=200, help_text=_("Amtlicher Name laut Destatis."))
    short_name = models.CharField(
        _("Kurzname"), max_length=80, blank=True, help_text=_("Gebräuchliche Kurzform, z. B. „ITV.SH“.")
    )
    slug = models.SlugField(
        _("Kennung"),
        max_length=80,
        unique=True,
        help_text=_("Stabile Kennung in Adressen, z. B. „itvsh“ oder der ARS bei Gebietskörperschaften."),
    )
    ars = models.CharField(
        _("Regionalschlüssel (ARS)"),
        max_length=12,
        null=True,
        blank=True,
        unique=True,
        validators=[keys.validate_ars],
        help_text=_("12-stelliger Amtlicher Regionalschlüssel; nur bei Gebietskörperschaften."),
    )
    ags = models.CharField(
        _("Gemeindeschlüssel (AGS)"),
        max_length=8,
        null=True,
        blank=True,
        unique=True,
        validators=[keys.validate_ags],
        help_text=_("8-stelliger Amtlicher Gemeindeschlüssel (Gemeinden, Kreise mit 5 Ziffern + 000)."),
    )
    official_type = models.CharField(
        _("Amtliche Bezeichnung"),
        max_length=80,
        blank=True,
        help_text=_("z. B. „Stadt“, „Kirchspielslandgemeinde“, „Kreis“ laut Gemeindeverzeichnis."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("Übergeordnete Stelle"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    kreis = models.ForeignKey(
        "self",
        verbose_name=_("Kreis"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Kreis oder kreisfreie Stadt, in dem die Stelle liegt (bei kreisfreien Städten sie selbst)."),
    )
    amt = models.ForeignKey(
        "self",
        verbose_name=_("Amt"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="member_gemeinden",
        help_text=_("Das Amt einer amtsangehörigen Gemeinde."),
    )
    verwaltung = models.ForeignKey(
        "self",
        verbose_name=_("Zuständige Verwaltung"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="served_gemeinden",
        help_text=_("Die Verwaltung, die die Gemeinde bedient: ihr Amt, oder sie selbst, wenn amts- oder kreisfrei."),
    )
    seat = models.CharField(_("Sitz"), max_length=120, blank=True)
    postal_code = models.CharField(_("PLZ des Verwaltungssitzes"), max_length=5, blank=True, db_index=True)
    population = models.PositiveIntegerField(_("Einwohner"), null=True, blank=True)
    area_km2 = models.DecimalField(_("Fläche (km²)"), max_digits=9, decimal_places=2, null=True, blank=True)
    territory_as_of = models.DateField(_("Gebietsstand"), null=True, blank=True)
    website = models.URLField(_("Website"), blank=True)
    search_name = models.CharField(
        _("Suchname"),
        max_length=200,
        blank=True,
        editable=False,
        db_index=True,
        help_text=_("Kleingeschriebener Kern des Namens ohne Umlaute und Zusätze; wird beim Speichern gesetzt."),
    )
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    history = HistoricalRecords()
    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("Öffentliche Stelle")
        verbose_name_plural = _("Öffentliche Stellen")
        ordering = [german("name")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(
                    kind__in=[
                        "land",
                        "kreis",
                        "kreisfreie_stadt",
                        "amt",
                        "amtsfreie_gemeinde",
                        "amtsangehoerige_gemeinde",
                        "gemeindefreies_gebiet",
                    ]
                )
                | Q(ars__isnull=False),
                name="organisation_territorial_has_ars",
            ),
            models.CheckConstraint(
                condition=Q(ars__isnull=True) | Q(ars__regex=keys.DB_ARS_REGEX),
                name="organisation_ars_format",
            ),
        ]
        indexes = [models.Index(fields=["kind", "name"], name="organisation_kind_name")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = make_search_name(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("organisations:detail", kwargs={"key": self.ars or self.slug})

    def clean(self):
        if self.kind in self.TERRITORIAL_KINDS and not self.ars:
            raise ValidationError({"ars": _("Gebietskörperschaften brauchen einen Regionalschlüssel (ARS).")})
        if self.kind not in self.TERRITORIAL_KINDS and self.ars:
            raise ValidationError({"ars": _("Nur Gebietskörperschaften haben einen Regionalschlüssel.")})

    @property
    def is_territorial(self) -> bool:
        return self.kind in self.TERRITORIAL_KINDS

    @property
    def is_verwaltung(self) -> bool:
        return self.kind in self.VERWALTUNG_KINDS

    @property
    def is_gemeinde(self) -> bool:
        return self.kind in self.GEMEINDE_KINDS

    @property
    def key(self) -> str:
        """The key used in addresses: the ARS for territorial bodies, else the slug."""
        return self.ars or self.slug

    @property
    def kreis_key(self) -> str:
        """The 5-digit Kreis key (empty for the Land and non-territorial bodies)."""
        return keys.kreis_key(self.ars) if self.ars and self.kind != self.Kind.LAND else ""

    @property
    def verband_key(self) -> str:
        """The 9-digit Verband key (Amt, amtsfreie Gemeinde, kreisfreie Stadt; a Gemeinde: that of its Amt)."""
        if not self.ars or self.kind in (self.Kind.LAND, self.Kind.KREIS):
            return ""
        return keys.verband_key(self.ars)

    @property
    def display_name(self) -> str:
        """Name with its kind where the name alone is ambiguous (an Amt and its seat share a name)."""
        if self.kind == self.Kind.AMT and not self.name.startswith(("Amt", "Kirchspielslandgemeinde")):
            prefix = "Kirchspielslandgemeinde" if self.official_type == "Kirchspielslandgemeinde" else "Amt"
            return f"{prefix} {self.name}"
        if self.kind == self.Kind.KREIS and not self.name.startswith("Kreis"):
            return f"Kreis {self.name}"
        return self.name


class PostalCode(models.Model):
    """A Postleitzahl of a Gemeinde: every (PLZ, Gemeinde) pair of data/gebiete/sh_plz.csv (OpenStreetMap, ODbL),
    for the place search only. A PLZ can span several Gemeinden, a Gemeinde have several PLZ. Not part of the
    register's API or open data (dl-de/by-2-0): the ODbL would bind them (data/README.md)."""

    code = models.CharField(_("Postleitzahl"), max_length=5, db_index=True)
    gemeinde = models.ForeignKey(
        Organisation, verbose_name=_("Gemeinde"), on_delete=models.CASCADE, related_name="postal_codes"
    )
    place_name = models.CharField(_("Ortsname (OpenStreetMap)"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("Postleitzahl")
        verbose_name_plural = _("Postleitzahlen")
        ordering = ["code", "gemeinde__name"]
        constraints = [models.UniqueConstraint(fields=["code", "gemeinde"], name="postalcode_unique_pair")]

    def __str__(self):
        return f"{self.code} {self.gemeinde.name}"
