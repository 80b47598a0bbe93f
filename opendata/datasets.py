"""The datasets of the portal: what each one is, its columns (the data dictionary), licence and attribution.

Plain descriptions only; the rows come from selectors.py, the files of the monthly snapshots from services.py.
Column names are stable: downloads, the data dictionary pages and the DCAT-AP.de catalogue all read them here.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from common.csvfiles import spreadsheet_safe
from common.provenance import SourceKind
from ozg_monitoring.catalogue import CATALOGUE_SOURCE


@dataclass(frozen=True)
class Licence:
    """A dataset's licence: its entry in the DCAT-AP.de licence list (`uri`), its name, the licence text (`url`,
    empty where there is none) and, where the licence is not simply granted by us, a statement in words."""

    id: str
    name: str
    uri: str
    url: str
    statement: str = ""


# The portal's own data.
DL_DE_BY = Licence(
    id="dl-de/by-2-0",
    name="Datenlizenz Deutschland – Namensnennung – Version 2.0",
    uri="http://dcat-ap.de/def/licenses/dl-by-de/2.0",
    url="https://www.govdata.de/dl-de/by-2-0",
)
# Data taken over from a source that names no licence. The DCAT-AP.de list has no entry "keine Lizenz";
# "other-closed" (andere, nicht offene Lizenz) is the entry GovData's own harvester (ckanext-dcatde) uses when
# a source gives none: it promises no open reuse. The statement says so in words.
NO_LICENCE_STATED = Licence(
    id="other-closed",
    name="keine Lizenz angegeben",
    uri="http://dcat-ap.de/def/licenses/other-closed",
    url="",
    statement=(
        "Die Quelle des Leistungskatalogs (OZG-Umsetzungskatalog, übernommen aus der OZG-Datenbank NRW der KDN) "
        "gibt keine Lizenz an. Das Portal vergibt für diese Angaben daher keine eigene Lizenz; in der "
        "DCAT-AP.de-Lizenzliste ist der Datensatz als „andere, nicht offene Lizenz“ (other-closed) geführt. "
        "Die Angaben des Portals in diesem Datensatz (Vollzugsebene, Fokusleistungen) stammen vom ITV.SH."
    ),
)
LICENCE_ID, LICENCE_NAME, LICENCE_URI, LICENCE_URL = DL_DE_BY.id, DL_DE_BY.name, DL_DE_BY.uri, DL_DE_BY.url
OWN_ATTRIBUTION = "IT-Verbund Schleswig-Holstein (ITV.SH)"
# Wording from data/README.md (the notes Destatis ships with GV100AD) and the portal's footer.
DESTATIS_ATTRIBUTION = (
    "Gemeindeverzeichnis GV100AD, Gebietsstand 30.11.2025: © Statistisches Bundesamt (Destatis), 2025 – "
    "Vervielfältigung und Verbreitung, auch auszugsweise, mit Quellenangabe gestattet"
)
# The OZG catalogue as imported from the OZG-Datenbank NRW (data/README.md, "ozg/").
OZG_CATALOGUE_SOURCE = CATALOGUE_SOURCE

#: Added to the DCAT description of the datasets that hold demo rows while any are present (`catalog._dataset`).
DEMO_NOTE = _(
    "Enthält Beispieldaten: Zeilen aus Beispieldaten (Demo) sind keine echten Angaben und in der Spalte "
    "„beispieldaten“ mit true gekennzeichnet."
)

# Column types of the data dictionary; how each is written in CSV and in JSON.
TEXT, INTEGER, DECIMAL, BOOLEAN = "text", "integer", "decimal", "boolean"
DATE, DATETIME, LIST = "date", "datetime", "list"
TYPE_LABELS = {
    TEXT: _("Text"),
    INTEGER: _("ganze Zahl"),
    DECIMAL: _("Dezimalzahl (Punkt, zwei Nachkommastellen; in JSON als Text)"),
    BOOLEAN: _("Wahrheitswert (true/false)"),
    DATE: _("Datum (JJJJ-MM-TT)"),
    DATETIME: _("Zeitpunkt (ISO 8601 mit Zeitzone)"),
    LIST: _("Liste (in CSV durch „|“ getrennt, in JSON als Liste)"),
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    meaning: str

    @property
    def type_label(self) -> str:
        return str(TYPE_LABELS[self.type])


@dataclass(frozen=True)
class Dataset:
    slug: str
    title: str
    description: str
    columns: tuple[Column, ...]
    attribution: str
    keywords: tuple[str, ...]
    themes: tuple[str, ...]  # EU data-theme codes
    periodicity: str  # EU frequency code
    sources: tuple[str, ...] = field(default_factory=tuple)
    snapshots: bool = False  # one immutable file per month instead of one current file
    licence: Licence = DL_DE_BY

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("opendata:dataset", kwargs={"slug": self.slug})


def csv_value(kind: str, value) -> str:
    if value is None:
        return ""
    if kind == BOOLEAN:
        return "true" if value else "false"
    if kind == LIST:
        return spreadsheet_safe("|".join(str(item) for item in value))
    if kind == DECIMAL:
        return f"{Decimal(value):.2f}"
    if kind in (DATE, DATETIME):
        return value if isinstance(value, str) else value.isoformat()
    if kind == TEXT:
        # Text that Kommunen type in (provider, platform, URLs) must not run as a formula when the CSV is opened
        # in a spreadsheet: a leading =, +, -, @ gets an apostrophe. JSON carries the value unchanged.
        return spreadsheet_safe(str(value))
    return str(value)


def json_value(kind: str, value):
    if value is None:
        return None
    if kind == DECIMAL:
        return f"{Decimal(value):.2f}"
    if kind in (DATE, DATETIME):
        return value if isinstance(value, str) else value.isoformat()
    if kind == LIST:
        return list(value)
    return value


def _c(name, kind, meaning):
    return Column(name, kind, meaning)


def _herkunft(what: str) -> tuple:
    """The two provenance columns of a dataset whose rows carry it (common.models.ProvenanceFields): the source
    kind's code with every code explained, from the one vocabulary, and when it was recorded."""
    codes = ", ".join(f"{kind.value} ({kind.label})" for kind in SourceKind)
    return (
        _c(
            "herkunft", TEXT, _("Woher %(what)s kommt: %(codes)s; leer: nicht bekannt") % {"what": what, "codes": codes}
        ),
        _c("herkunft_stand", DATETIME, _("Wann die Herkunft erfasst wurde; leer: nicht bekannt")),
    )


