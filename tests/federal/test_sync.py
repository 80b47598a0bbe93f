"""`sync_federal_dashboard` end to end against a fake federal dashboard on 127.0.0.1 (tests/federal/fake_dashboard.py),
reached through FEDERAL_DASHBOARD_URL: JSON page objects over several pages, CSV with ; and , , XLSX, /v1/ars,
/v1/data pages of all Länder, nulls, unknown OZG-IDs, a 500 and a timeout before success, timeouts for good, a
refused connection, malformed answers; and downloaded files through the same parser."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditEntry
from federal.models import FederalRecord, FederalRecordSet
from federal.tasks import sync_monthly
from ozg_monitoring.models import RolloutStatus, StatusEvent
from tests.httpserver import Reply, closed_port

from .fake_dashboard import FakeDashboard, csv_bytes, dv, xlsx_bytes

pytestmark = pytest.mark.django_db

LAND = "010000000000"
DATA_LAND = f"/api/v1/data/{LAND}"


@pytest.fixture
def fast(settings):
    """Short timeouts and waits, so that the failure paths take well under a second or two."""
    settings.FEDERAL_DASHBOARD_TIMEOUT = 0.3
    settings.FEDERAL_DASHBOARD_RETRIES = 2
    settings.FEDERAL_DASHBOARD_BACKOFF = 0.01
    settings.FEDERAL_DASHBOARD_PAGE_SIZE = 1000
    return settings


def serve(settings, server):
    settings.FEDERAL_DASHBOARD_URL = server.url("/api/")


def sync(*args) -> str:
    out = io.StringIO()
    call_command("sync_federal_dashboard", *args, stdout=out)
    return out.getvalue()


def failing(*args) -> str:
    with pytest.raises(CommandError) as caught:
        sync(*args)
    return str(caught.value)


def assert_planted(record_set, planted, territory, catalogue):
    """The counts, the report and the resolved keys of the twelve planted records."""
    assert record_set.status == FederalRecordSet.Status.DONE and record_set.error == ""
    assert (record_set.received, record_set.kept, record_set.kept_unresolved, record_set.skipped) == (
        12,
        planted.kept,
        planted.kept_unresolved,
        planted.skipped,
    )
    report = record_set.report
    assert report["rule"] == {"kept": 3, "kept_unresolved": 5, "skipped": 4}
    assert report["skipped"] == {"ars_invalid": 1, "ars_missing": 1, "outside_sh": 2}
    assert report["kept_unresolved"] == {
        "ars_unknown": 1,
        "leika_unknown": 1,
        "ozgid_invalid": 1,
        "ozgid_null": 1,
        "ozgid_unknown": 1,
    }
    assert report["outside_spec"] == {"online_status": {"kaputt": 1}}
    assert report["null_fields"]["ars_name"] == 1 and report["null_fields"]["url"] == 1
    records = list(record_set.records.order_by("position"))
    assert [r.position for r in records] == list(range(1, 9))
    by_rule = {(r.ars, r.ozgid, r.leika_key): (r.rule, r.reasons) for r in records}
    assert by_rule[(territory.foehr.ars, 10100, "99041006017000")] == ("kept", [])
    assert by_rule[(territory.husum.ars, None, "99041006017000")] == ("kept_unresolved", ["ozgid_null"])
    assert by_rule[(territory.nf.ars, 99999, "99041006017000")] == ("kept_unresolved", ["ozgid_unknown"])
    assert by_rule[("010019999999", 10100, None)] == ("kept_unresolved", ["ars_unknown"])
    assert by_rule[(territory.kiel.ars, None, "99041006017000")] == ("kept_unresolved", ["ozgid_invalid"])
    foehr = next(r for r in records if r.ars == territory.foehr.ars and r.ozgid == 10100)
    assert (foehr.organisation, foehr.leistung, foehr.leika) == (territory.foehr, catalogue.hund, catalogue.leika)
    alkersum = next(r for r in records if r.ars == territory.alkersum.ars)
    assert alkersum.organisation == territory.alkersum  # the Gemeinde as the Bund names it; the Amt is reconciliation's
    unknown_leika = next(r for r in records if r.reasons == ["leika_unknown"])
    assert (unknown_leika.leistung, unknown_leika.leika) == (catalogue.wohngeld, None)
    invalid = next(r for r in records if r.reasons == ["ozgid_invalid"])
    assert invalid.invalid_values == {"ozgid": "abc"} and invalid.leistung is None
    husum = next(r for r in records if r.reasons == ["ozgid_null"])
    assert (husum.ars_name, husum.aktiv, husum.online_status) == (None, None, "ok")
    assert not FederalRecord.objects.filter(ars__in=["020000000000", "091620000000", "01234"]).exists()


# --- the formats /v1/data/{ars} may answer ------------------------------------------------------------------------


def test_json_page_objects_are_followed_page_by_page(fast, planted, territory, catalogue):
    fast.FEDERAL_DASHBOARD_PAGE_SIZE = 5
    with FakeDashboard(by_ars={LAND: planted.records}, formats={LAND: "json"}) as server:
        serve(fast, server)
        out = sync()
    record_set = FederalRecordSet.objects.get()
    assert_planted(record_set, planted, territory, catalogue)
    assert [(r.path, r.param("page"), r.param("size")) for r in server.requests] == [
        (DATA_LAND, "0", "5"),
        (DATA_LAND, "1", "5"),
        (DATA_LAND, "2", "5"),
    ]
    first = server.requests[0]
    assert (first.param("includeBelow"), first.param("includeAbove"), first.param("filetype")) == (
        "true",
        "false",
        "csv",
    )
    assert [source["format"] for source in record_set.report["sources"]] == ["json-page"] * 3
    assert [source["received"] for source in record_set.report["sources"]] == [5, 5, 2]
    assert record_set.kind == "api" and record_set.source == server.url("/api/")
    lines = out.splitlines()
    assert lines[0].startswith("v1/data/010000000000 Seite 0/3 (json-page): 5 Datensätze, 2 zugeordnet")
    assert lines[2].startswith("v1/data/010000000000 Seite 2/3 (json-page): 2 Datensätze")
    assert lines[-1] == (
        f"Datensatz {record_set.pk} abgeschlossen: 12 empfangen, 3 gespeichert und zugeordnet, 5 gespeichert ohne "
        "Zuordnung (ars_unknown 1, leika_unknown 1, ozgid_invalid 1, ozgid_null 1, ozgid_unknown 1), 4 übersprungen "
        "(ars_invalid 1, ars_missing 1, outside_sh 2)."
    )


def test_csv_with_semicolon_and_bom_and_csv_with_comma(fast, planted, territory, catalogue):
    nf_records = planted.records[:6]
    kiel_records = planted.records[6:]
    by_ars = {territory.nf.ars: nf_records, territory.kiel.ars: kiel_records}
    formats = {territory.nf.ars: "csv;", territory.kiel.ars: "csv,"}
    with FakeDashboard(by_ars=by_ars, formats=formats) as server:
        serve(fast, server)
        sync("--ars", territory.nf.ars, "--ars", territory.kiel.ars)
    record_set = FederalRecordSet.objects.get()
    assert_planted(record_set, planted, territory, catalogue)
    notes = [source["notes"] for source in record_set.report["sources"]]
    assert [(n["delimiter"], n["encoding"]) for n in notes] == [(";", "utf-8"), (",", "utf-8")]
    assert record_set.requested_ars == [territory.nf.ars, territory.kiel.ars]
    assert server.paths() == [f"/api/v1/data/{territory.nf.ars}", f"/api/v1/data/{territory.kiel.ars}"]


def test_xlsx_with_numbers_for_keys(fast, planted, territory, catalogue):
    with FakeDashboard(by_ars={LAND: planted.records}) as server:
        serve(fast, server)
        sync("--filetype", "xlsx")
    assert server.requests[0].param("filetype") == "xlsx"
    record_set = FederalRecordSet.objects.get()
    assert_planted(record_set, planted, territory, catalogue)
    assert record_set.report["sources"][0]["format"] == "xlsx"
    assert record_set.report["notes"]["ars_padded"] == 8  # every stored key was a number without its leading zero


def test_a_file_of_exactly_size_rows_asks_for_the_next_page(fast, planted, territory, catalogue):
    fast.FEDERAL_DASHBOARD_PAGE_SIZE = 6
    with FakeDashboard(by_ars={LAND: planted.records}, formats={LAND: "csv;"}) as server:
        serve(fast, server)
        sync()
    assert [r.param("page") for r in server.requests] == ["0", "1", "2"]  # 6, 6, then an empty page
    assert_planted(FederalRecordSet.objects.get(), planted, territory, catalogue)


def test_a_server_that_ignores_page_is_not_read_twice(fast, planted, territory, catalogue):
    fast.FEDERAL_DASHBOARD_PAGE_SIZE = 12
    with FakeDashboard(by_ars={LAND: planted.records}, formats={LAND: "csv,"}, ignore_paging=True) as server:
        serve(fast, server)
        out = sync()
    assert [r.param("page") for r in server.requests] == ["0", "1"]
    assert "Seite 1 gleicht der vorigen: der Server blättert nicht; Ende." in out
    assert_planted(FederalRecordSet.objects.get(), planted, territory, catalogue)


# --- /v1/ars and /v1/data -----------------------------------------------------------------------------------------


def test_kreis_by_kreis_with_the_keys_from_v1_ars(fast, planted, territory, catalogue):
    fast.FEDERAL_DASHBOARD_PAGE_SIZE = 3
    ars_list = [
        {"ars": LAND, "arsName": "Schleswig-Holstein"},
        {"ars": territory.kiel.ars, "arsName": "Kiel"},
        {"ars": territory.nf.ars, "arsName": "Nordfriesland"},
        {"ars": territory.foehr.ars, "arsName": "Föhr-Amrum"},
        {"ars": territory.alkersum.ars, "arsName": "Alkersum"},
        {"ars": "020000000000", "arsName": "Hamburg"},
        {"ars": "031010000000", "arsName": "Braunschweig"},
    ]
    by_ars = {territory.kiel.ars: planted.records[6:], territory.nf.ars: planted.records[:6]}
    formats = {territory.kiel.ars: "json", territory.nf.ars: "json"}
    with FakeDashboard(by_ars=by_ars, formats=formats, ars_list=ars_list) as server:
        serve(fast, server)
        out = sync("--kreise")
    ars_pages = [r.param("page") for r in server.requests if r.path == "/api/v1/ars"]
    assert ars_pages == ["0", "1"]  # sorted: the second page went past 01, the third was never asked for
    data_paths = [r.path for r in server.requests if r.path.startswith("/api/v1/data/")]
    assert sorted(set(data_paths)) == [f"/api/v1/data/{territory.kiel.ars}", f"/api/v1/data/{territory.nf.ars}"]
    assert "/v1/ars: 2 Kreise und kreisfreie Städte" in out
    record_set = FederalRecordSet.objects.get()
    assert record_set.requested_ars == [territory.kiel.ars, territory.nf.ars]
    assert_planted(record_set, planted, territory, catalogue)


def test_all_pages_of_v1_data_keep_schleswig_holstein(fast, planted, territory, catalogue):
    fast.FEDERAL_DASHBOARD_PAGE_SIZE = 4
    others = [dv(f"0{land}1000000000", 10100) for land in range(2, 10)]  # eight records of other Länder
    with FakeDashboard(germany=others[:4] + planted.records + others[4:]) as server:
        serve(fast, server)
        sync("--alle-seiten")
    assert [r.param("page") for r in server.requests] == ["0", "1", "2", "3", "4"]
    assert {r.path for r in server.requests} == {"/api/v1/data"}
    record_set = FederalRecordSet.objects.get()
    assert (record_set.received, record_set.stored, record_set.skipped) == (20, 8, 12)
    assert record_set.report["skipped"]["outside_sh"] == 10


# --- retries, timeouts, failures ----------------------------------------------------------------------------------


def test_a_500_then_success_is_retried(fast, planted, territory, catalogue):
    script = {DATA_LAND: [Reply(500, b'{"error": "Internal Server Error"}', "application/json")]}
    with FakeDashboard(by_ars={LAND: planted.records}, formats={LAND: "json"}, script=script) as server:
        serve(fast, server)
        out = sync()
    assert server.paths() == [DATA_LAND, DATA_LAND]
    assert "  Versuch 2 von 3 in 0,01 s (HTTP 500)" in out
    assert_planted(FederalRecordSet.objects.get(), planted, territory, catalogue)


def test_a_timeout_then_success_is_retried(fast, planted, territory, catalogue):
    script = {DATA_LAND: [Reply(200, b"zu spaet", delay=1.0)]}
    with FakeDashboard(by_ars={LAND: planted.records}, formats={LAND: "csv;"}, script=script) as server:
        serve(fast, server)
        out = sync()
    assert "  Versuch 2 von 3 in 0,01 s (Zeitüberschreitung nach 0,3 s)" in out
    assert_planted(FederalRecordSet.objects.get(), planted, territory, catalogue)


def _failed_set(expected_error: str, *, exact: bool = True) -> FederalRecordSet:
    record_set = FederalRecordSet.objects.get()
    assert record_set.status == FederalRecordSet.Status.FAILED
    assert record_set.error == expected_error if exact else expected_error in record_set.error
    assert record_set.finished_at is not None
    assert record_set.records.count() == 0
    return record_set


def test_a_server_that_always_times_out_fails_the_sync(fast, planted):
    slow = [Reply(200, b"", delay=1.0)] * 3
    with FakeDashboard(by_ars={LAND: planted.records}, script={DATA_LAND: slow}) as server:
        serve(fast, server)
        message = failing()
        url = server.url(f"{DATA_LAND}?filetype=csv&includeBelow=true&includeAbove=false&page=0&size=1000")
    reason = f"Das Bundes-Dashboard ist nicht erreichbar ({url}): Zeitüberschreitung nach 0,3 s, 3 Versuche."
    record_set = _failed_set(reason)
    assert message == f"Abgleich mit dem Bundes-Dashboard fehlgeschlagen (Datensatz {record_set.pk}): {reason}"


def test_an_unreachable_server_exits_non_zero_with_a_german_message(fast, monkeypatch, capsys):
    fast.FEDERAL_DASHBOARD_URL = f"http://127.0.0.1:{closed_port()}/api/"
    from federal.management.commands.sync_federal_dashboard import Command

    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)  # the test's transaction
    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["manage.py", "sync_federal_dashboard"])
    assert exited.value.code == 1
    error = capsys.readouterr().err
    assert "CommandError: Abgleich mit dem Bundes-Dashboard fehlgeschlagen" in error
    assert "keine Verbindung (abgelehnt oder Server nicht erreichbar), 3 Versuche." in error
    _failed_set("keine Verbindung (abgelehnt oder Server nicht erreichbar), 3 Versuche.", exact=False)


def test_a_4xx_is_not_retried(fast, planted):
    with FakeDashboard(by_ars={LAND: planted.records}) as server:
        serve(fast, server)
        message = failing("--ars", "010540000000")  # the fake knows no such key: 400
    assert len(server.requests) == 1
    assert message.endswith("ab: HTTP 400.")
    _failed_set("Das Bundes-Dashboard lehnt die Anfrage", exact=False)


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (b"<!DOCTYPE html><html><body>Wartung</body></html>", "text/html", "Die Antwort ist HTML oder XML"),
        (b'{"timestamp": "2026-01-01", "error": "Bad Gateway"}', "application/json", "das Feld „content“ fehlt"),
        (b'{"content": 5}', "application/json", "Im Seitenobjekt ist „content“ keine Liste."),
        (b'{"content": [{"ars": "01', "application/json", "Die Antwort ist kein gültiges JSON"),
        (b"Hallo;Welt\n1;2\n", "text/csv", "Die Tabelle hat keine Spalte „ars“"),
        (b"PK\x03\x04 kein zip", "application/octet-stream", "Die Antwort ist keine lesbare XLSX-Datei."),
        (b"   \n", "text/csv", "Die Antwort ist leer."),
    ],
)
def test_garbage_fails_the_sync_with_a_german_message(fast, planted, body, content_type, expected):
    script = {DATA_LAND: [Reply(200, body, content_type)]}
    with FakeDashboard(by_ars={LAND: planted.records}, script=script) as server:
        serve(fast, server)
        message = failing()
    assert len(server.requests) == 1  # garbage is not retried
    assert expected in message
    _failed_set(expected, exact=False)


def test_invalid_ars_is_refused_before_anything_happens(fast):
    message = failing("--ars", "020000000000", "--ars", "0105")
    assert (
        message == "Ein Regionalschlüssel aus Schleswig-Holstein hat 12 Ziffern und beginnt mit 01: 020000000000, 0105"
    )
    assert not FederalRecordSet.objects.exists()


# --- files, the task, what the sync never touches -------------------------------------------------------------------


def test_downloaded_files_go_through_the_same_parser(fast, planted, territory, catalogue, tmp_path):
    csv_file = tmp_path / "bund.csv"
    csv_file.write_bytes(csv_bytes(planted.records[:4], delimiter=";", bom=True))
    xlsx_file = tmp_path / "bund.xlsx"
    xlsx_file.write_bytes(xlsx_bytes(planted.records[4:8]))
    json_file = tmp_path / "bund.json"
    json_file.write_text(json.dumps({"content": planted.records[8:], "last": True}), encoding="utf-8")
    out = sync("--file", str(csv_file), "--file", str(xlsx_file), "--file", str(json_file))
    record_set = FederalRecordSet.objects.get()
    assert (record_set.kind, record_set.source) == ("file", "bund.csv, bund.xlsx, bund.json")
    assert_planted(record_set, planted, territory, catalogue)
    assert [source["format"] for source in record_set.report["sources"]] == ["csv", "xlsx", "json-page"]
    assert out.splitlines()[0].startswith("bund.csv (csv): 4 Datensätze")


def test_a_missing_file_fails_clearly(fast, tmp_path):
    message = failing("--file", str(tmp_path / "fehlt.csv"))
    assert "Die Datei" in message and "fehlt.csv ist nicht lesbar" in message
    _failed_set("fehlt.csv ist nicht lesbar", exact=False)


def test_the_monthly_task_syncs(fast, planted, territory, catalogue):
    with FakeDashboard(by_ars={LAND: planted.records}) as server:
        serve(fast, server)
        pk = sync_monthly()
    assert_planted(FederalRecordSet.objects.get(pk=pk), planted, territory, catalogue)


def test_the_sync_never_touches_our_statuses(fast, planted, territory, catalogue):
    from common.authorization import system_actor
    from ozg_monitoring.services import rollout_status_update

    status = rollout_status_update(
        leistung=catalogue.hund,
        verwaltung=territory.foehr,
        changes={"stage": "geplant"},
        by=system_actor(),
    )
    before = RolloutStatus.objects.values().get(pk=status.pk)
    events, audit = StatusEvent.objects.count(), AuditEntry.objects.count()
    with FakeDashboard(by_ars={LAND: planted.records}) as server:
        serve(fast, server)
        sync()
        sync()
    assert RolloutStatus.objects.values().get(pk=status.pk) == before
    assert RolloutStatus.objects.count() == 1
    assert (StatusEvent.objects.count(), AuditEntry.objects.count()) == (events, audit)
    first, second = FederalRecordSet.objects.order_by("pk")
    assert first.records.count() == second.records.count() == 8  # a new set beside the old one, never over it


def test_records_are_append_only(fast, planted):
    from django.core.exceptions import ValidationError

    with FakeDashboard(by_ars={LAND: planted.records}) as server:
        serve(fast, server)
        sync()
    record = FederalRecord.objects.first()
    record.online_status = "nicht ok"
    with pytest.raises(ValidationError):
        record.save()
    with pytest.raises(ValidationError):
        record.delete()


def test_a_set_left_running_by_an_ended_process_is_marked_aborted(fast, planted):
    from django.utils import timezone

    old = FederalRecordSet.objects.create(
        kind="api", source="x", started_at=timezone.now() - timezone.timedelta(hours=13)
    )
    recent = FederalRecordSet.objects.create(kind="api", source="y")
    with FakeDashboard(by_ars={LAND: planted.records}) as server:
        serve(fast, server)
        sync()
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.status, old.error) == ("failed", "Abgebrochen: der Abruf wurde nicht beendet (Prozess beendet?).")
    assert recent.status == "running"  # perhaps still at work
