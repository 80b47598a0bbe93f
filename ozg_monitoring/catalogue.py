"""Import of the OZG-Umsetzungskatalog (data/ozg/): Themenfelder, Lebenslagen, OZG- and LeiKa-Leistungen.

One transaction; every row is checked first, and an error names file, line and field and changes nothing.
Re-running with the same files changes nothing (upserts by catalogue id, OZG-ID and LeiKa key). An executing
level set by staff (level_source "manual") or by the demo is kept; "default" levels are re-derived."""

import re
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from audit.models import Action
from audit.services import Record, audit_record_many, instance_values, json_value
from common.authorization import Rule
from common.csvfiles import CsvFileError, decode_csv_bytes, read_csv_rows

from .models import ExecutingLevel, Lebenslage, LeikaLeistung, OzgLeistung, Themenfeld

#: Loading the catalogue file set: the group Redaktion's catalogue permissions (the command acts as the system).
CATALOGUE_IMPORT = Rule(
    action=_lazy("OZG-Katalog importieren"),
    perms=tuple(
        f"ozg_monitoring.{op}_{model}"
        for model in ("themenfeld", "lebenslage", "ozgleistung", "leikaleistung")
        for op in ("add", "change", "delete")
    ),
)

NOT_IN_LEIKA = "nicht im LeiKa"
#: Where the catalogue comes from (data/README.md, "ozg/"), named on every OZG page and in every OZG download and
#: dataset. The source states no licence: it is not relicensed (opendata/datasets.py, NO_LICENCE_STATED).
CATALOGUE_SOURCE = (
    "OZG-Umsetzungskatalog (BMI/FITKO) mit LeiKa-Schlüsseln (FIM), Stand 2019, übernommen aus der "
    "OZG-Datenbank NRW (KDN)"
)
MAX_ID = 2_147_483_647  # catalogue ids, OZG-IDs: integer columns
LEIKA_TYPES = ("1", "2/3", "4", "5", "6")  # "2" and "3" are read as "2/3"
LEIKA_KEY = re.compile(r"^99\d{12}$")
LEIKA_VALUE_FIELDS = [
    "in_leika",
    "name",
    "leika_type",
    "ozg_leistung_id",
    "sdg1",
    "sdg2",
    "legal_basis",
    "laws",
    "law_abbreviations",
    "catalogue_row",
]
LEIKA_FIELDS = [name.removesuffix("_id") for name in LEIKA_VALUE_FIELDS]
FILES = {
    "themenfelder": "ozg_themenfelder.csv",
    "lebenslagen": "ozg_lebenslagen.csv",
    "leistungen": "ozg_leistungen.csv",
    "leika": "ozg_leika_leistungen.csv",
}


@dataclass
class CatalogueResult:
    themenfelder: int = 0
    lebenslagen: int = 0
    leistungen: int = 0
    leika: int = 0
    created: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)
    deleted: int = 0
    without_key: list = field(default_factory=list)  # (line, name)
    without_ozg: list = field(default_factory=list)  # (line, name)
    levels: dict = field(default_factory=dict)


def split_leika_types(raw: str) -> set[str]:
    """'1, 2/3' -> {'1', '2/3'}; a lone '2' or '3' counts as '2/3' (the catalogue writes both); '' -> {'?'}."""
    tokens = set()
    if not raw.strip():
        return {"?"}  # a LeiKa-Leistung without type leaves the level open
    for token in raw.split(","):
        token = token.strip()  # noqa: S105 - a LeiKa type, not a secret
        if token in ("2", "3"):
            token = "2/3"  # noqa: S105
        if token:
            tokens.add(token)
    return tokens


def default_level(types: set[str]) -> str:
    """The executing level in SH where the LeiKa types decide it alone: only type 1 (Bund regelt und vollzieht)
    gives Bund, only type 5 (Kommune regelt und vollzieht: Satzungsrecht der Gemeinde) gives Amt/amtsfreie
    Gemeinde. Types 2/3 and 4 leave open whether Land, Kreis or Gemeinde executes: "not yet classified"."""
    if types == {"1"}:
        return ExecutingLevel.BUND
    if types == {"5"}:
        return ExecutingLevel.AMT_GEMEINDE
    return ExecutingLevel.UNCLASSIFIED