STATUS_COLUMNS = (
    _c("ozg_id", INTEGER, _("OZG-ID der Leistung (10000–10601 im Katalog)")),
    _c("leistung", TEXT, _("Bezeichnung der OZG-Leistung")),
    _c("themenfeld_id", INTEGER, _("Katalog-ID des Themenfelds")),
    _c("ars", TEXT, _("Amtlicher Regionalschlüssel der Verwaltung (12 Ziffern; 010000000000 ist das Land)")),
    _c("verwaltung", TEXT, _("Name der Verwaltung (Kreis, kreisfreie Stadt, Amt, amtsfreie Gemeinde oder Land)")),
    _c(
        "umsetzungsstand",
        TEXT,
        _("nicht_geplant, geplant, in_umsetzung, online (online verfügbar), ende_zu_ende (Ende-zu-Ende digital)"),
    ),
    _c("online", BOOLEAN, _("true ab dem Stand „online verfügbar“")),
    _c("reifegradmodell", TEXT, _("Reifegradmodell: 1.1 (Stufen 0–4) oder 2.0 (Stufen 0–7)")),
    _c("reifegrad", INTEGER, _("Reifegrad im angegebenen Modell")),
    _c("adresse", TEXT, _("Adresse (URL) des Onlinedienstes, ab „online verfügbar“ Pflicht")),
    _c(
        "plattform",
        TEXT,
        _("own (eigene Lösung), ozg_cloud (OZG-Cloud), efa (EfA-Dienst eines anderen Landes) oder leer"),
    ),
    _c("anbieter", TEXT, _("Anbieter des Dienstes (Stelle des Registers oder Freitext), leer wenn nicht angegeben")),
    _c("geplanter_start", DATE, _("geplanter Start des Onlinedienstes")),
    _c("tatsaechlicher_start", DATE, _("tatsächlicher Start des Onlinedienstes")),
    _c("beispieldaten", BOOLEAN, _("true bei Beispieldaten (Demo), die keine echte Meldung sind")),
)

