"""The register import (`import_register --path`) against malformed files: each case breaks one of the three
shipped Destatis CSVs and expects a German error naming file and line (and field where there is one), a non-zero
exit, and the register unchanged (row counts, history rows and a sample body)."""

import io
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction

from organisations.models import Organisation

SOURCE = Path(settings.DATA_DIR) / "gebiete"
GEMEINDEN, KREISE, VERBAENDE = "sh_gemeinden.csv", "sh_kreise.csv", "sh_gemeindeverbaende.csv"
FOEHR_AMRUM = "010545488000"


@pytest.fixture(scope="module")
def imported(django_db_setup, django_db_blocker):
    """The real register, imported once for the module; every test runs in a savepoint of this transaction."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("import_register", stdout=io.StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def files(tmp_path):
    for name in (GEMEINDEN, KREISE, VERBAENDE):
        shutil.copy(SOURCE / name, tmp_path / name)
    return tmp_path


def _state():
    body = Organisation.objects.get(ars=FOEHR_AMRUM)
    land = Organisation.objects.get(ars="010000000000")
    return {
        "bodies": Organisation.objects.count(),
        "history": Organisation.history.count(),
        "foehr_amrum": (body.name, body.population, body.area_km2, body.updated_at),
        "land": (land.population, land.area_km2, land.updated_at),
    }


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def latin1(path):
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))


def utf16(path):
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))


def missing_column(path):
    lines = [line.decode().rstrip("\r\n").split(",") for line in _lines(path)]
    index = lines[0].index("plz")
    path.write_text("".join(",".join(row[:index] + row[index + 1 :]) + "\n" for row in lines), encoding="utf-8")


def extra_field_in_row(path):
    lines = _lines(path)
    lines[5] = lines[5].rstrip(b"\r\n") + b",zuviel\n"
    path.write_bytes(b"".join(lines))


def empty(path):
    path.write_bytes(b"")


def huge_field(path):
    lines = _lines(path)
    lines[3] = b'"' + b"x" * 1_000_000 + b'",' + lines[3]
    path.write_bytes(b"".join(lines))


def duplicate_key(path):
    lines = _lines(path)
    path.write_bytes(b"".join([*lines, lines[10]]))


def tabs(path):
    """Neither comma nor semicolon (both are read: tests/portal/test_csvfiles.py)."""
    path.write_bytes(path.read_bytes().replace(b",", b"\t"))


def binary_garbage(path):
    path.write_bytes(bytes(range(256)) * 64)


def nul_byte(path):
    lines = _lines(path)
    lines[7] = lines[7][:4] + b"\x00" + lines[7][4:]
    path.write_bytes(b"".join(lines))


def truncated(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


# (case, file, expected parts of the message)
CASES = [
    (latin1, GEMEINDEN, [GEMEINDEN, "Zeile", "nicht UTF-8"]),
    (utf16, KREISE, [KREISE, "Zeile 1", "UTF-16"]),
    (missing_column, GEMEINDEN, [GEMEINDEN, "Zeile 1", "„plz“", "Spalte fehlt"]),
    (extra_field_in_row, VERBAENDE, [VERBAENDE, "Zeile 6", "Felder"]),
    (empty, KREISE, [KREISE, "Zeile 1", "Spalte fehlt"]),
    (huge_field, GEMEINDEN, [GEMEINDEN, "Zeile 4", "länger als"]),
    (duplicate_key, GEMEINDEN, [GEMEINDEN, "Zeile", "doppelt"]),
    (tabs, VERBAENDE, [VERBAENDE, "Zeile 1", "Spalte fehlt", "Komma oder Semikolon"]),
    (binary_garbage, GEMEINDEN, [GEMEINDEN, "Zeile"]),
    (nul_byte, KREISE, [KREISE, "Zeile 8", "NUL"]),
    (truncated, GEMEINDEN, [GEMEINDEN, "Zeile", "Felder"]),
]


@pytest.mark.parametrize(("break_file", "name", "expected"), CASES, ids=[case[0].__name__ for case in CASES])
def test_malformed_file_is_refused_and_changes_nothing(imported, db, files, break_file, name, expected):
    before = _state()
    break_file(files / name)
    with pytest.raises(CommandError) as raised:
        call_command("import_register", path=files, stdout=io.StringIO())
    message = str(raised.value)
    assert "nichts geändert" in message
    for part in expected:
        assert part in message, message
    assert len(message) < 600  # a clear message, not a dump of the file
    assert _state() == before


def test_header_only_files_are_refused_not_an_empty_register(imported, db, files):
    """Header-only files would otherwise import an empty territory: the Land with 0 inhabitants."""
    before = _state()
    for name in (GEMEINDEN, KREISE, VERBAENDE):
        path = files / name
        path.write_bytes(_lines(path)[0])
    with pytest.raises(CommandError, match="keine Datenzeilen"):
        call_command("import_register", path=files, stdout=io.StringIO())
    assert _state() == before


def test_byte_order_mark_and_extra_columns_are_accepted(imported, db, files):
    """Spreadsheets save CSV UTF-8 with a byte order mark and may add a column: same data, nothing changes."""
    before = _state()
    path = files / GEMEINDEN
    lines = [line.rstrip(b"\r\n") for line in _lines(path)]
    lines = [lines[0] + b",bemerkung"] + [line + b",x" for line in lines[1:]]
    path.write_bytes(b"\xef\xbb\xbf" + b"\n".join(lines) + b"\n")
    call_command("import_register", path=files, stdout=io.StringIO())
    assert _state() == before
