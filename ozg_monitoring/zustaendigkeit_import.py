"""Loader of the sourced Zuständigkeit (data/ozg/): default rows, exceptions, and the check of the LeiKa levels.

`load(by=..., directory=...)` reads `zustaendigkeit.csv`, `zustaendigkeit_ausnahmen.csv` and
`leika_ebenen_pruefung.csv` (UTF-8 with or without byte order mark, comma or semicolon), checks every row first
(an error names file, line and column, in German) and writes in one transaction: all or nothing. Rows are upserted
by their natural key (OZG-ID, LeiKa key, area); a row that staff changed since it was loaded (its history names a
user other than the system actor) is kept as it is and reported, and so is a row in the database that the file no
longer has; untouched rows the file no longer has are removed. Running it again with the same files changes
nothing.

Then the OZG-Leistungen' own level: where a whole-Leistung row exists it sets the level from it (origin "aus Quelle
belegt"); the LeiKa check sets the level where the derived one was wrong and the right one is sourced, clears it
(noch nicht zugeordnet) where the derivation is not sourced, and marks the confirmed ones "geprüft". A level set by
staff (origin "von der Redaktion festgelegt") is never changed."""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext_lazy as _lazy
from simple_history.utils import bulk_create_with_history

from audit.models import Action
from audit.services import Record, audit_record_many, instance_values
from common.authorization import Rule, system_actor
from common.csvfiles import CsvFileError, decode_csv_bytes, read_csv_rows
from organisations import keys
from organisations import selectors as register
from organisations.models import Organisation

from .models import (
    SOURCE_DATE_PATTERN,
    Evidence,
    ExecutingLevel,
    LeikaLeistung,
    OzgLeistung,
    Zustaendigkeit,
    ZustaendigkeitAusnahme,
)
from .services.zustaendigkeit import zustaendigkeit_delete, zustaendigkeit_save

FILES = {
    "defaults": "zustaendigkeit.csv",
    "exceptions": "zustaendigkeit_ausnahmen.csv",
    "check": "leika_ebenen_pruefung.csv",
}
DEFAULT_COLUMNS = [
    "ozg_id",
    "leika_schluessel",
    "ebene",
    "zustaendige_stelle",
    "grundlage",
    "quelle_url",
    "quelle_titel",
    "quelle_stand",
    "geprueft_am",
    "beleg",
    "anmerkung",
]
EXCEPTION_COLUMNS = [*DEFAULT_COLUMNS[:2], "bereich_ars", "zustaendig_ars", *DEFAULT_COLUMNS[2:]]
CHECK_COLUMNS = ["ozg_id", "abgeleitete_ebene", "ergebnis", "richtige_ebene", "beleg"]
CHECK_RESULTS = ("bestätigt", "falsch", "nicht belegt")
LEVELS = [value for value in ExecutingLevel.values if value != ExecutingLevel.UNCLASSIFIED]
LEIKA_KEY = re.compile(r"^99[0-9]{12}$")
AREA_KINDS = (
    Organisation.Kind.KREIS,
    Organisation.Kind.KREISFREIE_STADT,
    Organisation.Kind.AMT,
    Organisation.Kind.AMTSFREIE_GEMEINDE,
    Organisation.Kind.AMTSANGEHOERIGE_GEMEINDE,
)
HANDLER_KINDS = Organisation.VERWALTUNG_AND_LAND_KINDS
MAX_ERRORS = 20
LevelSource = OzgLeistung.LevelSource

ZUSTAENDIGKEIT_IMPORT = Rule(
    action=_lazy("Zuständigkeiten importieren"),
    perms=(
        *(
            f"ozg_monitoring.{op}_{model}"
            for model in ("zustaendigkeit", "zustaendigkeitausnahme")
            for op in ("add", "change", "delete")
        ),
        "ozg_monitoring.change_ozgleistung",
    ),
)
VALUE_FIELDS = [
    "level",
    "office",
    "basis",
    "source_url",
    "source_title",
    "source_date",
    "checked_on",
    "evidence",
    "note",
]


