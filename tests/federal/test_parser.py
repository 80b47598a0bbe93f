"""The one parser of federal answers and files: recognised by content, CSV delimiters and encodings, XLSX, JSON page
objects and lists, garbage refused with a German message, and the normalisation of one record."""

import pytest

from federal.parser import FederalFormatError, detect_format, normalize_record, parse_ars_page, parse_payload

from .fake_dashboard import FIELDS, csv_bytes, dv, page_object, xlsx_bytes


def test_format_is_recognised_by_content_not_by_content_type():
    records = [dv("010545488000", 10100)]
    assert parse_payload(csv_bytes(records), content_type="application/json").format == "csv"
    assert parse_payload(xlsx_bytes(records), content_type="text/csv").format == "xlsx"
    assert parse_payload(b'\xef\xbb\xbf  {"content": []}', content_type="text/csv").format == "json-page"
    assert parse_payload(b"[]").format == "json-list"


@pytest.mark.parametrize(("delimiter", "bom"), [(",", False), (";", False), (",", True), (";", True)])
def test_csv_delimiter_and_byte_order_mark(delimiter, bom):
    payload = parse_payload(
        csv_bytes([dv("010545488000", 10100, ars_name="Föhr-Amrum; Nordfriesland")], delimiter=delimiter, bom=bom)
    )
    assert payload.notes["delimiter"] == delimiter
    [record] = payload.records
    assert set(record) == set(FIELDS)
    assert record["ars"] == "010545488000" and record["ars_name"] == "Föhr-Amrum; Nordfriesland"
    assert record["ozgid"] == "10100"


def test_csv_in_windows_1252_is_read():
    raw = "ars;ozgid;ars_name\r\n010545488000;10100;Föhr-Amrum\r\n".encode("cp1252")
    payload = parse_payload(raw)
    assert payload.notes["encoding"] == "cp1252"
    assert payload.records == [{"ars": "010545488000", "ozgid": "10100", "ars_name": "Föhr-Amrum"}]


def test_csv_header_case_blanks_and_unknown_columns():
    raw = b" ARS ,OzgId,Extra\n010545488000,10100,x\n"
    payload = parse_payload(raw)
    assert payload.records == [{"ars": "010545488000", "ozgid": "10100"}]
    assert payload.notes["unknown_columns"] == ["Extra"]


def test_csv_rows_of_the_wrong_width_are_counted_not_read():
    raw = b"ars,ozgid\n010545488000,10100\n010545488000\n010545488000,10100,zu viel\n\n010540000000,10200\n"
    payload = parse_payload(raw)
    assert [record["ars"] for record in payload.records] == ["010545488000", "010540000000"]
    assert payload.notes["malformed_rows"] == 2


def test_xlsx_reads_the_first_sheet_from_its_first_non_empty_row():
    from io import BytesIO

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append([])
    sheet.append(["ars", "ozgid", "online_status"])
    sheet.append([10545488000, 10100.0, "ok"])
    buffer = BytesIO()
    workbook.save(buffer)
    payload = parse_payload(buffer.getvalue())
    assert payload.format == "xlsx"
    assert payload.records == [{"ars": 10545488000, "ozgid": 10100.0, "online_status": "ok"}]
    record = normalize_record(payload.records[0])
    assert (record.values["ars"], record.values["ozgid"]) == ("010545488000", 10100)
    assert record.notes == {"ars_padded"}


def test_json_page_object_with_its_paging_fields():
    import json

    body = page_object([dv("010545488000", 10100)], number=2, size=1, total=3)
    payload = parse_payload(json.dumps(body).encode())
    assert payload.format == "json-page" and len(payload.records) == 1
    page = payload.page
    assert (page.number, page.size, page.total_pages, page.total_elements, page.first, page.last) == (
        2,
        1,
        3,
        3,
        False,
        True,
    )


