"""Malformed files against the OZG imports: the catalogue command (`import_ozg_catalogue --dir`), the CSV status
upload in the admin (ImportJob, processed by the Celery task) and the federal CSV import of the API. Each is
refused with a German message naming file/line (and field), and nothing is written. CSV exports are formula-safe."""

import io
import shutil

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from ozg_monitoring.models import (
    ImportJob,
    Lebenslage,
    LeikaLeistung,
    OzgLeistung,
    RolloutStatus,
    StatusEvent,
    Themenfeld,
)
from tests.accounts.factories import VerwaltungMembershipFactory, issue_token, kommune_user, role_user

from .factories import LeikaLeistungFactory, OnlineStatusFactory, OzgLeistungFactory, RolloutStatusFactory

pytestmark = pytest.mark.django_db

SOURCE = settings.DATA_DIR / "ozg"
LEISTUNGEN, LEIKA, THEMENFELDER = "ozg_leistungen.csv", "ozg_leika_leistungen.csv", "ozg_themenfelder.csv"


# --- the catalogue ---------------------------------------------------------------------------------------------


def _catalogue_state():
    first = OzgLeistung.objects.order_by("ozg_id").first()
    return (
        Themenfeld.objects.count(),
        Lebenslage.objects.count(),
        OzgLeistung.objects.count(),
        LeikaLeistung.objects.count(),
        (first.ozg_id, first.name, first.level),
    )