def _in_line(name: str, line: int, text: str) -> str:
    return _("%(file)s, Zeile %(line)s: %(message)s") % {"file": name, "line": line, "message": text}


def _field_error(name: str, line: int, column: str, text: str) -> ValidationError:
    """An error naming the file, line and column (German, through gettext like every message)."""
    return ValidationError(
        _("%(file)s, Zeile %(line)s, Feld %(field)s: %(message)s")
        % {"file": name, "line": line, "field": column, "message": text}
    )


def _read(directory: Path, kind: str, columns: list[str]):
    """(file name, line, row) of every data row. UTF-8 with or without byte order mark; other encodings, malformed
    CSV, rows with more or fewer fields than the header and files without data rows are errors naming the line."""
    path = directory / FILES[kind]
    if not path.exists():
        raise ValidationError(_("%(path)s: Datei fehlt.") % {"path": path})
    try:
        header, rows = read_csv_rows(decode_csv_bytes(path.read_bytes()))
    except CsvFileError as error:
        if error.line is None:
            raise ValidationError(_("%(file)s: %(message)s") % {"file": path.name, "message": error.message}) from None
        raise ValidationError(_in_line(path.name, error.line, error.message)) from None
    missing = [column for column in columns if column not in header]
    if missing:
        text = _("Spalte(n) fehlen: %(columns)s (erwartet: durch Komma oder Semikolon getrennte Spalten).") % {
            "columns": ", ".join(missing)
        }
        raise ValidationError(_in_line(path.name, 1, text))
    if not rows:
        raise ValidationError(_("%(file)s: Die Datei enthält keine Datenzeilen.") % {"file": path.name})
    for line, row in rows:
        yield path.name, line, {key: value.strip() for key, value in row.items()}