REGISTER = Dataset(
    slug="register",
    title=(_("Register der öffentlichen Stellen in Schleswig-Holstein")),
    description=(
        _(
            "Alle Gebietskörperschaften Schleswig-Holsteins (Land, Kreise, kreisfreie Städte, Ämter, Gemeinden, "
            "gemeindefreie Gebiete) mit Regional- und Gemeindeschlüssel, Art, Zuordnung zu Kreis, Amt und "
            "zuständiger Verwaltung, Einwohnerzahl und Fläche, sowie weitere Stellen (ITV.SH, Verbände, Kammern)."
        )
    ),
    columns=(
        _c("kennung", TEXT, _("Stabile Kennung der Stelle im Portal")),
        _c("ars", TEXT, _("Amtlicher Regionalschlüssel, 12 Ziffern; leer bei Stellen ohne Gebiet")),
        _c("ags", TEXT, _("Amtlicher Gemeindeschlüssel, 8 Ziffern")),
        _c("name", TEXT, _("Amtlicher Name")),
        _c("kurzname", TEXT, _("Gebräuchliche Kurzform")),
        _c(
            "art",
            TEXT,
            _(
                "Art der Stelle (land, kreis, kreisfreie_stadt, amt, amtsfreie_gemeinde, "
                "amtsangehoerige_gemeinde, gemeindefreies_gebiet, landesbehoerde, anstalt, "
                "kommunaler_landesverband, kammer, sonstige)"
            ),
        ),
        _c("amtliche_bezeichnung", TEXT, _("Bezeichnung laut Gemeindeverzeichnis, z. B. „Stadt“")),
        _c("kreis_ars", TEXT, _("ARS des Kreises oder der kreisfreien Stadt, in dem die Stelle liegt")),
        _c("amt_ars", TEXT, _("ARS des Amtes einer amtsangehörigen Gemeinde")),
        _c("verwaltung_ars", TEXT, _("ARS der Verwaltung, die die Gemeinde bedient (ihr Amt oder sie selbst)")),
        _c("uebergeordnet", TEXT, _("Kennung der übergeordneten Stelle")),
        _c("sitz", TEXT, _("Sitz der Verwaltung")),
        _c("plz", TEXT, _("Postleitzahl des Verwaltungssitzes")),
        _c("einwohner", INTEGER, _("Einwohner am 31.12.2024 (Destatis, Basis Zensus 2022)")),
        _c("flaeche_km2", DECIMAL, _("Fläche in km² am 31.12.2024")),
        _c("gebietsstand", DATE, _("Gebietsstand der amtlichen Angaben")),
        _c("website", TEXT, _("Website der Stelle")),
        _c("geaendert_am", DATETIME, _("Letzte Änderung des Eintrags im Portal")),
    ),
    attribution=f"{OWN_ATTRIBUTION}; {DESTATIS_ATTRIBUTION}",
    keywords=("Register", "Gemeinden", "Ämter", "Kreise", "Regionalschlüssel", "ARS", "AGS"),
    themes=("REGI", "GOVE"),
    periodicity="IRREG",
    sources=(DESTATIS_ATTRIBUTION,),
)