@dataclass
class LoadResult:
    created: dict = field(default_factory=lambda: {"defaults": 0, "exceptions": 0})
    updated: dict = field(default_factory=lambda: {"defaults": 0, "exceptions": 0})
    unchanged: dict = field(default_factory=lambda: {"defaults": 0, "exceptions": 0})
    deleted: dict = field(default_factory=lambda: {"defaults": 0, "exceptions": 0})
    kept: list = field(default_factory=list)  # descriptions of rows staff changed, left as they are
    levels_sourced: int = 0  # OZG-Leistungen whose level now comes from a whole-Leistung row
    levels_from_leika: int = 0  # … from its LeiKa rows, all on one level (derived, LevelSource.LEIKA)
    levels_mixed: list = field(default_factory=list)  # OZG-IDs whose LeiKa rows name several levels
    check: dict = field(default_factory=lambda: {"bestätigt": 0, "korrigiert": 0, "nicht belegt": 0})
    manual_kept: list = field(default_factory=list)  # OZG-IDs whose staff-set level was left alone


class _Errors:
    def __init__(self):
        self.messages = []

    def add(self, file, line, column, text):
        self.messages.append(f"{file}, Zeile {line}, Spalte {column}: {text}")

    def raise_if_any(self):
        if self.messages:
            shown = self.messages[:MAX_ERRORS]
            if len(self.messages) > MAX_ERRORS:
                shown.append(f"… und {len(self.messages) - MAX_ERRORS} weitere Fehler")
            raise ValidationError(shown)


def _read(directory: Path, kind: str, columns: list[str], errors: _Errors):
    name = FILES[kind]
    path = directory / name
    try:
        raw = path.read_bytes()
    except OSError:
        raise ValidationError(f"{name}: Datei fehlt in {directory}.") from None
    try:
        text = decode_csv_bytes(raw)
        first = text.split("\n", 1)[0]
        delimiter = ";" if first.count(";") > first.count(",") else ","
        header, rows = read_csv_rows(text, delimiter=delimiter)
    except CsvFileError as error:
        raise ValidationError(f"{name}, Zeile {error.args[1]}: {error.args[0]}") from None
    header = [column.strip() for column in header]
    missing = [column for column in columns if column not in header]
    if missing:
        raise ValidationError(f"{name}, Zeile 1: Spalten fehlen: {', '.join(missing)}.")
    if not rows and kind == "defaults":
        raise ValidationError(f"{name}: keine Datenzeilen.")
    return name, [(line, {key.strip(): (value or "").strip() for key, value in row.items()}) for line, row in rows]


