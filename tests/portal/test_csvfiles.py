"""One CSV helper with two named dialects (common/csvfiles.py): OPEN_DATA (RFC 4180, comma, UTF-8 without BOM) and
SPREADSHEET (semicolon, UTF-8 with BOM, formula-safe); every CSV the portal writes goes through it, and every
import takes both (comma or semicolon, with or without BOM)."""

import csv
import io
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from common.csvfiles import (
    BOM,
    OPEN_DATA,
    SPREADSHEET,
    csv_file_response,
    csv_response,
    csv_text,
    decode_csv_bytes,
    read_csv_rows,
    sniff_delimiter,
)

ROOT = Path(__file__).resolve().parents[2]
HEADER = ["name", "betrag", "notiz"]
ROWS = [["Amt Föhr-Amrum", "1.234,50", "=HYPERLINK(1)"], ["Kiel; Stadt", "-5", 'mit "Anführung"']]


def test_open_data_is_rfc_4180_without_bom_and_cells_as_given():
    text = csv_text(HEADER, ROWS, dialect=OPEN_DATA)
    assert not text.startswith(BOM)
    assert text.split("\r\n")[0] == "name,betrag,notiz"  # comma, CRLF
    assert text.split("\r\n")[1] == 'Amt Föhr-Amrum,"1.234,50",=HYPERLINK(1)'
    assert text.split("\r\n")[2] == 'Kiel; Stadt,-5,"mit ""Anführung"""'
    response = csv_response("x.csv", HEADER, ROWS, dialect=OPEN_DATA)
    assert response.content.decode("utf-8") == text and not response.content.startswith(BOM.encode())
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'


def test_spreadsheet_is_semicolon_with_bom_and_formula_safe():
    response = csv_response("x.csv", HEADER, ROWS, dialect=SPREADSHEET)
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: German Excel reads umlauts right
    lines = response.content.decode("utf-8").removeprefix(BOM).split("\r\n")
    assert lines[0] == "name;betrag;notiz"
    assert lines[1] == "Amt Föhr-Amrum;1.234,50;'=HYPERLINK(1)"  # no formula; the comma needs no quotes
    assert lines[2] == '"Kiel; Stadt";\'-5;"mit ""Anführung"""'
    stored = csv_text(HEADER, ROWS, dialect=SPREADSHEET)  # stored without BOM, sent with it
    assert not stored.startswith(BOM)
    assert csv_file_response("r.csv", stored, dialect=SPREADSHEET).content.decode("utf-8") == BOM + stored
    assert csv_file_response("f.csv", "a,b\n", dialect=None).content == b"a,b\n"  # a format of its own


@pytest.mark.parametrize("dialect", [OPEN_DATA, SPREADSHEET], ids=lambda d: d.name)
@pytest.mark.parametrize("bom", [True, False])
def test_reading_takes_both_dialects_with_or_without_bom(dialect, bom):
    text = csv_text(HEADER, ROWS, dialect=dialect)
    raw = ((BOM if bom else "") + text).encode("utf-8")
    header, rows = read_csv_rows(decode_csv_bytes(raw))
    assert header == HEADER
    expected = [dict(zip(HEADER, row, strict=True)) for row in ROWS]
    if dialect.formula_safe:
        expected[0]["notiz"], expected[1]["betrag"] = "'=HYPERLINK(1)", "'-5"
    assert [values for _line, values in rows] == expected
    assert read_csv_rows((BOM if bom else "") + text)[0] == HEADER  # text with a BOM left in it, too


def test_sniffing_reads_the_header_line():
    assert sniff_delimiter("a;b;c\n1,5;2;3\n") == ";"
    assert sniff_delimiter("a,b,c\n1;2;3\n") == ","
    assert sniff_delimiter("ozg_id\n1\n") == ","


def test_every_csv_the_portal_writes_goes_through_the_helper():
    """No module builds a CSV response, a BOM or a csv writer of its own (the federal format is a dialect too)."""
    own = re.compile(r'content_type="text/csv|\\ufeff|csv\.writer\(|csv\.DictWriter\(|SafeCsvWriter\(')
    found = []
    for path in ROOT.glob("*/**/*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {"tests", ".venv", "node_modules", "bench"} or "migrations" in relative.parts:
            continue
        if relative == Path("common/csvfiles.py"):
            continue
        if own.search(path.read_text()):
            found.append(str(relative))
    assert found == []


# --- imports take both dialects --------------------------------------------------------------------------------


def _rewrite(path: Path, dialect, *, bom: bool):
    header, rows = read_csv_rows(decode_csv_bytes(path.read_bytes()))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=dialect.delimiter, lineterminator="\r\n")  # values as they are
    writer.writerow(header)
    writer.writerows([[values[name] for name in header] for _line, values in rows])
    path.write_bytes(((BOM if bom else "") + buffer.getvalue()).encode("utf-8"))


@pytest.mark.django_db
def test_register_and_catalogue_imports_take_spreadsheet_files_with_bom(tmp_path, settings):
    from organisations.models import Organisation
    from ozg_monitoring.models import LeikaLeistung, OzgLeistung

    for folder in ("gebiete", "ozg"):
        (tmp_path / folder).mkdir()
        for name in (settings.DATA_DIR / folder).iterdir():
            if name.is_file():
                shutil.copy(name, tmp_path / folder / name.name)
        for name in (tmp_path / folder).glob("*.csv"):
            _rewrite(name, SPREADSHEET, bom=True)
    call_command("import_register", "--path", str(tmp_path / "gebiete"), stdout=io.StringIO())
    call_command("import_ozg_catalogue", "--dir", str(tmp_path / "ozg"), stdout=io.StringIO())
    assert Organisation.objects.territorial().count() == 1 + 11 + 4 + 83 + 82 + 1018 + 2
    assert OzgLeistung.objects.count() == 557 and LeikaLeistung.objects.count() > 5000