OZG_CATALOGUE = Dataset(
    slug="ozg-katalog",
    title=(_("OZG-Katalog: Leistungen mit Themenfeld, Lebenslage und LeiKa-Schlüsseln")),
    description=(
        _(
            "Die OZG-Leistungen mit Themenfeld, Lebens- oder Geschäftslage, den Schlüsseln der zugehörigen "
            "LeiKa-Leistungen, der Vollzugsebene in Schleswig-Holstein und den Jahren, in denen sie Fokusleistung "
            "sind."
        )
    ),
    columns=(
        _c("ozg_id", INTEGER, _("OZG-ID der Leistung")),
        _c("leistung", TEXT, _("Bezeichnung der OZG-Leistung")),
        _c("themenfeld_id", INTEGER, _("Katalog-ID des Themenfelds")),
        _c("themenfeld", TEXT, _("Name des Themenfelds")),
        _c("lebenslage_id", INTEGER, _("Katalog-ID der Lebens- oder Geschäftslage")),
        _c("lebenslage", TEXT, _("Name der Lebens- oder Geschäftslage")),
        _c(
            "vollzugsebene",
            TEXT,
            _(
                "Wer die Leistung in Schleswig-Holstein vollzieht: land, kreis, amt_gemeinde, "
                "bund oder unclassified (noch nicht zugeordnet)"
            ),
        ),
        _c(
            "vollzugsebene_herkunft",
            TEXT,
            _(
                "sourced (aus Quelle belegt, siehe Datensatz Zuständigkeiten), checked (aus den LeiKa-Typen "
                "abgeleitet und geprüft), unsourced (Ableitung nicht belegt), manual (Redaktion), default (aus den "
                "LeiKa-Typen abgeleitet, nicht geprüft) oder demo (Beispielzuordnung früherer Demo-Läufe)"
            ),
        ),
        _c("leika_typen", TEXT, _("Typen der zugehörigen LeiKa-Leistungen (1 Bund/Bund … 5 Kommune/Kommune)")),
        _c("leika_schluessel", LIST, _("14-stellige Schlüssel der zugehörigen LeiKa-Leistungen")),
        _c("anzahl_leika_leistungen", INTEGER, _("Zahl der zugehörigen LeiKa-Leistungen (auch ohne Schlüssel)")),
        _c("fokusleistung_jahre", LIST, _("Jahre, in denen die Leistung Fokusleistung ist")),
        _c(
            "beispieldaten",
            BOOLEAN,
            _(
                "true, wenn die Zeile Beispieldaten (Demo) enthält: eine Beispiel-Vollzugsebene oder ein Jahr einer "
                "Beispiel-Fokusleistung"
            ),
        ),
    ),
    attribution=f"{OWN_ATTRIBUTION}; {OZG_CATALOGUE_SOURCE}",
    keywords=("OZG", "Onlinezugangsgesetz", "Leistungskatalog", "LeiKa", "Themenfeld", "Fokusleistung"),
    themes=("GOVE",),
    periodicity="IRREG",
    sources=(OZG_CATALOGUE_SOURCE,),
    licence=NO_LICENCE_STATED,
)

OZG_STATUS = Dataset(
    slug="ozg-status",
    title=(_("OZG-Umsetzungsstand je Verwaltung und Leistung (aktuell)")),
    description=(
        _(
            "Der aktuelle Umsetzungsstand jeder OZG-Leistung in jeder Verwaltung Schleswig-Holsteins: Stand, "
            "Reifegrad, Adresse des Onlinedienstes, Plattform und Start. Ändert sich, sobald eine Verwaltung "
            "einen Stand meldet."
        )
    ),
    columns=(
        *STATUS_COLUMNS,
        _c(
            "herkunft",
            TEXT,
            _(
                "Woher der Stand kommt: demo (Beispieldaten), redaktion (ITV.SH-Redaktion), kommune (Kommune), "
                "import (Datei-Import), bund (Bundes-Dashboard); leer: nicht bekannt"
            ),
        ),
        _c("geaendert_am", DATETIME, _("Letzte Änderung dieses Umsetzungsstands")),
    ),
    attribution=OWN_ATTRIBUTION,
    keywords=("OZG", "Onlinedienste", "Umsetzungsstand", "Reifegrad", "Kommunen", "Monitoring"),
    themes=("GOVE",),
    periodicity="IRREG",
)