def test_ars_pages():
    import json

    body = page_object(
        [{"ars": "010540000000", "arsName": "Nordfriesland"}, {"arsName": "ohne ARS"}], number=0, size=2, total=2
    )
    entries, page = parse_ars_page(json.dumps(body).encode())
    assert entries == [{"ars": "010540000000", "arsName": "Nordfriesland"}]
    assert page.last is True
    with pytest.raises(FederalFormatError, match="kein JSON-Seitenobjekt"):
        parse_ars_page(b"ars\n010540000000\n")
    with pytest.raises(FederalFormatError, match="kein JSON-Seitenobjekt"):
        parse_ars_page(b"[]")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "Die Antwort ist leer."),
        (b"\n\t ", "Die Antwort ist leer."),
        (
            b"<html><head><title>502 Bad Gateway</title>",
            "Die Antwort ist HTML oder XML (eine Fehlerseite?), keine Daten",
        ),
        (b'<?xml version="1.0"?><error/>', "Die Antwort ist HTML oder XML"),
        (b'{"status": 500, "error": "Internal Server Error"}', "das Feld „content“ fehlt (Felder: error, status)"),
        (b'{"content": {"ars": "01"}}', "Im Seitenobjekt ist „content“ keine Liste."),
        (b'{"content": [', "Die Antwort ist kein gültiges JSON (Zeile 1, Spalte 14)."),
        (b'"nur ein Text"', "Die Tabelle hat keine Spalte „ars“"),  # not { or [: read as a table, without ars
        (b"[" * 100_000, "Die JSON-Antwort ist zu tief verschachtelt."),
        (b'{"content": [], "x": "\xff"}', "Die JSON-Antwort ist nicht UTF-8-kodiert."),
        (b"leika_key,ozgid\n99041006017000,10100\n", "Die Tabelle hat keine Spalte „ars“"),
        (b"ars\x00,ozgid\n", "Die Antwort enthält NUL-Bytes: keine CSV-Datei."),
        (b"PK\x03\x04\x14\x00\x00\x00kaputt", "Die Antwort ist keine lesbare XLSX-Datei."),
        (b'ars,ozgid\n"010545488000,10100\n', None),  # an open quote: the csv module reads to the end, one row
    ],
)
def test_garbage_is_refused_with_a_german_message(raw, message):
    if message is None:
        payload = parse_payload(raw)
        assert payload.notes.get("malformed_rows") == 1 and payload.records == []
        return
    with pytest.raises(FederalFormatError) as caught:
        parse_payload(raw)
    assert message in caught.value.message


def test_detect_format():
    assert detect_format(b"PK\x03\x04rest") == "xlsx"
    assert detect_format(b"  [1]") == "json"
    assert detect_format(b"ars;ozgid") == "csv"


# --- one record ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "ozgid", "invalid"),
    [
        (10100, 10100, None),
        ("10100", 10100, None),
        (" 10100 ", 10100, None),
        (10100.0, 10100, None),
        ("10100.0", 10100, None),
        (None, None, None),
        ("", None, None),
        ("abc", None, "abc"),
        ("10100a", None, "10100a"),
        (10100.5, None, "10100.5"),
        (True, None, "true"),
        (-1, None, "-1"),
        (2**31, None, str(2**31)),
        ("²", None, "²"),
        ({"id": 1}, None, '{"id": 1}'),
    ],
)
def test_ozgid(value, ozgid, invalid):
    record = normalize_record({"ars": "010545488000", "ozgid": value})
    assert record.values["ozgid"] == ozgid
    assert record.invalid.get("ozgid") == invalid


def test_texts_are_stripped_empty_is_null_and_nul_bytes_go():
    record = normalize_record(
        {"ars": " 010545488000 ", "ars_name": "  ", "url": "https://a.example/\x00x", "aktiv": None, "Bundesland": "SH"}
    )
    assert record.values["ars"] == "010545488000"
    assert record.values["ars_name"] is None and record.values["aktiv"] is None
    assert record.values["url"] == "https://a.example/x" and "nul_removed" in record.notes
    assert record.values["bundesland"] == "SH"  # keys: case does not matter
    assert record.values["leika_key"] is None  # missing -> null


def test_an_eleven_digit_ars_gets_its_leading_zero_back_and_nothing_else_does():
    assert normalize_record({"ars": "10545488000"}).values["ars"] == "010545488000"
    assert normalize_record({"ars": 10545488000}).values["ars"] == "010545488000"
    assert normalize_record({"ars": "1054548800"}).values["ars"] == "1054548800"  # 10 digits: left as it is
    assert normalize_record({"ars": "010545488000"}).notes == set()


def test_texts_of_the_wrong_type_are_kept_apart():
    record = normalize_record(
        {"ars": "010545488000", "online_status": ["ok"], "aktiv": True, "leika_key": 99041006017000}
    )
    assert record.values["online_status"] is None and record.invalid["online_status"] == '["ok"]'
    assert record.values["aktiv"] is None and record.invalid["aktiv"] == "true"
    assert record.values["leika_key"] == "99041006017000"


def test_unknown_fields_are_named():
    assert normalize_record({"ars": "010545488000", "extra": 1}).unknown_fields == ["extra"]