@pytest.fixture
def catalogue(tmp_path):
    call_command("import_ozg_catalogue", stdout=io.StringIO())
    for path in SOURCE.glob("*.csv"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def _lines(path):
    return path.read_bytes().splitlines(keepends=True)


def _replace_line(index, new):
    def change(path):
        lines = _lines(path)
        lines[index] = new(lines[index])
        path.write_bytes(b"".join(lines))

    return change


CATALOGUE_CASES = {
    "latin1": (
        LEISTUNGEN,
        lambda p: p.write_bytes(p.read_text(encoding="utf-8").encode("latin-1", errors="replace")),
        ["ozg_leistungen.csv, Zeile", "nicht UTF-8"],
    ),
    "utf16": (
        THEMENFELDER,
        lambda p: p.write_bytes(p.read_text(encoding="utf-8").encode("utf-16")),
        ["ozg_themenfelder.csv, Zeile 1", "UTF-16"],
    ),
    "empty": (LEIKA, lambda p: p.write_bytes(b""), ["ozg_leika_leistungen.csv, Zeile 1", "fehlen"]),
    # A header-only LeiKa file used to delete every LeiKa-Leistung.
    "header_only": (LEIKA, lambda p: p.write_bytes(_lines(p)[0]), ["ozg_leika_leistungen.csv", "keine Datenzeilen"]),
    "extra_field": (
        LEISTUNGEN,
        _replace_line(3, lambda line: line.rstrip(b"\r\n") + b",zuviel\n"),
        ["ozg_leistungen.csv, Zeile 4", "Felder"],
    ),
    "missing_field": (
        LEISTUNGEN,
        _replace_line(3, lambda line: line.split(b",")[0] + b"\n"),
        ["ozg_leistungen.csv, Zeile 4", "Felder"],
    ),
    "huge_field": (
        LEIKA,
        _replace_line(2, lambda line: b'"' + b"x" * 1_000_000 + b'",' + line),
        ["ozg_leika_leistungen.csv, Zeile 3", "länger als"],
    ),
    "long_name": (
        THEMENFELDER,
        _replace_line(1, lambda line: line.split(b",")[0] + b"," + b"T" * 500 + b"\n"),
        ["ozg_themenfelder.csv, Zeile 2, Feld themenfeld", "länger als 120"],
    ),
    "duplicate_id": (
        LEISTUNGEN,
        lambda p: p.write_bytes(b"".join([*_lines(p), _lines(p)[5]])),
        ["ozg_leistungen.csv, Zeile", "Feld ozg_id", "doppelt"],
    ),
    "tabs": (  # neither comma nor semicolon (both are read: tests/portal/test_csvfiles.py)
        THEMENFELDER,
        lambda p: p.write_bytes(p.read_bytes().replace(b",", b"\t")),
        ["ozg_themenfelder.csv, Zeile 1", "fehlen"],
    ),
    "binary": (LEISTUNGEN, lambda p: p.write_bytes(bytes(range(256)) * 64), ["ozg_leistungen.csv, Zeile 1", "NUL"]),
    "truncated": (
        LEIKA,
        lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
        ["ozg_leika_leistungen.csv, Zeile", "Felder"],
    ),
    "id_overflow": (
        LEISTUNGEN,
        _replace_line(2, lambda line: b"9" * 30 + line[line.index(b",") :]),
        ["ozg_leistungen.csv, Zeile 3, Feld ozg_id", "keine Zahl"],
    ),
    "unknown_leika_type": (
        LEIKA,
        lambda p: p.write_bytes(p.read_bytes().replace(b",2/3,", b",=cmd|' /C calc'!A0,", 1)),
        ["ozg_leika_leistungen.csv, Zeile", "Feld leika_typ"],
    ),
}


@pytest.mark.parametrize("case", list(CATALOGUE_CASES))
def test_malformed_catalogue_file_is_refused_and_changes_nothing(catalogue, case):
    name, break_file, expected = CATALOGUE_CASES[case]
    before = _catalogue_state()
    break_file(catalogue / name)
    with pytest.raises(CommandError) as raised:
        call_command("import_ozg_catalogue", "--dir", str(catalogue), stdout=io.StringIO())
    message = str(raised.value)
    for part in [*expected, "nichts geändert"]:
        assert part in message, message
    assert len(message) < 600
    assert _catalogue_state() == before


def test_catalogue_with_byte_order_mark_imports_unchanged(catalogue):
    before = _catalogue_state()
    for path in catalogue.glob("*.csv"):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    call_command("import_ozg_catalogue", "--dir", str(catalogue), stdout=io.StringIO())
    assert _catalogue_state() == before


# --- the status upload (admin, Celery task) ------------------------------------------------------------------


@pytest.fixture
def staff(admin_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return admin_client


@pytest.fixture
def status(territory):
    return RolloutStatusFactory(verwaltung=territory.foehr, note="vorher")


def _upload(client, content: bytes, capture, name="status.csv"):
    with capture(execute=True):
        return client.post(
            reverse("admin:ozg_monitoring_importjob_add"),
            {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
        )


def _status_state(status):
    status.refresh_from_db()
    return RolloutStatus.objects.count(), StatusEvent.objects.count(), status.stage, status.note, status.version


UPLOAD_CASES = {
    "latin1": (lambda ok: ok.decode().replace("neu", "Änderung").encode("latin-1"), ["2", "nicht UTF-8"]),
    "utf16": (lambda ok: ok.decode().encode("utf-16"), ["1", "UTF-16"]),
    "missing_column": (lambda ok: b"ozg_id,stage\n1,geplant\n", ["1", "ars"]),
    "header_only": (lambda ok: ok.splitlines(keepends=True)[0], ["", "keine Datenzeilen"]),
    "extra_field": (lambda ok: ok.rstrip(b"\n") + b",zuviel\n", ["2", "Felder"]),
    "huge_field": (lambda ok: ok.replace(b"neu", b"x" * 1_000_000), ["2", "länger als"]),
    "duplicate_key": (lambda ok: ok + ok.splitlines(keepends=True)[1], ["3", "doppelt"]),
    "binary": (lambda ok: bytes(range(256)) * 64, ["1", "NUL"]),
}


@pytest.mark.parametrize("case", list(UPLOAD_CASES))
def test_malformed_status_upload_fails_with_a_report_and_changes_nothing(
    staff, status, django_capture_on_commit_callbacks, case
):
    make, (line, text) = UPLOAD_CASES[case]
    ok = f"ozg_id,ars,stage,note\n{status.leistung.ozg_id},{status.verwaltung.ars},in_umsetzung,neu\n".encode()
    before = _status_state(status)
    response = _upload(staff, make(ok), django_capture_on_commit_callbacks)
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert (job.state, job.error_count) == (ImportJob.State.FAILED, 1)
    report = job.error_report.splitlines()
    assert report[0] == "zeile;ozg_id;ars;feld;fehler"
    assert report[1].startswith(f"{line};") and text in report[1], report[1]
    assert _status_state(status) == before


def test_empty_status_upload_is_a_form_error(staff, status, django_capture_on_commit_callbacks):
    before = _status_state(status)
    response = _upload(staff, b"", django_capture_on_commit_callbacks)
    assert response.status_code == 200 and "leer" in response.content.decode()
    assert not ImportJob.objects.exists()
    assert _status_state(status) == before


def test_status_upload_over_the_size_limit_is_a_form_error(staff, status, settings, django_capture_on_commit_callbacks):
    settings.OZG_IMPORT_MAX_BYTES = 1024
    before = _status_state(status)
    response = _upload(staff, b"ozg_id,ars\n" + b"1,010545488000\n" * 200, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert "Die Datei ist zu groß" in response.content.decode()
    assert not ImportJob.objects.exists()
    assert _status_state(status) == before


def test_error_report_repeats_uploaded_cells_formula_safe(staff, territory, django_capture_on_commit_callbacks):
    _upload(staff, b"ozg_id,ars,stage\n=cmd|' /C calc'!A0,@SUM(1),geplant\n", django_capture_on_commit_callbacks)
    report = ImportJob.objects.get().error_report
    assert "'=cmd|" in report and "'@SUM(1)" in report
    assert ";=cmd" not in report and ";@SUM" not in report


# --- the federal CSV import and export (API) -------------------------------------------------------------------


@pytest.fixture
def kommune_client(territory):
    user = kommune_user()
    VerwaltungMembershipFactory(user=user, organisation=territory.foehr)
    _token, key = issue_token(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def monitoring_client(territory):
    _token, key = issue_token(role_user("Monitoring"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"<html><body>Fehler 502</body></html>", "text/html"),
        (b'{"content": "keine Liste"}', "application/json"),
        (b"ozgid;url\n10100;https://x.example\n", "text/csv"),  # no column ars
        (b"PK\x03\x04kaputt", "application/octet-stream"),  # a broken XLSX
        (b"   \n", "text/csv"),
    ],
    ids=["html", "json_without_list", "no_ars_column", "broken_xlsx", "blank"],
)
def test_federal_import_refuses_unusable_files_with_400(monitoring_client, status, content, content_type):
    """The federal import (a door to the federal parser): what the parser cannot read is a 400 in German, no
    record is stored and no status changes (the import never writes statuses)."""
    from federal.models import FederalRecord

    before = _status_state(status)
    response = monitoring_client.post("/api/v1/ozg/import/dashboard/", content, content_type=content_type)
    assert response.status_code == 400, response.content[:300]
    assert set(response.json()) == {"content"} and response.json()["content"][0].startswith("Die Datei")
    assert not FederalRecord.objects.exists()
    assert _status_state(status) == before


def test_federal_csv_export_is_formula_safe(client, territory):
    leistung = OzgLeistungFactory(name='=HYPERLINK("https://böse.example")')
    OnlineStatusFactory(leistung=leistung, verwaltung=territory.foehr)
    LeikaLeistungFactory(ozg_leistung=leistung, name="+49 Hotline")
    text = client.get(f"/api/v1/bund/v1/data/{territory.foehr.ars}/").content.decode()
    assert "'=HYPERLINK" in text and "'+49 Hotline" in text
    assert ",=HYPERLINK" not in text
