"""One parser for whatever the federal API answers (data/ozg/digitale-verwaltung-api.openapi.yaml).

`/v1/data` and `/v1/ars` answer JSON page objects (PageDvDataDto, PageArsDto). `/v1/data/{ars}` has no response
schema: it takes `filetype=csv|xlsx` and may as well send JSON. So an answer (or a downloaded file) is recognised
by its content, not by its Content-Type:

- starts with the ZIP signature `PK\\x03\\x04`: **XLSX** (openpyxl; first worksheet, first non-empty row = header);
- starts with `{` or `[` (after a byte order mark and blanks): **JSON**, a page object with `content` (followed
  page by page by the client) or a bare list of records;
- else **CSV**: UTF-8 with or without byte order mark (Windows-1252 as a fallback), delimiter `,` or `;` (the one
  under which the header names more DvDataDto fields), the header names the columns.

Columns and keys are the DvDataDto fields (case and surrounding blanks ignored); others are counted and ignored.
A table needs the column `ars`. Anything else (HTML, an error object, an empty answer, a table without `ars`, a
broken XLSX) is a `FederalFormatError` with a German message: never a partial, silent import.

`normalize_record` turns one record into the stored values: texts stripped, empty -> null, NUL bytes dropped;
numbers from a spreadsheet become text again (an 11-digit ARS got its leading zero dropped: it is restored);
`ozgid` becomes an int where it is one (10000, "10000", 10000.0), else null with the received value kept apart.
"""

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

#: DvDataDto's fields, in the spec's order.
FIELDS = [
    "leika_key",
    "leika_name",
    "ars",
    "ars_name",
    "ars_federal_state",
    "bundesland",
    "leika_bezeichnung",
    "ozgid",
    "ozg_bezeichnung",
    "url",
    "online_status",
    "aktiv",
    "art_flaechendeckung",
]
#: The spec's enumerations: values outside them are stored as received and counted in the report.
ENUMS = {
    "online_status": {"ok", "nicht ok"},
    "aktiv": {"ja", "nein"},
    "art_flaechendeckung": {
        "bundesweit flächendeckend",
        "in mind. einer Kommune verfügbar",
        "landesweit flächendeckend",
        "kreisweit flächendeckend",
        "nicht in Auswertung berücksichtigt",
    },
}
INT32_MAX = 2**31 - 1
ZIP_SIGNATURE = b"PK\x03\x04"
SNIPPET = 60