OZG_SNAPSHOTS = Dataset(
    slug="ozg-status-monatsstaende",
    title=(_("OZG-Umsetzungsstand je Verwaltung und Leistung: Monatsstände")),
    description=(
        _(
            "Der Umsetzungsstand jeder OZG-Leistung in jeder Verwaltung zum Beginn jedes Monats (00:00 Uhr "
            "Europe/Berlin), aus der Änderungshistorie berechnet. Jeder Monatsstand wird einmal veröffentlicht "
            "und danach nicht mehr verändert."
        )
    ),
    columns=(_c("stichtag", DATE, _("Stichtag des Monatsstands (Monatserster, Stand 00:00 Uhr)")), *STATUS_COLUMNS),
    attribution=OWN_ATTRIBUTION,
    keywords=("OZG", "Onlinedienste", "Umsetzungsstand", "Zeitreihe", "Monatsstand", "Kommunen"),
    themes=("GOVE",),
    periodicity="MONTHLY",
    snapshots=True,
)

AGREEMENTS = Dataset(
    slug="vereinbarungen",
    title=(_("Kooperationsvereinbarungen zur Digitalisierung in Schleswig-Holstein")),
    description=(
        _(
            "Vereinbarungen zwischen dem Land, dem ITV.SH, Kommunen, Verbänden und Kammern: Art, Parteien mit "
            "Rolle, Unterzeichnung, Laufzeit und Status."
        )
    ),
    columns=(
        _c("kennung", TEXT, _("Stabile Kennung der Vereinbarung")),
        _c(
            "art",
            TEXT,
            _(
                "gesetz, gesetzentwurf, kooperationsvereinbarung, verwaltungskooperation, absichtserklaerung, "
                "rahmenvereinbarung oder sonstige"
            ),
        ),
        _c("titel", TEXT, _("Titel")),
        _c("fundstelle", TEXT, _("Aktenzeichen oder Fundstelle")),
        _c(
            "status",
            TEXT,
            _("entwurf, in_verhandlung, in_kraft, ausgelaufen, gekuendigt, ersetzt oder unbekannt (nicht bekannt)"),
        ),
        _c("parteien", LIST, _("Parteien als „Name (Rolle)“")),
        _c("parteien_ars", LIST, _("Regionalschlüssel der Parteien, soweit sie Gebietskörperschaften sind")),
        _c("themen", LIST, _("Themenfelder der Vereinbarung")),
        _c("bekannt_gemacht_am", DATE, _("Datum der ersten öffentlichen Mitteilung")),
        _c("unterzeichnet_am", DATE, _("Datum der Unterzeichnung")),
        _c("unterzeichnet_genauigkeit", TEXT, _("Genauigkeit des Unterzeichnungsdatums (day, month, year)")),
        _c("unterzeichnet_datum_unbekannt", BOOLEAN, _("Unterzeichnung belegt, Datum nicht bekannt")),
        _c("wirksam_ab", DATE, _("Datum des Wirksamwerdens")),
        _c("wirksam_ab_genauigkeit", TEXT, _("Genauigkeit von wirksam_ab (day, month, year)")),
        _c("laufzeit_art", TEXT, _("fixed_end, years, wahlperiode, open_ended oder unknown")),
        _c("laufzeit_jahre", INTEGER, _("Laufzeit in Jahren (bei laufzeit_art years)")),
        _c("laufzeit_beginn", DATE, _("Beginn der Laufzeit (abgeleitet)")),
        _c("laufzeit_ende", DATE, _("Ende der Laufzeit (abgeleitet); leer wenn offen oder unbekannt")),
        _c(
            "abgeleitet",
            LIST,
            _(
                "Werte, die keine Quelle ausdrücklich nennt, sondern abgeleitet sind, als „Feld: Begründung“ "
                "(Felder: status, signed_on, effective_from, duration_years, term_start, term_end)"
            ),
        ),
        *_herkunft(_("die Angaben der Vereinbarung")),
        _c("geaendert_am", DATETIME, _("Letzte Änderung im Portal")),
    ),
    attribution=OWN_ATTRIBUTION,
    keywords=("Kooperationsvereinbarung", "Verwaltungskooperation", "Absichtserklärung", "ITV.SH", "Kommunen"),
    themes=("GOVE",),
    periodicity="IRREG",
)

