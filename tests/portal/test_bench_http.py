"""The HTTP benchmark's logic (bench/http_bench.py) without wrk or a server: the Lua script, the parsing of its
JSON summary, the row figures, the targets and the table. No timings are asserted here."""

import json

import pytest

from bench import http_bench


def wrk_output(**overrides) -> str:
    summary = {
        "requests": 2000,
        "duration_us": 10_000_000,
        "bytes": 2000 * 5000,
        "connect_errors": 0,
        "read_errors": 0,
        "write_errors": 0,
        "status_errors": 0,
        "timeouts": 0,
        "p50_us": 3500,
        "p90_us": 6000,
        "p99_us": 12_250,
        "max_us": 40_000,
        **overrides,
    }
    return (
        "Running 10s test @ http://127.0.0.1:8000\n  2 threads and 8 connections\n"
        f"{http_bench.MARKER}{json.dumps(summary)}\n"
    )


def test_lua_script_cycles_through_the_paths_and_prints_one_json_line():
    script = http_bench.lua_script(["/ozg/online-erledigen/010010000000/", '/a"b/'])
    assert 'local paths = {"/ozg/online-erledigen/010010000000/", "/a\\"b/"}' in script
    assert "paths[(counter - 1) % #paths + 1]" in script
    assert 'local headers = {["Accept-Encoding"] = "gzip"}' in script and "#paths + 1], headers)" in script
    assert "latency:percentile(50)" in script and "latency:percentile(99)" in script
    assert "e.status" in script and "e.timeout" in script
    assert f"'{http_bench.MARKER}" in script


def test_parse_wrk_reads_the_summary_line_among_wrks_own_output():
    assert http_bench.parse_wrk(wrk_output())["p99_us"] == 12_250


def test_parse_wrk_refuses_output_without_summary():
    with pytest.raises(ValueError, match="keine Zusammenfassung"):
        http_bench.parse_wrk("Running 10s test\nunable to connect to 127.0.0.1:8000 Connection refused\n")


def test_row_figures_from_the_summary():
    row = http_bench.row_from_wrk(http_bench.parse_wrk(wrk_output()))
    assert row["per_second"] == 200.0
    assert (row["p50_ms"], row["p90_ms"], row["p99_ms"]) == (3.5, 6.0, 12.25)
    assert row["bytes_per_response"] == 5000
    assert row["failed"] is False


@pytest.mark.parametrize(
    "overrides",
    [{"status_errors": 1}, {"read_errors": 2}, {"connect_errors": 1}, {"timeouts": 1}, {"requests": 0}],
)
def test_a_row_fails_on_any_error_status_socket_error_or_no_answer(overrides):
    row = http_bench.row_from_wrk(http_bench.parse_wrk(wrk_output(**overrides)))
    assert row["failed"] is True


def results(**changes) -> dict:
    rows = {}
    for name, per_second in {
        "floor": 1000.0,
        "dashboard": 800.0,
        "lookup": 850.0,
        "leistung": 900.0,
        "verwaltung": 810.0,
        "register_search": 300.0,
        "place_search": 400.0,
        "status_api": 250.0,
        "federal_export": 10.0,
        "opendata_csv": 1.0,
    }.items():
        rows[name] = http_bench.row_from_wrk(
            http_bench.parse_wrk(wrk_output(requests=int(per_second * 10), bytes=int(per_second * 10) * 100))
        )
    http_bench.add_ratios(rows)
    data = {
        "rows": rows,
        "cold": {"floor": {"median_ms": 2.0, "p90_ms": 3.0}, "dashboard": {"median_ms": 50.0, "p90_ms": 80.0}},
        "cold_scopes": ["ozg"],
        "cold_empty": {"dashboard": {"median_ms": 130.0, "p90_ms": 150.0, "errors": []}},
        "change_visible": {"delay_ms": {"dashboard": 200.0, "status_api": 1000.0}, "errors": []},
        "bulk": {"items": 1000, "seconds_best": 0.25, "seconds_all": [0.3, 0.25, 0.26], "errors": []},
        "concurrent_bulk": {
            "bulks": 5,
            "items_each": 1000,
            "wall_seconds": 2.0,
            "items_per_second": 2500.0,
            "errors": [],
        },
    }
    for key, value in changes.items():
        data[key] = value
    return data


