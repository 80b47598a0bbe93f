"""CSV files: uploads and imports in (decoded and read with file/line errors), exports out (formula-safe)."""

import csv
import io

from django.utils.translation import gettext as _

from common.messages import message


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


def read_csv_rows(text: str, *, delimiter: str = ","):
    """(header, rows) of a CSV text; rows are (line, {column: value}) with the file's line number of the row's
    first line. Raises CsvFileError naming the line on malformed CSV (NUL bytes, a field over the csv module's
    field size limit) and on a row with more or fewer fields than the header."""
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

    def __init__(self, file, *, fieldnames=None, **kwargs):
        self._dict = fieldnames is not None
        self._writer = csv.DictWriter(file, fieldnames, **kwargs) if self._dict else csv.writer(file, **kwargs)

    def writeheader(self):
        return self._writer.writeheader()

    def writerow(self, row):
        if self._dict:
            return self._writer.writerow({key: spreadsheet_safe(value) for key, value in row.items()})
        return self._writer.writerow([spreadsheet_safe(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)