def _int(name: str, line: int, column: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or not 0 <= number <= MAX_ID:
        text = _("„%(value)s“ ist keine Zahl von 0 bis %(max)s.") % {"value": value[:40], "max": MAX_ID}
        raise _field_error(name, line, column, text)
    return number


def _required(name: str, line: int, column: str, value: str, max_length: int | None = None) -> str:
    if not value:
        raise _field_error(name, line, column, _("Wert fehlt."))
    if max_length is not None and len(value) > max_length:
        text = _("länger als %(max)s Zeichen (%(length)s).") % {"max": max_length, "length": len(value)}
        raise _field_error(name, line, column, text)
    return value


def _unique(name: str, line: int, column: str, key, seen: dict):
    if key in seen:
        raise _field_error(name, line, column, _("%(key)s kommt doppelt vor.") % {"key": key})


def _upsert(model, key_field: str, rows: dict, fields: list[str], *, by) -> tuple[int, int]:
    """Create missing rows, update changed ones (by `key_field`); returns (created, updated)."""
    existing = model.objects.in_bulk(list(rows), field_name=key_field)
    to_create, to_update, records = [], [], []
    for key, values in rows.items():
        obj = existing.get(key)
        if obj is None:
            to_create.append(model(**{key_field: key}, **values))
        elif any(getattr(obj, name) != values[name] for name in values):
            changes = {
                name: [json_value(getattr(obj, name)), json_value(value)]
                for name, value in values.items()
                if getattr(obj, name) != value
            }
            for name, value in values.items():
                setattr(obj, name, value)
            to_update.append(obj)
            records.append(Record(action=Action.CHANGED, instance=obj, changes=changes))
    model.objects.bulk_create(to_create, batch_size=1000)
    if to_update:
        model.objects.bulk_update(to_update, fields, batch_size=500)
    # bulk_create/bulk_update pass no model signals: one INSERT of audit entries for what changed.
    records += [Record(action=Action.CREATED, instance=obj, changes=instance_values(obj)) for obj in to_create]
    audit_record_many(model=model, records=records, by=by)
    return len(to_create), len(to_update)


@transaction.atomic
def catalogue_import(*, directory: Path, by) -> CatalogueResult:
    CATALOGUE_IMPORT.require(by)
    directory = Path(directory)
    result = CatalogueResult()

    themenfelder = {}
    for name, line, row in _read(directory, "themenfelder", ["themenfeld_id", "themenfeld"]):
        key = _int(name, line, "themenfeld_id", row["themenfeld_id"])
        _unique(name, line, "themenfeld_id", key, themenfelder)
        themenfelder[key] = {"name": _required(name, line, "themenfeld", row["themenfeld"], 120)}
    result.created["themenfelder"], result.updated["themenfelder"] = _upsert(
        Themenfeld, "catalogue_id", themenfelder, ["name"], by=by
    )
    tf_ids = dict(Themenfeld.objects.filter(catalogue_id__in=themenfelder).values_list("catalogue_id", "id"))

    lebenslagen = {}
    for name, line, row in _read(directory, "lebenslagen", ["lebenslage_id", "lebenslage", "themenfeld_id"]):
        key = _int(name, line, "lebenslage_id", row["lebenslage_id"])
        _unique(name, line, "lebenslage_id", key, lebenslagen)
        themenfeld = _int(name, line, "themenfeld_id", row["themenfeld_id"])
        if themenfeld not in tf_ids:
            raise _field_error(name, line, "themenfeld_id", _("Themenfeld %(key)s unbekannt.") % {"key": themenfeld})
        lebenslagen[key] = {
            "name": _required(name, line, "lebenslage", row["lebenslage"], 160),
            "themenfeld_id": tf_ids[themenfeld],
        }
    result.created["lebenslagen"], result.updated["lebenslagen"] = _upsert(
        Lebenslage, "catalogue_id", lebenslagen, ["name", "themenfeld"], by=by
    )
    ll_ids = dict(Lebenslage.objects.filter(catalogue_id__in=lebenslagen).values_list("catalogue_id", "id"))

    # LeiKa rows first (in memory), so that each OZG-Leistung's default level can be derived from its types.
    leika_rows, types_by_ozg = [], {}
    leika_columns = ["leika_schluessel", "leistung", "leika_typ", "ozg_id", "sdg1", "sdg2"]
    for name, line, row in _read(directory, "leika", leika_columns):
        key = _required(name, line, "leika_schluessel", row["leika_schluessel"])
        if key != NOT_IN_LEIKA and not LEIKA_KEY.match(key):
            text = _("„%(key)s“ ist weder ein 14-stelliger LeiKa-Schlüssel noch „%(none)s“.")
            raise _field_error(name, line, "leika_schluessel", text % {"key": key, "none": NOT_IN_LEIKA})
        ozg_id = _int(name, line, "ozg_id", row["ozg_id"]) if row["ozg_id"] else None
        if len(row["leika_typ"]) > 20 or not split_leika_types(row["leika_typ"]) <= {*LEIKA_TYPES, "?"}:
            text = _("„%(value)s“ ist kein LeiKa-Typ (%(types)s, mehrere durch Komma getrennt).") % {
                "value": row["leika_typ"][:40],
                "types": ", ".join(LEIKA_TYPES),
            }
            raise _field_error(name, line, "leika_typ", text)
        for column in ("sdg1", "sdg2"):
            if row[column] not in ("0", "1", ""):
                raise _field_error(name, line, column, _("erwartet 0 oder 1."))
        leika_rows.append((name, line, key, ozg_id, row))
        if ozg_id is not None:
            types_by_ozg.setdefault(ozg_id, set()).update(split_leika_types(row["leika_typ"]))

    leistungen = {}
    for name, line, row in _read(directory, "leistungen", ["ozg_id", "ozg_leistung", "lebenslage_id", "themenfeld_id"]):
        ozg_id = _int(name, line, "ozg_id", row["ozg_id"])
        _unique(name, line, "ozg_id", ozg_id, leistungen)
        lebenslage = _int(name, line, "lebenslage_id", row["lebenslage_id"])
        themenfeld = _int(name, line, "themenfeld_id", row["themenfeld_id"])
        if lebenslage not in ll_ids:
            raise _field_error(name, line, "lebenslage_id", _("Lebenslage %(key)s unbekannt.") % {"key": lebenslage})
        if themenfeld not in tf_ids:
            raise _field_error(name, line, "themenfeld_id", _("Themenfeld %(key)s unbekannt.") % {"key": themenfeld})
        types = types_by_ozg.get(ozg_id, set())
        leistungen[ozg_id] = {
            "name": _required(name, line, "ozg_leistung", row["ozg_leistung"], 200),
            "lebenslage_id": ll_ids[lebenslage],
            "themenfeld_id": tf_ids[themenfeld],
            "leika_types": ", ".join(sorted(types)),
            "level": default_level(types),
        }
    # Levels decided by staff (or the demo) are kept; only "default" ones follow the catalogue.
    kept = dict(
        OzgLeistung.objects.filter(ozg_id__in=leistungen)
        .exclude(level_source=OzgLeistung.LevelSource.DEFAULT)
        .values_list("ozg_id", "level")
    )
    for ozg_id, level in kept.items():
        leistungen[ozg_id]["level"] = level
    result.created["leistungen"], result.updated["leistungen"] = _upsert(
        OzgLeistung, "ozg_id", leistungen, ["name", "lebenslage", "themenfeld", "leika_types", "level"], by=by
    )
    ozg_pks = dict(OzgLeistung.objects.filter(ozg_id__in=leistungen).values_list("ozg_id", "id"))

    keyed, unkeyed = {}, []
    for name, line, key, ozg_id, row in leika_rows:
        if ozg_id is not None and ozg_id not in ozg_pks:
            raise _field_error(name, line, "ozg_id", _("OZG-Leistung %(key)s unbekannt.") % {"key": ozg_id})
        values = {
            "in_leika": key != NOT_IN_LEIKA,
            "name": _required(name, line, "leistung", row["leistung"])[:300],
            "leika_type": row["leika_typ"],
            "ozg_leistung_id": ozg_pks.get(ozg_id),
            "sdg1": row["sdg1"] == "1",
            "sdg2": row["sdg2"] == "1",
            "legal_basis": row.get("rechtsgrundlage", ""),
            "laws": row.get("gesetze", ""),
            "law_abbreviations": row.get("gesetz_kuerzel", "")[:120],
            "catalogue_row": line,
        }
        if key == NOT_IN_LEIKA:
            unkeyed.append(values)
            result.without_key.append((line, values["name"]))
        else:
            if key in keyed:
                raise _field_error(name, line, "leika_schluessel", _("%(key)s doppelt.") % {"key": key})
            keyed[key] = values
        if ozg_id is None:
            result.without_ozg.append((line, values["name"]))
    created, updated = _upsert(LeikaLeistung, "key", keyed, LEIKA_FIELDS, by=by)
    # Rows "nicht im LeiKa" have no identity of their own: they are replaced as a set when they differ.
    current = list(LeikaLeistung.objects.filter(key__isnull=True).order_by("catalogue_row").values(*LEIKA_VALUE_FIELDS))
    if current != unkeyed:
        LeikaLeistung.objects.filter(key__isnull=True).delete()
        new_rows = LeikaLeistung.objects.bulk_create(
            [LeikaLeistung(key=None, **values) for values in unkeyed], batch_size=1000
        )
        audit_record_many(
            model=LeikaLeistung,
            by=by,
            records=[Record(action=Action.CREATED, instance=obj, changes=instance_values(obj)) for obj in new_rows],
        )
        created += len(unkeyed)
    removed, _per_model = LeikaLeistung.objects.exclude(key__isnull=True).exclude(key__in=list(keyed)).delete()
    result.created["leika"], result.updated["leika"], result.deleted = created, updated, removed

    result.themenfelder = Themenfeld.objects.count()
    result.lebenslagen = Lebenslage.objects.count()
    result.leistungen = OzgLeistung.objects.count()
    result.leika = LeikaLeistung.objects.count()
    result.levels = dict(OzgLeistung.objects.order_by().values_list("level").annotate(n=Count("id")))
    return result
