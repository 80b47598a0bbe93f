"""CSV export of the Zuständigkeit tables in the loader's own file format (`zustaendigkeit_import`): an export can be
edited and loaded again. Cells that a spreadsheet would run as a formula get an apostrophe (SafeCsvWriter)."""

from common.csvfiles import SPREADSHEET, csv_download

from .zustaendigkeit_import import DEFAULT_COLUMNS

# The loader's required columns, with the Leistung's name after the keys (for people reading the file; the loader
# ignores it), in the order of the shipped files.
DEFAULT_HEADER = [*DEFAULT_COLUMNS[:2], "leistung", *DEFAULT_COLUMNS[2:]]
EXCEPTION_HEADER = [
    *DEFAULT_HEADER[:3],
    "bereich_ars",
    "bereich_name",
    "ebene",
    "zustaendig_ars",
    "zustaendig_name",
    *DEFAULT_HEADER[4:],
]


def row_values(entry) -> dict:
    values = {
        "ozg_id": entry.leistung.ozg_id,
        "leika_schluessel": entry.leika.key if entry.leika_id else "",
        "leistung": entry.leika.name if entry.leika_id else entry.leistung.name,
        "ebene": entry.level,
        "zustaendige_stelle": entry.office,
        "grundlage": entry.basis,
        "quelle_url": entry.source_url,
        "quelle_titel": entry.source_title,
        "quelle_stand": entry.source_date,
        "geprueft_am": entry.checked_on.isoformat() if entry.checked_on else "",
        "beleg": entry.evidence,
        "anmerkung": entry.note,
    }
    if hasattr(entry, "area_id"):
        values.update(
            bereich_ars=entry.area.ars,
            bereich_name=entry.area.name,
            zustaendig_ars=entry.handled_by.ars if entry.handled_by_id else "",
            zustaendig_name=entry.handled_by.name if entry.handled_by_id else "",
        )
    return values


def csv_export(kind: str, queryset):
    """A download of `queryset` (default rows for kind "zustaendigkeit", exceptions for "zustaendigkeit_ausnahmen")
    in the loader's columns; the spreadsheet dialect, which the loader reads back."""
    exceptions = kind == "zustaendigkeit_ausnahmen"
    header = EXCEPTION_HEADER if exceptions else DEFAULT_HEADER
    related = ["leistung", "leika", *(["area", "handled_by"] if exceptions else [])]
    response, writer = csv_download(f"{kind}.csv", dialect=SPREADSHEET, fieldnames=header)
    writer.writeheader()
    for entry in queryset.select_related(*related).order_by("leistung__ozg_id", "leika__key", "pk"):
        writer.writerow(row_values(entry))
    return response
