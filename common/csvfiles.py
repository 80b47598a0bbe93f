"""CSV files, in and out: one helper with two named dialects for every CSV the portal writes, one reader that
takes both for every import.

Out. Every CSV response and file goes through `csv_response` (or `csv_download` for rows written one by one),
`csv_file_response`, `csv_text` or `csv_writer`, with one of two dialects:

- `OPEN_DATA`: RFC 4180 as the open-data downloads and monthly files publish it (comma, double quotes, CRLF,
  UTF-8 without byte order mark); cells are written as the caller gives them (the open-data datasets make text
  cells formula-safe by column type, `opendata.datasets.csv_value`, so that numbers such as -5.00 stay numbers).
- `SPREADSHEET`: for German Excel and LibreOffice: semicolon (a comma is the decimal separator there), CRLF,
  UTF-8 with byte order mark (without it Excel reads UTF-8 as Windows-1252); text cells that a spreadsheet would
  run as a formula get a leading apostrophe (`spreadsheet_safe`, OWASP CSV injection). Every staff export (admin
  actions, import error reports, the yearly funding report) and every "Als CSV herunterladen" of a public list.

- `FEDERAL`: the format of the federal Dashboard Digitale Verwaltung's files (comma, LF, UTF-8 without byte order
  mark), for our export in its format (`federal/export.py`); text cells formula-safe like `SPREADSHEET`.

In. `decode_csv_bytes` takes UTF-8 with or without byte order mark; `read_csv_rows` takes comma or semicolon (it
reads the delimiter from the header line), so a file exported in either dialect, or saved by a spreadsheet, can be
imported again: the OZG status upload, the federal import, the catalogue and the register imports.
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils.http import http_date
from django.utils.translation import gettext as _

from common.messages import message
from common.stand import LABEL as STAND_LABEL

BOM = "\ufeff"


@dataclass(frozen=True)
class Dialect:
    """How a CSV is written: field delimiter, byte order mark at the start, formula-safe text cells."""

    name: str
    delimiter: str
    bom: bool
    formula_safe: bool
    lineterminator: str = "\r\n"


OPEN_DATA = Dialect("open_data", delimiter=",", bom=False, formula_safe=False)
SPREADSHEET = Dialect("spreadsheet", delimiter=";", bom=True, formula_safe=True)
FEDERAL = Dialect("federal", delimiter=",", bom=False, formula_safe=True, lineterminator="\n")
DIALECTS = (OPEN_DATA, SPREADSHEET, FEDERAL)
CONTENT_TYPE = "text/csv; charset=utf-8"


class CsvFileError(ValueError):
    """A CSV file that cannot be read; `message` is German, `line` the line of the file (1-based) or None."""

    def __init__(self, message: str, line: int | None = None):
        self.message, self.line = message, line
        super().__init__(message if line is None else f"Zeile {line}: {message}")


def decode_csv_bytes(raw: bytes) -> str:
    """The text of an uploaded or imported CSV file: UTF-8, with or without byte order mark. Anything else (and a
    NUL byte: a binary file) is a CsvFileError naming the line of the first offending byte."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CsvFileError(message("csv.utf16"), 1)
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise CsvFileError(message("csv.nul"), line)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise CsvFileError(
            message("csv.encoding") % {"byte": raw[error.start]},
            line,
        ) from None


def csv_error_message(error: csv.Error) -> str:
    """The csv module's English message in German."""
    text = str(error)
    if "field larger than field limit" in text:
        return message("csv.field_too_long") % {"n": f"{csv.field_size_limit():,}".replace(",", ".")}
    if "NUL" in text:
        return message("csv.nul")
    return _("Die Zeile ist kein gültiges CSV (%(detail)s).") % {"detail": text}