def test_each_ratio_is_taken_against_the_floor_runs_right_before_and_after_its_row():
    """The machine slows down between the first and the last row: a page as fast as the floor of its own minute
    keeps its ratio of 1.0 (against the first floor it would read 0.5); the table says how the floor varied."""
    rows = {
        name: http_bench.row_from_wrk(http_bench.parse_wrk(wrk_output(requests=requests)))
        for name, requests in {"floor": 20_000, "dashboard": 15_000, "lookup": 10_000}.items()
    }
    http_bench.bracket(rows, [2000.0, 1000.0, 1000.0])
    http_bench.add_ratios(rows)
    assert rows["dashboard"]["floor_per_second"] == 1500.0 and rows["dashboard"]["ratio_to_floor"] == 1.0
    assert rows["lookup"]["floor_per_second"] == 1000.0 and rows["lookup"]["ratio_to_floor"] == 1.0
    assert rows["floor"]["ratio_to_floor"] == 1.0 and rows["floor"]["per_second_runs"] == [2000.0, 1000.0, 1000.0]
    text = http_bench.table(results(rows=rows), {})
    assert "Mittel der Floor-Läufe direkt davor und danach (3 Läufe, 1000 bis 2000 Anfragen/s)" in text


def test_every_target_met_exactly_at_its_bound():
    met = http_bench.evaluate(results())
    assert set(met) == set(http_bench.TARGETS)
    assert all(met.values()), met


def test_targets_missed_just_beyond_their_bounds():
    data = results(
        cold={"dashboard": {"median_ms": 50.1, "p90_ms": 60.0}},
        change_visible={"delay_ms": {"dashboard": 200.0, "leistung": None}},
        bulk={"seconds_best": 0.251},
    )
    data["rows"]["dashboard"]["ratio_to_floor"] = 0.799
    data["rows"]["status_api"]["ratio_to_floor"] = 0.249
    met = http_bench.evaluate(data)
    missed = {key for key, ok in met.items() if not ok}
    assert missed == {
        "dashboard_ratio",
        "status_api_ratio",
        "dashboard_cold_ms",
        "change_visible_ms",
        "bulk_upsert_seconds",
    }


def test_a_failed_row_misses_its_target_and_is_an_error():
    data = results()
    data["rows"]["lookup"]["failed"] = True
    data["rows"]["lookup"]["non_2xx_3xx"] = 3
    assert http_bench.evaluate(data)["lookup_ratio"] is False
    assert http_bench.errors_of(data) == ["lookup: 3 Antworten mit Status ≥ 400, 0 Socket-Fehler"]


def test_missing_figures_are_never_counted_as_met():
    data = results(change_visible={}, bulk={}, cold={})
    met = http_bench.evaluate(data)
    assert not met["change_visible_ms"] and not met["dashboard_cold_ms"] and not met["bulk_upsert_seconds"]


def test_write_errors_are_errors():
    data = results(concurrent_bulk={"errors": ["Bulk 500: b'...'"]})
    assert http_bench.errors_of(data) == ["Bulk 500: b'...'"]
    assert http_bench.errors_of(results()) == []
    data = results(cold_empty={"dashboard": {"median_ms": 9.0, "p90_ms": 9.0, "errors": ["/ozg/: 500"]}})
    assert http_bench.errors_of(data) == ["dashboard leer: ['/ozg/: 500']"]


def test_table_in_german_with_ratios_cold_figures_and_targets():
    data = results(
        change_visible={
            "delay_ms": {"dashboard": 200.0, "leistung": None},
            "criterion": {},
            "skipped": {"lookup": "zeigt keinen Status"},
        }
    )
    text = http_bench.table(data, http_bench.evaluate(data))
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["Seite", "Anfragen/s", "p50"]
    dashboard = next(line for line in lines if line.startswith("Dashboard "))
    assert dashboard.split()[1:2] == ["800.0"] and "0.80" in dashboard
    assert dashboard.split()[-3:] == ["80.0", "130.0", "-"]  # cold p90, every cache empty, no error
    assert "kalt: nach einem Statusschreiben (ersetzt: ozg); leer: jeder Cache ersetzt" in text
    assert any(line.split()[:2] == ["Leistungsseite", "nie"] for line in lines)
    assert "nicht geprüft: zeigt keinen Status" in text
    assert "change_visible_ms" in text and "NICHT erreicht" in text


def test_slow_responses_get_a_longer_measuring_time_within_a_cap():
    assert http_bench.row_seconds(10, 0.01, 2) == 10
    assert http_bench.row_seconds(3, 2.0, 2) == 32.0
    assert http_bench.row_seconds(10, 30.0, 2) == 120.0


@pytest.mark.django_db
def test_cold_means_just_after_a_status_write_found_by_the_write_hook_and_nothing_is_written():
    from ozg_monitoring.models import StatusEvent
    from tests.ozg_monitoring.factories import RolloutStatusFactory

    status = RolloutStatusFactory(note="vorher")
    events = StatusEvent.objects.count()
    names = {scope.name for scope in http_bench.status_write_scopes()}
    assert "ozg" in names and "register" not in names and "ozg-catalogue" not in names
    status.refresh_from_db()
    assert status.note == "vorher" and StatusEvent.objects.count() == events
