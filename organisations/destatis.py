"""The Destatis importer of the register: `register_import(*, path, by, stdout)` brings the register in line with
the GV100AD-derived files in `data/gebiete/` (Land, Kreise, Ämter, Gemeinden) and creates the non-territorial
bodies of the founding documents. The command `import_register` is its thin door."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TextIO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from common.authorization import Rule
from common.csvfiles import CsvFileError, decode_csv_bytes, read_csv_rows

from .models import LAND_ARS, Organisation
from .text import search_name, short_name

#: Loading the Destatis files (the command acts as the system actor; no group may add bodies).
REGISTER_IMPORT = Rule(
    action=_lazy("Register importieren"),
    perms=("organisations.add_organisation", "organisations.change_organisation"),
)

Kind = Organisation.Kind

KREISE_FILE = "sh_kreise.csv"
VERBAENDE_FILE = "sh_gemeindeverbaende.csv"
GEMEINDEN_FILE = "sh_gemeinden.csv"

KREISE_COLUMNS = ("kreis_ags", "kreis_ars", "name", "typ_code", "sitz", "bevoelkerung", "flaeche_km2", "gebietsstand")
VERBAENDE_COLUMNS = (
    "verband_ars9",
    "name",
    "typ_code",
    "typ",
    "sitz",
    "kreis_ags",
    "anzahl_gemeinden",
    "bevoelkerung",
    "flaeche_km2",
    "gebietsstand",
)
GEMEINDEN_COLUMNS = (
    "ars",
    "ags",
    "name",
    "gemeindetyp_code",
    "gemeindetyp",
    "kreis_ags",
    "verband_ars9",
    "verband_typ_code",
    "amt_ars9",
    "flaeche_km2",
    "bevoelkerung",
    "plz",
    "gebietsstand",
)

KREIS_TYPES = {"41": Kind.KREISFREIE_STADT, "43": Kind.KREIS}
VERBAND_AMT_TYPES = {"51": "Amt", "55": "Kirchspielslandgemeinde"}
VERBAND_FREE = "50"
GEMEINDE_KREISFREI, GEMEINDE_STADT, GEMEINDE_KREISANGEHOERIG, GEMEINDEFREI = "61", "63", "64", "66"

# The non-territorial bodies of the founding documents. Other apps reference them by slug. They are created
# when missing and otherwise left alone: after the first import, staff maintain them in the admin.
NON_TERRITORIAL_BODIES = (
    {
        "slug": "landesregierung",
        "kind": Kind.LANDESBEHOERDE,
        "name": "Landesregierung Schleswig-Holstein – Staatskanzlei, Digitalisierung",
        "short_name": "Landesregierung SH",
        "seat": "Kiel",
    },
    {
        "slug": "itvsh",
        "kind": Kind.ANSTALT,
        "name": "IT-Verbund Schleswig-Holstein",
        "short_name": "ITV.SH",
        "official_type": "Anstalt des öffentlichen Rechts",
        "seat": "Kiel",
    },
    {
        "slug": "staedteverband-sh",
        "kind": Kind.KOMMUNALER_LANDESVERBAND,
        "name": "Städteverband Schleswig-Holstein",
        "seat": "Kiel",
    },
    {
        "slug": "shgt",
        "kind": Kind.KOMMUNALER_LANDESVERBAND,
        "name": "Schleswig-Holsteinischer Gemeindetag",
        "short_name": "SHGT",
        "seat": "Kiel",
    },
    {
        "slug": "shlkt",
        "kind": Kind.KOMMUNALER_LANDESVERBAND,
        "name": "Schleswig-Holsteinischer Landkreistag",
        "short_name": "SHLKT",
        "seat": "Kiel",
    },
    {"slug": "ihk-sh", "kind": Kind.KAMMER, "name": "IHK Schleswig-Holstein"},
    {"slug": "hwk-sh", "kind": Kind.KAMMER, "name": "Handwerkskammer Schleswig-Holstein"},
)

# Fields the import owns on territorial bodies. Anything else (website) is the staff's and never touched.
SCALAR_FIELDS = (
    "kind",
    "name",
    "short_name",
    "ars",
    "ags",
    "official_type",
    "seat",
    "postal_code",
    "population",
    "area_km2",
    "territory_as_of",
)
RELATION_FIELDS = ("parent", "kreis", "amt", "verwaltung")
SELF = "self"  # marks a relation that points at the record itself

KIND_ORDER = tuple(Kind)  # the order of the choices: counts are reported and rows written in it


class RegisterImportError(ValidationError):
    """A malformed input row. `str()` names file, line and field."""

    def __init__(self, *, file: str, line: int | None, column: str | None, message: str):
        self.file, self.line, self.column = file, line, column
        where = file if line is None else f"{file}, Zeile {line}"
        if column:
            where += f", Feld „{column}“"
        self.text = f"{where}: {message}"
        super().__init__(self.text, code="import")

    def __str__(self):
        return self.text


@dataclass
class KindCount:
    created: int = 0
    changed: int = 0
    unchanged: int = 0


@dataclass
class RegisterImportResult:
    counts: dict[str, KindCount] = field(default_factory=lambda: {kind: KindCount() for kind in KIND_ORDER})
    gemeinde_population: int = 0
    not_in_data: int = 0

    @property
    def created(self) -> int:
        return sum(c.created for c in self.counts.values())

    @property
    def changed(self) -> int:
        return sum(c.changed for c in self.counts.values())

    def lines(self) -> list[str]:
        lines = []
        for kind, count in self.counts.items():
            if count.created or count.changed or count.unchanged:
                label = Kind(kind).label
                lines.append(
                    _("%(label)s: %(created)d angelegt, %(changed)d geändert, %(unchanged)d unverändert")
                    % {"label": label, **count.__dict__}
                )
        lines.append(_("Einwohner der Gemeinden: %(n)s") % {"n": f"{self.gemeinde_population:,}".replace(",", ".")})
        if self.not_in_data:
            lines.append(
                _("%(n)d Gebietskörperschaften der Datenbank fehlen in den Daten (bleiben unverändert).")
                % {"n": self.not_in_data}
            )
        return lines


# --- reading -------------------------------------------------------------------------------------------


@dataclass
class Row:
    file: str
    line: int
    values: dict[str, str]

    def error(self, column: str | None, message: str) -> RegisterImportError:
        return RegisterImportError(file=self.file, line=self.line, column=column, message=message)

    def text(self, column: str, *, required: bool = True) -> str:
        value = (self.values.get(column) or "").strip()
        if required and not value:
            raise self.error(column, _("Wert fehlt."))
        return value

    def key(self, column: str, digits: int, *, required: bool = True) -> str:
        value = self.text(column, required=required)
        if not value and not required:
            return ""
        if not value.isdigit() or not value.isascii():
            raise self.error(column, _("„%(value)s“ ist kein Schlüssel aus Ziffern.") % {"value": value})
        if len(value) != digits:
            raise self.error(
                column,
                _("„%(value)s“ hat %(found)d statt %(digits)d Ziffern (führende Nullen verloren?).")
                % {"value": value, "found": len(value), "digits": digits},
            )
        if not value.startswith("01"):
            raise self.error(column, _("„%(value)s“ beginnt nicht mit 01 (Schleswig-Holstein).") % {"value": value})
        return value

    def integer(self, column: str) -> int:
        value = self.text(column)
        if not value.isdigit() or not value.isascii():
            raise self.error(column, _("„%(value)s“ ist keine ganze Zahl ≥ 0.") % {"value": value})
        return int(value)

    def decimal(self, column: str) -> Decimal:
        value = self.text(column)
        try:
            number = Decimal(value).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise self.error(column, _("„%(value)s“ ist keine Zahl.") % {"value": value}) from None
        if number < 0 or not number.is_finite():
            raise self.error(column, _("„%(value)s“ ist keine Zahl ≥ 0.") % {"value": value})
        return number

    def date(self, column: str) -> datetime.date:
        value = self.text(column)
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise self.error(column, _("„%(value)s“ ist kein Datum (JJJJ-MM-TT).") % {"value": value}) from None

    def choice(self, column: str, choices) -> str:
        value = self.text(column)
        if value not in choices:
            raise self.error(
                column,
                _("Unbekannter Code „%(value)s“ (erlaubt: %(allowed)s).")
                % {"value": value, "allowed": ", ".join(sorted(choices))},
            )
        return value


def read_rows(path: Path, columns: tuple[str, ...]) -> list[Row]:
    """All data rows of a CSV file as text (keys keep their leading zeros), after checking the header. UTF-8 with
    or without byte order mark; a file that is not UTF-8, malformed CSV, a row with more or fewer fields than
    the header and a file without data rows are errors naming file and line."""
    name = path.name
    if not path.is_file():
        raise RegisterImportError(file=name, line=None, column=None, message=_("Datei nicht gefunden."))
    try:
        header, rows = read_csv_rows(decode_csv_bytes(path.read_bytes()))
    except CsvFileError as error:
        raise RegisterImportError(file=name, line=error.line, column=None, message=error.message) from None
    missing = [column for column in columns if column not in header]
    if missing:
        raise RegisterImportError(
            file=name,
            line=1,
            column=missing[0],
            message=_(
                "Spalte fehlt in der Kopfzeile (erwartet: durch Komma oder Semikolon getrennte Spalten %(columns)s)."
            )
            % {"columns": ", ".join(columns)},
        )
    if not rows:
        raise RegisterImportError(file=name, line=None, column=None, message=_("Die Datei enthält keine Datenzeilen."))
    return [Row(name, line, values) for line, values in rows]


# --- building the target state -------------------------------------------------------------------------


@dataclass
class Target:
    """The state one body should have after the import. Relations hold keys (slugs), or SELF."""

    slug: str
    values: dict
    relations: dict = field(default_factory=dict)
    source: Row | None = None
    expected_members: int | None = None


def _unique(targets: dict[str, Target], target: Target, column: str):
    if target.slug in targets:
        raise target.source.error(column, _("Schlüssel „%(key)s“ kommt doppelt vor.") % {"key": target.slug})
    targets[target.slug] = target


def build_targets(path: Path) -> tuple[dict[str, Target], int]:
    """Reads and checks the three files and returns the target state of every territorial body, keyed by slug
    (= ARS), plus the population sum of the Gemeinden."""
    kreise_rows = read_rows(path / KREISE_FILE, KREISE_COLUMNS)
    verband_rows = read_rows(path / VERBAENDE_FILE, VERBAENDE_COLUMNS)
    gemeinde_rows = read_rows(path / GEMEINDEN_FILE, GEMEINDEN_COLUMNS)

    targets: dict[str, Target] = {}
    as_of_dates = []

    # Kreise and kreisfreie Städte
    kreis_kinds: dict[str, str] = {}  # kreis_ags -> kind
    for row in kreise_rows:
        kreis_ags = row.key("kreis_ags", 5)
        kreis_ars = row.key("kreis_ars", 12)
        if kreis_ars != kreis_ags + "0000000":
            raise row.error("kreis_ars", _("Erwartet %(expected)s.") % {"expected": kreis_ags + "0000000"})
        kind = KREIS_TYPES.get(row.choice("typ_code", KREIS_TYPES))
        as_of = row.date("gebietsstand")
        as_of_dates.append(as_of)
        target = Target(
            slug=kreis_ars,
            source=row,
            values={
                "kind": kind,
                "name": row.text("name"),
                "short_name": short_name(row.text("name")),
                "ars": kreis_ars,
                "ags": kreis_ags + "000",
                "official_type": "Kreis" if kind == Kind.KREIS else "Kreisfreie Stadt",
                "seat": row.text("sitz", required=False),
                "population": row.integer("bevoelkerung"),
                "area_km2": row.decimal("flaeche_km2"),
                "territory_as_of": as_of,
            },
            relations={"parent": LAND_ARS, "kreis": SELF, "verwaltung": SELF},
        )
        _unique(targets, target, "kreis_ars")
        kreis_kinds[kreis_ags] = kind

    def known_kreis(row: Row, column: str = "kreis_ags") -> str:
        kreis_ags = row.key(column, 5)
        if kreis_ags not in kreis_kinds:
            raise row.error(
                column,
                _("Unbekannter Kreis „%(key)s“ (nicht in %(file)s).") % {"key": kreis_ags, "file": KREISE_FILE},
            )
        return kreis_ags

    # Ämter (and the Kirchspielslandgemeinden); verbandsfreie Verbände are their Gemeinde and get no own record
    amt_rows: dict[str, Row] = {}
    verband_types: dict[str, str] = {}
    for row in verband_rows:
        verband = row.key("verband_ars9", 9)
        kreis_ags = known_kreis(row)
        if not verband.startswith(kreis_ags):
            raise row.error("verband_ars9", _("Liegt nicht im Kreis %(kreis)s.") % {"kreis": kreis_ags})
        typ_code = row.choice("typ_code", {*VERBAND_AMT_TYPES, VERBAND_FREE})
        members = row.integer("anzahl_gemeinden")
        if verband in verband_types:
            raise row.error("verband_ars9", _("Schlüssel „%(key)s“ kommt doppelt vor.") % {"key": verband})
        verband_types[verband] = typ_code
        if typ_code == VERBAND_FREE:
            continue
        prefix = VERBAND_AMT_TYPES[typ_code]
        bare = row.text("name")
        as_of = row.date("gebietsstand")
        as_of_dates.append(as_of)
        target = Target(
            slug=verband + "000",
            source=row,
            values={
                "kind": Kind.AMT,
                "name": bare if bare.startswith(prefix) else f"{prefix} {bare}",
                "short_name": bare,
                "ars": verband + "000",
                "ags": None,
                "official_type": prefix,
                "seat": row.text("sitz"),
                "population": row.integer("bevoelkerung"),
                "area_km2": row.decimal("flaeche_km2"),
                "territory_as_of": as_of,
            },
            relations={"parent": kreis_ags + "0000000", "kreis": kreis_ags + "0000000", "verwaltung": SELF},
        )
        target.expected_members = members
        _unique(targets, target, "verband_ars9")
        amt_rows[verband] = row

    # Gemeinden
    population = 0
    member_counts: dict[str, int] = {}
    for row in gemeinde_rows:
        ars = row.key("ars", 12)
        ags = row.key("ags", 8)
        kreis_ags = known_kreis(row)
        verband = row.key("verband_ars9", 9)
        if ags != ars[:5] + ars[9:]:
            raise row.error(
                "ags",
                _("Passt nicht zum ARS %(ars)s (erwartet %(expected)s).") % {"ars": ars, "expected": ars[:5] + ars[9:]},
            )
        if ars[:5] != kreis_ags:
            raise row.error("kreis_ags", _("Passt nicht zum ARS %(ars)s.") % {"ars": ars})
        if ars[:9] != verband:
            raise row.error("verband_ars9", _("Passt nicht zum ARS %(ars)s.") % {"ars": ars})
        if verband not in verband_types:
            raise row.error(
                "verband_ars9",
                _("Unbekannter Gemeindeverband „%(key)s“ (nicht in %(file)s).")
                % {"key": verband, "file": VERBAENDE_FILE},
            )
        typ_code = row.choice(
            "gemeindetyp_code", {GEMEINDE_KREISFREI, GEMEINDE_STADT, GEMEINDE_KREISANGEHOERIG, GEMEINDEFREI}
        )
        verband_typ = row.choice("verband_typ_code", {*VERBAND_AMT_TYPES, VERBAND_FREE})
        if verband_typ != verband_types[verband]:
            raise row.error("verband_typ_code", _("Widerspricht %(file)s.") % {"file": VERBAENDE_FILE})
        amt_key = row.key("amt_ars9", 9, required=False)
        inhabitants = row.integer("bevoelkerung")
        postal_code = row.text("plz")
        if not (postal_code.isdigit() and len(postal_code) == 5):
            raise row.error("plz", _("„%(value)s“ ist keine fünfstellige Postleitzahl.") % {"value": postal_code})
        name = row.text("name")
        as_of = row.date("gebietsstand")
        as_of_dates.append(as_of)
        values = {
            "name": name,
            "short_name": short_name(name),
            "ars": ars,
            "ags": ags,
            "official_type": row.text("gemeindetyp"),
            "seat": "",
            "postal_code": postal_code,
            "population": inhabitants,
            "area_km2": row.decimal("flaeche_km2"),
            "territory_as_of": as_of,
        }
        kreis_ars = kreis_ags + "0000000"
        if typ_code == GEMEINDE_KREISFREI:
            # One record for Kreis and Gemeinde: complete the kreisfreie Stadt from sh_kreise.csv.
            stadt = targets.get(ars)
            if stadt is None or stadt.values["kind"] != Kind.KREISFREIE_STADT:
                raise row.error(
                    "ars",
                    _("Kreisfreie Stadt „%(key)s“ fehlt in %(file)s.") % {"key": ars, "file": KREISE_FILE},
                )
            stadt.values.update(ags=ags, postal_code=postal_code, area_km2=values["area_km2"])
            stadt.values["population"] = inhabitants
        else:
            if kreis_kinds[kreis_ags] != Kind.KREIS:
                raise row.error("kreis_ags", _("Eine kreisfreie Stadt hat keine weiteren Gemeinden."))
            if typ_code == GEMEINDEFREI:
                kind, relations = Kind.GEMEINDEFREIES_GEBIET, {"parent": kreis_ars, "kreis": kreis_ars}
            elif verband_typ in VERBAND_AMT_TYPES:
                if amt_key != verband:
                    raise row.error(
                        "amt_ars9", _("Erwartet %(expected)s (das Amt des Verbands).") % {"expected": verband}
                    )
                amt_ars = verband + "000"
                kind = Kind.AMTSANGEHOERIGE_GEMEINDE
                relations = {"parent": amt_ars, "kreis": kreis_ars, "amt": amt_ars, "verwaltung": amt_ars}
                member_counts[verband] = member_counts.get(verband, 0) + 1
            else:
                if amt_key:
                    raise row.error("amt_ars9", _("Eine amtsfreie Gemeinde hat kein Amt."))
                kind, relations = Kind.AMTSFREIE_GEMEINDE, {"parent": kreis_ars, "kreis": kreis_ars, "verwaltung": SELF}
            values["kind"] = kind
            _unique(targets, Target(slug=ars, values=values, relations=relations, source=row), "ars")
        population += inhabitants

    for verband, row in amt_rows.items():
        expected, found = targets[verband + "000"].expected_members, member_counts.get(verband, 0)
        if expected != found:
            raise row.error(
                "anzahl_gemeinden",
                _("%(expected)d angegeben, aber %(found)d Gemeinden in %(file)s.")
                % {"expected": expected, "found": found, "file": GEMEINDEN_FILE},
            )

    _add_seat_postal_codes(targets)
    targets[LAND_ARS] = Target(
        slug=LAND_ARS,
        values={
            "kind": Kind.LAND,
            "name": "Land Schleswig-Holstein",
            "short_name": "Schleswig-Holstein",
            "ars": LAND_ARS,
            "ags": None,
            "official_type": "Land",
            "seat": "Kiel",
            "postal_code": targets["010020000000"].values.get("postal_code", "") if "010020000000" in targets else "",
            "population": population,
            "area_km2": sum(
                (t.values["area_km2"] for t in targets.values() if t.values["kind"] in Organisation.GEMEINDE_KINDS),
                Decimal("0.00"),
            ),
            "territory_as_of": max(as_of_dates) if as_of_dates else None,
        },
    )
    for target in targets.values():
        for column in SCALAR_FIELDS:
            target.values.setdefault(column, "" if column in ("seat", "postal_code", "short_name") else None)
        for relation in RELATION_FIELDS:
            target.relations.setdefault(relation, None)
    return targets, population


def _add_seat_postal_codes(targets: dict[str, Target]):
    """Kreise and Ämter get the PLZ of the Gemeinde of their seat when that Gemeinde is unambiguous in the
    Kreis (a seat may lie outside the Amt, e.g. in an amtsfreie Stadt)."""
    by_kreis_and_name: dict[tuple[str, str], list[str]] = {}
    for target in targets.values():
        if target.values["kind"] in Organisation.GEMEINDE_KINDS:
            key = (target.slug[:5], search_name(target.values["name"]))
            by_kreis_and_name.setdefault(key, []).append(target.values["postal_code"])
    for target in targets.values():
        if target.values["kind"] in (Kind.KREIS, Kind.AMT) and target.values.get("seat"):
            codes = by_kreis_and_name.get((target.slug[:5], search_name(target.values["seat"])), [])
            target.values["postal_code"] = codes[0] if len(codes) == 1 else ""


# --- writing -------------------------------------------------------------------------------------------


def _target_relation(target: Target, relation: str, ids: dict[str, int], own_id: int | None) -> int | None:
    key = target.relations[relation]
    if key is None:
        return None
    if key == SELF:
        return own_id
    return ids[key]


@transaction.atomic
def register_import(*, path: Path, by, stdout: TextIO | None = None) -> RegisterImportResult:
    """Brings the register in line with the Destatis files in `path` (sh_kreise.csv, sh_gemeindeverbaende.csv,
    sh_gemeinden.csv) and creates the non-territorial bodies of the founding documents when missing.

    - Idempotent: bodies are matched by ARS (slug); only rows whose imported fields differ are written, so a
      second run writes nothing (no history rows either).
    - Transactional: all files are read and checked before the first write; a malformed row raises
      RegisterImportError naming file, line and field, and nothing is changed.
    - Bulk: a fresh import costs a handful of queries. simple_history's bulk_create_with_history cannot be used
      because Kreise, Ämter and amtsfreie Gemeinden point at themselves (`kreis`/`verwaltung` = self), which
      needs a second write after the insert; so the rows are written with bulk_create/bulk_update and one
      history row per created or changed body is written afterwards from its final state with
      `Organisation.history.bulk_history_create` (what bulk_create_with_history does internally).
    Bodies in the database that are no longer in the files are counted and left alone (other records point at
    them); staff mark or merge them after a territorial reform.
    """
    REGISTER_IMPORT.require(by)
    targets, gemeinde_population = build_targets(Path(path))
    result = RegisterImportResult(gemeinde_population=gemeinde_population)

    # Territorial bodies are matched by ARS (staff may have given one another slug), the others by slug.
    existing = {org.ars or org.slug: org for org in Organisation.objects.all()}
    now = timezone.now()

    # 1. Insert missing bodies level by level, so that parents exist (and have ids) before their children.
    ids = {slug: org.pk for slug, org in existing.items()}
    created: list[Organisation] = []
    ordered = sorted(targets.values(), key=lambda t: KIND_ORDER.index(t.values["kind"]))
    for level in (
        {Kind.LAND},
        set(Organisation.KREISEBENE_KINDS),
        {Kind.AMT, Kind.AMTSFREIE_GEMEINDE, Kind.GEMEINDEFREIES_GEBIET},
        {Kind.AMTSANGEHOERIGE_GEMEINDE},
    ):
        new = []
        for target in ordered:
            if target.values["kind"] not in level or target.slug in existing:
                continue
            org = Organisation(slug=target.slug, search_name=search_name(target.values["name"]), **target.values)
            for relation in RELATION_FIELDS:
                if target.relations[relation] not in (None, SELF):
                    setattr(org, f"{relation}_id", ids[target.relations[relation]])
            _check(org, target)
            new.append(org)
        Organisation.objects.bulk_create(new, batch_size=500)
        for org in new:
            if org.pk is None:  # backends without RETURNING from bulk inserts
                org.pk = Organisation.objects.get(slug=org.slug).pk
            ids[org.slug] = org.pk
        created += new

    # 2. Self references of the new bodies (Kreis/Verwaltung = itself).
    needs_self = []
    for org in created:
        target = targets[org.slug]
        own = [relation for relation in RELATION_FIELDS if target.relations[relation] == SELF]
        for relation in own:
            setattr(org, f"{relation}_id", org.pk)
        if own:
            needs_self.append(org)
    Organisation.objects.bulk_update(needs_self, ["kreis", "verwaltung"], batch_size=500)

    # 3. Update existing bodies whose imported fields differ.
    changed = []
    for slug, org in existing.items():
        target = targets.get(slug)
        if target is None:
            if org.is_territorial:
                result.not_in_data += 1
            continue
        dirty = False
        for column, value in target.values.items():
            if getattr(org, column) != value:
                setattr(org, column, value)
                dirty = True
        for relation in RELATION_FIELDS:
            value = _target_relation(target, relation, ids, org.pk)
            if getattr(org, f"{relation}_id") != value:
                setattr(org, f"{relation}_id", value)
                dirty = True
        if dirty:
            org.search_name = search_name(org.name)
            org.updated_at = now
            _check(org, target)
            changed.append(org)
            result.counts[org.kind].changed += 1
        else:
            result.counts[org.kind].unchanged += 1
    Organisation.objects.bulk_update(
        changed, [*SCALAR_FIELDS, *RELATION_FIELDS, "search_name", "updated_at"], batch_size=500
    )

    # 4. Non-territorial bodies of the founding documents: create when missing, never overwrite staff edits.
    for spec in NON_TERRITORIAL_BODIES:
        if spec["slug"] in existing:
            result.counts[spec["kind"]].unchanged += 1
            continue
        org = Organisation(**spec, search_name=search_name(spec["name"]))
        org.full_clean(validate_unique=False, validate_constraints=False)
        org.save()  # seven rows; save() keeps it simple and its history row comes from the signal
        result.counts[org.kind].created += 1

    # 5. History: one row per created or changed territorial body, from its final state.
    if created:
        Organisation.history.bulk_history_create(created, batch_size=500, default_date=now)
    if changed:
        Organisation.history.bulk_history_create(changed, batch_size=500, update=True, default_date=now)
    for org in created:
        result.counts[org.kind].created += 1

    if stdout is not None:
        for line in result.lines():
            stdout.write(line + "\n")
    return result


def _check(org: Organisation, target: Target):
    """Field validation and the model's rules, without per-row queries (uniqueness was checked while reading
    and is enforced by the database)."""
    try:
        org.full_clean(exclude=list(RELATION_FIELDS), validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        column, messages = next(iter(error.message_dict.items()))
        if target.source is None:
            raise
        raise target.source.error(column, " ".join(messages)) from None