FUNDING = Dataset(
    slug="finanzierung",
    title=(_("Finanzierung der kommunalen Digitalisierung: Haushaltspositionen")),
    description=(
        _(
            "Jede Haushaltsposition mit Mittelgeber, Empfänger, Zweck, Vereinbarung und Haushaltsjahr: Planbetrag, "
            "abgerufene (freigegebene und ausgezahlte) und verfügbare Mittel in Euro."
        )
    ),
    columns=(
        _c("schluessel", TEXT, _("Stabile Kennung der Position (leer bei manuell angelegten)")),
        _c("position", TEXT, _("Bezeichnung")),
        _c("haushaltsjahr", INTEGER, _("Haushaltsjahr; leer, wenn die Quelle kein Jahr nennt")),
        _c("jahr_genannt", BOOLEAN, _("false, wenn das Jahr fehlt oder nur aus der Laufzeit abgeleitet ist")),
        _c("mittelgeber", TEXT, _("Mittelgeber")),
        _c("empfaenger", TEXT, _("Empfänger")),
        _c("empfaenger_ars", TEXT, _("Regionalschlüssel des Empfängers, falls Gebietskörperschaft")),
        _c("zweck", TEXT, _("Zweck")),
        _c("vereinbarung", TEXT, _("Kennung der Vereinbarung, auf der die Position beruht")),
        _c("status", TEXT, _("geplant, zugesagt, gesperrt oder abgeschlossen")),
        _c("planbetrag", DECIMAL, _("Planbetrag in Euro")),
        _c("betrag_ungefaehr", BOOLEAN, _("true, wenn die Quelle den Betrag nur ungefähr nennt")),
        _c("wortlaut_der_quelle", TEXT, _("Wortlaut der Quelle zum Betrag")),
        _c(
            "zahlungen_erfasst",
            BOOLEAN,
            _("false, wenn für die Position niemand Mittelabrufe und Zahlungen erfasst; die vier Summen sind leer"),
        ),
        _c(
            "freigegeben",
            DECIMAL,
            _("Summe der freigegebenen, noch nicht ausgezahlten Mittelabrufe in Euro; leer, wenn nicht erfasst"),
        ),
        _c("ausgezahlt", DECIMAL, _("Summe der ausgezahlten Mittelabrufe in Euro; leer, wenn nicht erfasst")),
        _c("abgerufen", DECIMAL, _("freigegeben + ausgezahlt in Euro; leer, wenn nicht erfasst")),
        _c("verfuegbar", DECIMAL, _("planbetrag − abgerufen in Euro; leer, wenn nicht erfasst")),
        _c("quelle", TEXT, _("Herausgeber, Datum und Titel der Quelle")),
        _c("adresse_der_quelle", TEXT, _("Adresse (URL) der Quelle")),
        *_herkunft(_("die Position")),
        _c("geaendert_am", DATETIME, _("Letzte Änderung der Position im Portal")),
    ),
    attribution=OWN_ATTRIBUTION,
    keywords=("Finanzierung", "Haushalt", "Mittelabruf", "ITV.SH", "Digitalisierung"),
    themes=("GOVE", "ECON"),
    periodicity="IRREG",
)