def _date(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


class _Context:
    """The catalogue and register entries the rows refer to, loaded once."""

    def __init__(self):
        self.leistungen = {leistung.ozg_id: leistung for leistung in OzgLeistung.objects.all()}
        self.leika = {
            leika.key: leika for leika in LeikaLeistung.objects.filter(key__isnull=False).select_related("ozg_leistung")
        }
        self.orgs = {org.ars: org for org in register.bodies_with_ars()}


def _values(name, line, row, ctx: _Context, errors: _Errors) -> dict | None:
    """The checked values of a default or exception row (None: an error was recorded)."""
    before = len(errors.messages)
    leistung = leika = None
    if not row["ozg_id"].isdigit():
        errors.add(name, line, "ozg_id", f"„{row['ozg_id'][:20]}“ ist keine OZG-ID.")
    else:
        leistung = ctx.leistungen.get(int(row["ozg_id"]))
        if leistung is None:
            errors.add(name, line, "ozg_id", f"OZG-Leistung {row['ozg_id']} steht nicht im Katalog.")
    key = row["leika_schluessel"]
    if key:
        if not LEIKA_KEY.match(key):
            errors.add(name, line, "leika_schluessel", f"„{key[:20]}“ ist kein 14-stelliger LeiKa-Schlüssel.")
        else:
            leika = ctx.leika.get(key)
            if leika is None:
                errors.add(name, line, "leika_schluessel", f"LeiKa-Leistung {key} steht nicht im Katalog.")
            elif leistung is not None and leika.ozg_leistung_id != leistung.pk:
                errors.add(
                    name,
                    line,
                    "leika_schluessel",
                    f"LeiKa-Leistung {key} gehört nicht zu OZG-Leistung {leistung.ozg_id}.",
                )
    if row["ebene"] not in LEVELS:
        errors.add(name, line, "ebene", f"„{row['ebene'][:20]}“ ist keine Ebene ({', '.join(LEVELS)}).")
    if not row["grundlage"]:
        errors.add(name, line, "grundlage", "Die Grundlage fehlt.")
    if row["quelle_url"]:
        try:
            URLValidator(schemes=["http", "https"])(row["quelle_url"])
        except ValidationError:
            errors.add(name, line, "quelle_url", "keine gültige Adresse (http oder https).")
        if len(row["quelle_url"]) > 500:
            errors.add(name, line, "quelle_url", "länger als 500 Zeichen.")
    if row["quelle_stand"] and not re.match(SOURCE_DATE_PATTERN, row["quelle_stand"]):
        errors.add(name, line, "quelle_stand", f"„{row['quelle_stand'][:20]}“: erwartet JJJJ, JJJJ-MM oder JJJJ-MM-TT.")
    checked_on = _date(row["geprueft_am"])
    if checked_on is None:
        errors.add(name, line, "geprueft_am", f"„{row['geprueft_am'][:20]}“ ist kein Datum (JJJJ-MM-TT).")
    if row["beleg"] not in Evidence.values:
        errors.add(name, line, "beleg", f"„{row['beleg'][:20]}“: erwartet {' oder '.join(Evidence.values)}.")
    elif row["beleg"] == Evidence.QUELLE and not (row["quelle_url"] or row["quelle_titel"]):
        errors.add(name, line, "quelle_url", "Eine gelesene Quelle braucht ihre Adresse oder ihren Titel.")
    for column, limit in (("zustaendige_stelle", 200), ("quelle_titel", 300)):
        if len(row[column]) > limit:
            errors.add(name, line, column, f"länger als {limit} Zeichen.")
    if len(errors.messages) > before:
        return None
    return {
        "leistung": leistung,
        "leika": leika,
        "level": row["ebene"],
        "office": row["zustaendige_stelle"],
        "basis": row["grundlage"],
        "source_url": row["quelle_url"],
        "source_title": row["quelle_titel"],
        "source_date": row["quelle_stand"],
        "checked_on": checked_on,
        "evidence": row["beleg"],
        "note": row["anmerkung"],
    }


def _org(name, line, column, ars, ctx, kinds, errors):
    if not keys.is_ars(ars):
        errors.add(name, line, column, f"„{ars[:20]}“ ist kein 12-stelliger Regionalschlüssel.")
        return None
    org = ctx.orgs.get(ars)
    if org is None:
        errors.add(name, line, column, f"{ars} steht nicht im Register.")
    elif org.kind not in kinds:
        errors.add(name, line, column, f"{ars} ({org.name}) ist hier nicht möglich ({org.get_kind_display()}).")
        return None
    return org


def _touched_ids(model, system) -> set:
    """Ids of the rows whose history names a user other than the system actor (or no user): staff changed them."""
    history = model.history.model.objects
    return set(history.exclude(history_user_id=system.pk).values_list("id", flat=True)) | set(
        history.filter(history_user_id__isnull=True).values_list("id", flat=True)
    )


def _describe(values) -> str:
    target = f"{values['leistung'].ozg_id}" + (f"/{values['leika'].key}" if values.get("leika") else "")
    area = values.get("area")
    return target + (f" in {area.ars} ({area.name})" if area is not None else "")


def _upsert(model, kind, rows: dict, *, by, touched: set, result: LoadResult):
    existing = {}
    for obj in model.objects.select_related("leistung", "leika", *(["area"] if kind == "exceptions" else [])):
        key = (obj.leistung_id, obj.leika_id, *([obj.area_id] if kind == "exceptions" else []))
        existing[key] = obj
    extra = ["handled_by"] if kind == "exceptions" else []
    new = []
    for key, values in rows.items():
        obj = existing.pop(key, None)
        if obj is None:
            new.append(model(**values))
            continue
        fields = [*VALUE_FIELDS, *extra]
        if all(getattr(obj, name) == values[name] for name in fields):
            result.unchanged[kind] += 1
            continue
        if obj.pk in touched:
            result.kept.append(f"{_describe(values)}: von Hand geändert, behalten")
            continue
        for name in fields:
            setattr(obj, name, values[name])
        zustaendigkeit_save(entry=obj, by=by)
        result.updated[kind] += 1
    for obj in existing.values():  # rows the file no longer has
        values = {"leistung": obj.leistung, "leika": obj.leika, "area": getattr(obj, "area", None)}
        if obj.pk in touched:
            result.kept.append(f"{_describe(values)}: nicht in der Datei, von Hand angelegt oder geändert, behalten")
            continue
        zustaendigkeit_delete(entry=obj, by=by)
        result.deleted[kind] += 1
    if new:
        # New rows in one go (every row was checked above): one INSERT each for the rows, their history (naming
        # `by`) and the audit trail, instead of one save with its constraint queries per row.
        created = bulk_create_with_history(new, model, batch_size=500, default_user=by)
        audit_record_many(
            model=model,
            by=by,
            records=[Record(action=Action.CREATED, instance=obj, changes=instance_values(obj)) for obj in created],
        )
        result.created[kind] += len(created)


def _set_level(leistung: OzgLeistung, level: str, source: str) -> bool:
    if leistung.level == level and leistung.level_source == source:
        return False
    leistung.level, leistung.level_source = level, source
    leistung.save(update_fields=["level", "level_source"])
    return True


@transaction.atomic
def load(*, by, directory: Path) -> LoadResult:
    ZUSTAENDIGKEIT_IMPORT.require(by)
    directory = Path(directory)
    errors = _Errors()
    ctx = _Context()
    result = LoadResult()

    defaults = {}
    name, rows = _read(directory, "defaults", DEFAULT_COLUMNS, errors)
    for line, row in rows:
        values = _values(name, line, row, ctx, errors)
        if values is None:
            continue
        key = (values["leistung"].pk, getattr(values["leika"], "pk", None))
        if key in defaults:
            errors.add(name, line, "leika_schluessel", f"{_describe(values)} steht doppelt in der Datei.")
        defaults[key] = values

    exceptions = {}
    name, rows = _read(directory, "exceptions", EXCEPTION_COLUMNS, errors)
    for line, row in rows:
        values = _values(name, line, row, ctx, errors)
        area = _org(name, line, "bereich_ars", row["bereich_ars"], ctx, AREA_KINDS, errors)
        handler = None
        if row["zustaendig_ars"]:
            handler = _org(name, line, "zustaendig_ars", row["zustaendig_ars"], ctx, HANDLER_KINDS, errors)
            if handler is None:
                continue
        if values is None or area is None:
            continue
        values.update(area=area, handled_by=handler)
        leistung_id, leika_id = values["leistung"].pk, getattr(values["leika"], "pk", None)
        if (leistung_id, leika_id) not in defaults and (leistung_id, None) not in defaults:
            errors.add(
                name,
                line,
                "ozg_id",
                f"Zu {_describe(values)} fehlt die Standardzeile in {FILES['defaults']}.",
            )
        key = (leistung_id, leika_id, area.pk)
        if key in exceptions:
            errors.add(name, line, "bereich_ars", f"{_describe(values)} steht doppelt in der Datei.")
        exceptions[key] = values

    checks = []
    name, rows = _read(directory, "check", CHECK_COLUMNS, errors)
    for line, row in rows:
        leistung = ctx.leistungen.get(int(row["ozg_id"])) if row["ozg_id"].isdigit() else None
        if leistung is None:
            errors.add(name, line, "ozg_id", f"OZG-Leistung „{row['ozg_id'][:20]}“ steht nicht im Katalog.")
        if row["abgeleitete_ebene"] not in LEVELS:
            errors.add(name, line, "abgeleitete_ebene", f"„{row['abgeleitete_ebene'][:20]}“ ist keine Ebene.")
        if row["ergebnis"] not in CHECK_RESULTS:
            errors.add(name, line, "ergebnis", f"„{row['ergebnis'][:20]}“: erwartet {', '.join(CHECK_RESULTS)}.")
        if row["ergebnis"] == "falsch" and row["beleg"] == Evidence.QUELLE and row["richtige_ebene"] not in LEVELS:
            errors.add(name, line, "richtige_ebene", "Bei „falsch“ mit Quelle fehlt die richtige Ebene.")
        if row["beleg"] not in Evidence.values:
            errors.add(name, line, "beleg", f"„{row['beleg'][:20]}“: erwartet {' oder '.join(Evidence.values)}.")
        checks.append((leistung, row))
    errors.raise_if_any()

    system = system_actor()
    for model, kind, rows_of_kind in (
        (Zustaendigkeit, "defaults", defaults),
        (ZustaendigkeitAusnahme, "exceptions", exceptions),
    ):
        _upsert(model, kind, rows_of_kind, by=by, touched=_touched_ids(model, system), result=result)

    # The Leistungen' own level: from the whole-Leistung rows, then the LeiKa check; staff's levels stay.
    whole = {row.leistung_id: row for row in Zustaendigkeit.objects.filter(leika__isnull=True)}
    by_pk = {leistung.pk: leistung for leistung in ctx.leistungen.values()}
    for leistung_id, row in whole.items():
        leistung = by_pk[leistung_id]
        if leistung.level_source == LevelSource.MANUAL:
            result.manual_kept.append(leistung.ozg_id)
            continue
        _set_level(leistung, row.level, LevelSource.SOURCED)
        result.levels_sourced += 1
    # Only LeiKa rows: where they all name one level, the OZG-Leistung's level is derived from them (and says so);
    # where they differ, it has no one level (the lookup shows the LeiKa rows).
    leika_levels = defaultdict(set)
    for leistung_id, level in Zustaendigkeit.objects.filter(leika__isnull=False).values_list("leistung_id", "level"):
        if leistung_id not in whole:
            leika_levels[leistung_id].add(level)
    for leistung_id, levels in sorted(leika_levels.items()):
        leistung = by_pk[leistung_id]
        if leistung.level_source == LevelSource.MANUAL:
            result.manual_kept.append(leistung.ozg_id)
        elif len(levels) == 1:
            _set_level(leistung, levels.pop(), LevelSource.LEIKA)
            result.levels_from_leika += 1
        else:
            _set_level(leistung, ExecutingLevel.UNCLASSIFIED, LevelSource.MIXED)
            result.levels_mixed.append(leistung.ozg_id)
    for leistung, row in checks:
        if leistung.pk in whole or leistung.pk in leika_levels:
            continue  # a sourced row decides
        if leistung.level_source == LevelSource.MANUAL:
            result.manual_kept.append(leistung.ozg_id)
            continue
        if row["ergebnis"] == "bestätigt":
            _set_level(leistung, row["abgeleitete_ebene"], LevelSource.CHECKED)
            result.check["bestätigt"] += 1
        elif row["ergebnis"] == "falsch" and row["beleg"] == Evidence.QUELLE:
            _set_level(leistung, row["richtige_ebene"], LevelSource.SOURCED)
            result.check["korrigiert"] += 1
        else:  # "nicht belegt", or wrong without a sourced right one: not recorded
            _set_level(leistung, ExecutingLevel.UNCLASSIFIED, LevelSource.UNSOURCED)
            result.check["nicht belegt"] += 1
    return result