class FederalFormatError(ValueError):
    """An answer or file that is not CSV, XLSX or JSON of the federal shapes; `message` is German."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass
class PageInfo:
    """The paging fields of a PageDvDataDto / PageArsDto, where present and of the right type."""

    number: int | None = None
    size: int | None = None
    total_pages: int | None = None
    total_elements: int | None = None
    first: bool | None = None
    last: bool | None = None


@dataclass
class Payload:
    format: str  # "json-page", "json-list", "csv", "xlsx"
    records: list
    page: PageInfo | None = None
    notes: dict = field(default_factory=dict)


def _snippet(raw: bytes) -> str:
    text = raw[:SNIPPET].decode("utf-8", "replace")
    return re.sub(r"\s+", " ", text).strip()


def detect_format(raw: bytes) -> str:
    """ "xlsx", "json" or "csv" by content; FederalFormatError for an empty answer, HTML or XML."""
    if not raw.strip():
        raise FederalFormatError(_("Die Antwort ist leer."))
    if raw.startswith(ZIP_SIGNATURE):
        return "xlsx"
    head = raw.removeprefix(b"\xef\xbb\xbf").lstrip()
    if head[:1] in (b"{", b"["):
        return "json"
    if head[:1] == b"<":
        raise FederalFormatError(
            _("Die Antwort ist HTML oder XML (eine Fehlerseite?), keine Daten: „%(start)s…“")
            % {"start": _snippet(head)}
        )
    return "csv"


def parse_payload(raw: bytes, *, content_type: str | None = None) -> Payload:
    """The records of one answer or file (see the module docstring)."""
    kind = detect_format(raw)
    if kind == "xlsx":
        payload = parse_xlsx(raw)
    elif kind == "json":
        payload = parse_json(raw)
    else:
        payload = parse_csv(raw)
    if content_type:
        payload.notes["content_type"] = content_type[:100]
    return payload


# --- JSON -------------------------------------------------------------------------------------------------------


def _load_json(raw: bytes):
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise FederalFormatError(_("Die JSON-Antwort ist nicht UTF-8-kodiert.")) from None
    except RecursionError:
        raise FederalFormatError(_("Die JSON-Antwort ist zu tief verschachtelt.")) from None
    except ValueError as error:
        raise FederalFormatError(
            _("Die Antwort ist kein gültiges JSON (Zeile %(line)s, Spalte %(column)s).")
            % {"line": getattr(error, "lineno", "?"), "column": getattr(error, "colno", "?")}
        ) from None


def page_info(document: dict) -> PageInfo:
    def integer(name):
        value = document.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None

    def boolean(name):
        value = document.get(name)
        return value if isinstance(value, bool) else None

    return PageInfo(
        number=integer("number"),
        size=integer("size"),
        total_pages=integer("totalPages"),
        total_elements=integer("totalElements"),
        first=boolean("first"),
        last=boolean("last"),
    )


def parse_json(raw: bytes) -> Payload:
    document = _load_json(raw)
    if isinstance(document, list):
        return Payload(format="json-list", records=document)
    if not isinstance(document, dict) or "content" not in document:
        keys = ", ".join(sorted(str(key) for key in document)[:8]) if isinstance(document, dict) else ""
        raise FederalFormatError(
            _("Die JSON-Antwort ist kein Seitenobjekt (PageDvDataDto): das Feld „content“ fehlt (Felder: %(keys)s).")
            % {"keys": keys or "–"}
        )
    if not isinstance(document["content"], list):
        raise FederalFormatError(_("Im Seitenobjekt ist „content“ keine Liste."))
    return Payload(format="json-page", records=document["content"], page=page_info(document))


def parse_ars_page(raw: bytes) -> tuple[list[dict], PageInfo]:
    """The entries of a PageArsDto (`/v1/ars`): [{"ars": …, "arsName": …}], and its paging fields."""
    if detect_format(raw) != "json":
        raise FederalFormatError(_("Die Antwort von /v1/ars ist kein JSON-Seitenobjekt (PageArsDto)."))
    payload = parse_json(raw)
    if payload.page is None:
        raise FederalFormatError(_("Die Antwort von /v1/ars ist kein JSON-Seitenobjekt (PageArsDto)."))
    entries = []
    for item in payload.records:
        if isinstance(item, dict) and isinstance(item.get("ars"), str):
            name = item.get("arsName")
            entries.append({"ars": item["ars"].strip(), "arsName": name if isinstance(name, str) else None})
    return entries, payload.page


# --- tables: CSV and XLSX -----------------------------------------------------------------------------------------


def _columns(header) -> list[str | None]:
    """Header cells -> DvDataDto field names (None for other columns)."""
    names = []
    for cell in header:
        name = str(cell).strip().lower() if cell is not None else ""
        names.append(name if name in FIELDS else None)
    return names


def _table(header, rows, *, format_name: str, notes: dict, strict_width: bool) -> Payload:
    """Records of a table; a row with more cells than the header (CSV: or fewer) is counted, not read."""
    columns = _columns(header)
    if "ars" not in columns:
        shown = ", ".join(str(cell)[:30] for cell in header[:8] if cell not in (None, ""))
        raise FederalFormatError(
            _(
                "Die Tabelle hat keine Spalte „ars“: keine Datei des Bundes-Dashboards (Spalten sind die Felder von "
                "DvDataDto; gefunden: %(found)s)."
            )
            % {"found": shown or "–"}
        )
    unknown = [str(cell).strip() for cell, name in zip(header, columns, strict=True) if name is None and cell]
    if unknown:
        notes["unknown_columns"] = unknown[:20]
    records, malformed = [], 0
    for row in rows:
        if all(cell in (None, "") for cell in row):
            continue
        too_long = len(row) > len(columns) and any(cell not in (None, "") for cell in row[len(columns) :])
        if too_long or (strict_width and len(row) != len(columns)):
            malformed += 1
            continue
        values = list(row) + [None] * (len(columns) - len(row))
        records.append({name: value for name, value in zip(columns, values, strict=False) if name is not None})
    if malformed:
        notes["malformed_rows"] = malformed
    return Payload(format=format_name, records=records, notes=notes)


def _decode_text(raw: bytes) -> tuple[str, str]:
    if b"\x00" in raw:
        raise FederalFormatError(_("Die Antwort enthält NUL-Bytes: keine CSV-Datei."))
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "cp1252"


def _delimiter(first_line: str) -> str:
    def known(delimiter):
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        return sum(1 for name in _columns(cells) if name), len(cells)

    return max([",", ";"], key=known)


def parse_csv(raw: bytes) -> Payload:
    text, encoding = _decode_text(raw)
    first_line = text.split("\n", 1)[0].strip("\r")
    delimiter = _delimiter(first_line)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        header = next(reader, [])
        rows = [[cell if cell != "" else None for cell in row] for row in reader]
    except csv.Error as error:
        raise FederalFormatError(
            _("Die CSV-Datei ist nicht lesbar (%(detail)s).") % {"detail": str(error)[:100]}
        ) from None
    notes = {"delimiter": delimiter, "encoding": encoding}
    return _table(header, rows, format_name="csv", notes=notes, strict_width=True)


def parse_xlsx(raw: bytes) -> Payload:
    try:
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException
    except ImportError:  # a declared dependency (pyproject.toml); say so rather than fail obscurely
        raise FederalFormatError(_("XLSX kann nicht gelesen werden: das Paket openpyxl fehlt.")) from None
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError):
        raise FederalFormatError(_("Die Antwort ist keine lesbare XLSX-Datei.")) from None
    try:
        if not workbook.worksheets:
            raise FederalFormatError(_("Die XLSX-Datei hat kein Tabellenblatt."))
        sheet = workbook.worksheets[0]
        title = sheet.title
        rows = sheet.iter_rows(values_only=True)
        header = []
        for row in rows:
            if any(cell not in (None, "") for cell in row):
                header = list(row)
                break
        body = [list(row) for row in rows]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise FederalFormatError(_("Die Antwort ist keine lesbare XLSX-Datei.")) from None
    finally:
        workbook.close()
    return _table(header, body, format_name="xlsx", notes={"sheet": title[:60]}, strict_width=False)


# --- one record -------------------------------------------------------------------------------------------------


@dataclass
class Normalized:
    values: dict  # FIELDS -> text / int / None
    invalid: dict = field(default_factory=dict)  # field -> the received value (text), where it did not fit
    notes: set = field(default_factory=set)  # "ars_padded", "nul_removed"
    unknown_fields: list = field(default_factory=list)


def _text(value, name: str, result: Normalized):
    if value is None:
        return None
    if isinstance(value, bool):
        result.invalid[name] = str(value).lower()
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if not isinstance(value, str):
        result.invalid[name] = json.dumps(value, ensure_ascii=False, default=str)[:200]
        return None
    if "\x00" in value:
        value = value.replace("\x00", "")
        result.notes.add("nul_removed")
    value = value.strip()
    return value or None


def _ozgid(value, result: Normalized):
    number = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and re.fullmatch(r"\s*[0-9]{1,10}(\.0+)?\s*", value):
        number = int(value.strip().split(".")[0])
    if number is not None and 0 <= number <= INT32_MAX:
        return number
    if value is not None and value != "":
        result.invalid["ozgid"] = (value if isinstance(value, str) else json.dumps(value, default=str))[:200]
    return None


def normalize_record(item: dict) -> Normalized:
    """The stored values of one record (a dict from JSON or a table row)."""
    by_name = {}
    unknown = []
    for key, value in item.items():
        name = str(key).strip().lower()
        if name in FIELDS:
            by_name.setdefault(name, value)
        else:
            unknown.append(str(key)[:40])
    result = Normalized(values={}, unknown_fields=unknown)
    for name in FIELDS:
        raw = by_name.get(name)
        if name == "ozgid":
            result.values[name] = _ozgid(raw, result)
            continue
        value = _text(raw, name, result)
        if name == "ars" and value is not None and re.fullmatch(r"[0-9]{11}", value):
            value = "0" + value  # a spreadsheet held the key as a number and dropped its leading zero
            result.notes.add("ars_padded")
        result.values[name] = value
    return result
