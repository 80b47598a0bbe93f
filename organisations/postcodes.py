"""Every Postleitzahl of every Gemeinde (data/gebiete/sh_plz.csv, © OpenStreetMap-Mitwirkende, ODbL 1.0) for the
place search: `postcodes_import(*, path, by)` replaces the pairs in one transaction after checking every row; the
command `import_plz` is its thin door. The pairs are reference data nobody edits: a run brings them in line with
the file (added, removed, unchanged counted)."""

from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from common.services import MissingPrerequisite

from .destatis import REGISTER_IMPORT, read_rows
from .models import Organisation, PostalCode

FILE = "sh_plz.csv"
COLUMNS = ("ars", "plz", "ort_osm")
MAX_ERRORS = 20


@dataclass
class PostcodesResult:
    added: int = 0
    removed: int = 0
    unchanged: int = 0
    gemeinden: int = 0


@transaction.atomic
def postcodes_import(*, path: Path, by) -> PostcodesResult:
    """Checks every row (German messages naming line and column), then writes; nothing on any error."""
    REGISTER_IMPORT.require(by)
    path = Path(path)
    rows = read_rows(path / FILE if path.is_dir() else path, COLUMNS)  # the register's reader
    gemeinden = {org.ars: org.pk for org in Organisation.objects.gemeinden().only("pk", "ars")}
    if not gemeinden:
        raise MissingPrerequisite(
            "Das Register ist nicht importiert: bitte zuerst `python manage.py import_register` ausführen. "
            "Nichts geändert."
        )
    errors, wanted = [], {}
    for row in rows:
        line = row.line
        ars, code = row.values["ars"].strip(), row.values["plz"].strip()
        if ars not in gemeinden:
            errors.append(f"{FILE}, Zeile {line}, Spalte ars: „{ars[:20]}“ ist keine Gemeinde des Registers.")
        is_code = len(code) == 5 and code.isdigit()
        if not is_code:
            errors.append(f"{FILE}, Zeile {line}, Spalte plz: „{code[:20]}“ ist keine fünfstellige Postleitzahl.")
        if ars in gemeinden and is_code:
            wanted[(code, gemeinden[ars])] = row.values["ort_osm"].strip()[:200]
    if errors:
        shown = errors[:MAX_ERRORS]
        more = len(errors) - len(shown)
        raise ValidationError(shown + ([f"… und {more} weitere Fehler."] if more else []))
    existing = {(entry.code, entry.gemeinde_id): entry for entry in PostalCode.objects.all()}
    stale = [entry.pk for key, entry in existing.items() if key not in wanted]
    PostalCode.objects.filter(pk__in=stale).delete()
    new = [
        PostalCode(code=code, gemeinde_id=pk, place_name=name)
        for (code, pk), name in wanted.items()
        if (code, pk) not in existing
    ]
    PostalCode.objects.bulk_create(new)
    changed = [entry for key, entry in existing.items() if key in wanted and entry.place_name != wanted[key]]
    for entry in changed:
        entry.place_name = wanted[(entry.code, entry.gemeinde_id)]
    PostalCode.objects.bulk_update(changed, ["place_name"])
    return PostcodesResult(
        added=len(new),
        removed=len(stale),
        unchanged=len(wanted) - len(new),
        gemeinden=len({pk for _code, pk in wanted}),
    )