ZUSTAENDIGKEIT_SOURCES = _(
    "Eigene Recherche des ITV.SH in öffentlichen Quellen (Landesrecht, Landesportal, Zuständigkeitsfinder "
    "Schleswig-Holstein, Seiten der Kreise, Ämter und Städte); die Quelle jeder Zeile steht in den Spalten "
    "quelle_titel, quelle_url und quelle_stand und ist bei der Weiterverwendung zu nennen."
)
ZUSTAENDIGKEITEN = Dataset(
    slug="zustaendigkeiten",
    title=_("Zuständigkeiten: wo Bürgerinnen und Bürger in Schleswig-Holstein eine Leistung beantragen"),
    description=_(
        "Die belegte Vollzugsebene je OZG-Leistung (oder je LeiKa-Leistung, wo sie verschieden ist) und die "
        "Ausnahmen je Kreis, Amt oder Gemeinde, jede Zeile mit Grundlage, Quelle, Stand der Quelle und Prüfdatum. "
        "Was hier fehlt, ist noch nicht erfasst – nicht unbekannt gleich null."
    ),
    columns=(
        _c("art", TEXT, _("standard (Standardebene) oder ausnahme (Ausnahme in einem Bereich)")),
        _c("ozg_id", INTEGER, _("OZG-ID der Leistung")),
        _c("leistung", TEXT, _("Bezeichnung der OZG-Leistung")),
        _c(
            "leika_schluessel", TEXT, _("LeiKa-Schlüssel, wenn die Zeile nur für diese LeiKa-Leistung gilt; sonst leer")
        ),
        _c("leika_leistung", TEXT, _("Bezeichnung der LeiKa-Leistung (leer: die ganze OZG-Leistung)")),
        _c("bereich_ars", TEXT, _("Ausnahme: ARS des Kreises, Amtes oder der Gemeinde, in dem sie gilt")),
        _c("bereich", TEXT, _("Ausnahme: Name des Bereichs")),
        _c("ebene", TEXT, _("land, kreis, amt_gemeinde (Amt, amtsfreie Gemeinde, kreisfreie Stadt) oder bund")),
        _c("zustaendig_ars", TEXT, _("Ausnahme: ARS der zuständigen Verwaltung (leer: die Verwaltung der Ebene)")),
        _c("zustaendig", TEXT, _("Ausnahme: Name der zuständigen Verwaltung")),
        _c("zustaendige_stelle", TEXT, _("Bezeichnung der Stelle, z. B. Meldebehörde")),
        _c("grundlage", TEXT, _("Gesetz, Verordnung oder die öffentliche Seite, die die Zuständigkeit nennt")),
        _c("quelle_titel", TEXT, _("Titel der Quelle")),
        _c("quelle_url", TEXT, _("Adresse (URL) der Quelle")),
        _c("quelle_stand", TEXT, _("Eigenes Datum der Quelle in ihrer Genauigkeit: JJJJ, JJJJ-MM oder JJJJ-MM-TT")),
        _c("geprueft_am", DATE, _("Datum, an dem die Zeile geprüft wurde")),
        _c("beleg", TEXT, _("quelle (gelesene Quelle) oder rechtskenntnis")),
        _c("anmerkung", TEXT, _("Anmerkung der Recherche")),
    ),
    attribution=f"{OWN_ATTRIBUTION}; {ZUSTAENDIGKEIT_SOURCES}",
    keywords=("OZG", "Zuständigkeit", "Vollzugsebene", "Zuständigkeitsfinder", "Schleswig-Holstein"),
    themes=("GOVE",),
    periodicity="IRREG",
    sources=(ZUSTAENDIGKEIT_SOURCES,),
)

DATASETS = {
    dataset.slug: dataset
    for dataset in (REGISTER, OZG_CATALOGUE, OZG_STATUS, OZG_SNAPSHOTS, ZUSTAENDIGKEITEN, AGREEMENTS, FUNDING)
}
CURRENT_DATASETS = [dataset for dataset in DATASETS.values() if not dataset.snapshots]


def month_starts(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """Every first of a month from the month start on or after `first` up to `last` (inclusive)."""
    day = first if first.day == 1 else (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    days = []
    while day <= last:
        days.append(day)
        day = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return days