def sniff_delimiter(text: str) -> str:
    """The delimiter of a CSV text, read from its header line: a semicolon where the header has more semicolons
    than commas (a spreadsheet's export, `SPREADSHEET`), else a comma (`OPEN_DATA`, RFC 4180)."""
    header = text.lstrip(BOM).split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def read_csv_rows(text: str, *, delimiter: str | None = None):
    """(header, rows) of a CSV text; rows are (line, {column: value}) with the file's line number of the row's
    first line. The delimiter is a comma or a semicolon, read from the header line unless given. Raises
    CsvFileError naming the line on malformed CSV (NUL bytes, a field over the csv module's field size limit) and
    on a row with more or fewer fields than the header."""
    text = text.removeprefix(BOM)
    delimiter = delimiter or sniff_delimiter(text)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, start = [], 1
    try:
        header = reader.fieldnames or []
        start = reader.line_num + 1
        for values in reader:
            if None in values or any(value is None for value in values.values()):
                found = sum(1 for key, value in values.items() if key is not None and value is not None)
                found += len(values.get(None) or [])
                raise CsvFileError(
                    message("csv.field_count") % {"found": found, "expected": len(header)},
                    start,
                )
            rows.append((start, values))
            start = reader.line_num + 1
    except csv.Error as error:
        raise CsvFileError(csv_error_message(error), start) from None
    return header, rows


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A cell of a CSV export that a spreadsheet will not run as a formula: text starting with =, +, -, @, tab
    or carriage return gets a leading apostrophe (OWASP CSV injection). Numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class SafeCsvWriter:
    """csv.writer / csv.DictWriter whose text cells go through `spreadsheet_safe`."""

    def __init__(self, file, *, fieldnames=None, safe: bool = True, **kwargs):
        self._dict = fieldnames is not None
        self._safe = spreadsheet_safe if safe else (lambda value: value)
        self._writer = csv.DictWriter(file, fieldnames, **kwargs) if self._dict else csv.writer(file, **kwargs)

    def writeheader(self):
        return self._writer.writeheader()

    def writerow(self, row):
        if self._dict:
            return self._writer.writerow({key: self._safe(value) for key, value in row.items()})
        return self._writer.writerow([self._safe(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


# --- writing: the one helper ----------------------------------------------------------------------------------


def csv_writer(file, *, dialect: Dialect, fieldnames=None) -> SafeCsvWriter:
    """A writer in `dialect` onto `file` (any object with `write`; an HttpResponse too). Writes no BOM: see
    `csv_response` and `csv_file_response`, which do."""
    return SafeCsvWriter(
        file,
        fieldnames=fieldnames,
        safe=dialect.formula_safe,
        delimiter=dialect.delimiter,
        lineterminator=dialect.lineterminator,
    )


def csv_text(header, rows: Iterable, *, dialect: Dialect) -> str:
    """Header and rows as CSV text in `dialect`, without BOM (to be stored, e.g. a yearly report, and sent later
    with `csv_file_response`)."""
    buffer = io.StringIO()
    writer = csv_writer(buffer, dialect=dialect)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _attachment(filename: str, content: str = "") -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class _StandWriter:
    """Writes a last column "Stand der Daten" (common/stand.py): its name after the header, the Stand's value on
    every row, so that each row read alone still says how current it is."""

    def __init__(self, writer: SafeCsvWriter, stand):
        self._writer, self._stand, self._header_done = writer, stand, False

    def writerow(self, row):
        if self._header_done:
            return self._writer.writerow([*row, self._stand.value])
        self._header_done = True
        return self._writer.writerow([*row, str(STAND_LABEL)])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_download(filename: str, *, dialect: Dialect, fieldnames=None, stand=None) -> tuple[HttpResponse, SafeCsvWriter]:
    """An empty CSV download named `filename` (with the dialect's BOM) and a writer onto it, for rows written one
    by one: `response, writer = csv_download("x.csv", dialect=SPREADSHEET)`. With `stand` (a `common.stand.Stand`,
    required for every public download) the rows end with the column "Stand der Daten" and the response carries
    it as `Last-Modified`; write the header first, as a list."""
    response = _attachment(filename, BOM if dialect.bom else "")
    writer = csv_writer(response, dialect=dialect, fieldnames=fieldnames)
    if stand is None:
        return response, writer
    if stand.at is not None:
        response["Last-Modified"] = http_date(stand.at.timestamp())
    return response, _StandWriter(writer, stand)


def csv_response(filename: str, header, rows: Iterable, *, dialect: Dialect, stand=None) -> HttpResponse:
    """A CSV download: header and rows written in `dialect` (with its BOM), as an attachment named `filename`;
    `stand` as in `csv_download`."""
    response, writer = csv_download(filename, dialect=dialect, stand=stand)
    writer.writerow(header)
    writer.writerows(rows)
    return response


def csv_file_response(filename: str, text: str, *, dialect: Dialect | None) -> HttpResponse:
    """A CSV download of a text written before in `dialect` (a stored report): the dialect's BOM in front. With
    `dialect=None` the text is sent as it is (the federal dashboard's own format)."""
    return _attachment(filename, (BOM if dialect is not None and dialect.bom else "") + text)
