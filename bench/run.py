"""Benchmark of the OZG monitoring at Schleswig-Holstein scale (see bench/README.md).

    .venv/bin/python bench/run.py                 # full: every Leistung for every Verwaltung, 24 months
    .venv/bin/python bench/run.py --reduced       # CI size
    .venv/bin/python bench/run.py --check         # exit 1 when a target is missed
    .venv/bin/python bench/run.py --http          # over HTTP: gunicorn, Redis, wrk (bench/http_bench.py)

Whatever the options, the run exits 2 when a list endpoint's query count grows with the data: every list in
LIST_ENDPOINTS is counted cold after half of the data and again with all of it (CI runs --reduced for this;
the timing ratios are printed, never asserted there).

Builds the data in a PostgreSQL database of its own (default postgres://postgres@127.0.0.1/itvsh_bench, dropped
and re-created unless --keep), then measures in one process, one request at a time, through the full Django
stack (middleware, sessions, templates, DRF): a minimal Django view (the floor), the dashboard, the citizen
lookup page, /api/v1/ozg/status/?page_size=100, and the time of a 1,000-item bulk upsert. It also reports the bytes
per page type (the HTML, and a cold first visit with its static files: `page_weights`).
"""

import argparse
import datetime
import io
import json
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = {"dashboard_ratio": 0.5, "lookup_ratio": 0.5, "bulk_upsert_seconds": 2.0}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1/itvsh_bench")
    )
    parser.add_argument("--reduced", action="store_true", help="CI size: 60 Leistungen, 6 months of history")
    parser.add_argument("--keep", action="store_true", help="reuse the data of the last run (no rebuild)")
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="measuring time per page (default 5, reduced 2; --http 10, reduced 2)",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--http", action="store_true", help="over HTTP: gunicorn, Redis, wrk")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3"),
        help="--http: the cache of server and benchmark (default BENCH_REDIS_URL or Redis db 3)",
    )
    parser.add_argument("--cold-requests", type=int, help="--http: cold requests per page (default 30, reduced 10)")
    parser.add_argument("--scale", choices=["sh", "de"], default="sh", help="de: Germany (bench/germany.py)")
    parser.add_argument("--fraction", type=float, default=1.0, help="with --scale de: a smaller Germany, e.g. 0.02")
    args = parser.parse_args()
    if args.scale == "de" and "--database-url" not in sys.argv and not os.environ.get("BENCH_DATABASE_URL"):
        args.database_url = "postgres://postgres@127.0.0.1/itvsh_bench_de"
    return args


def vacuum_if_no_autovacuum(connection) -> str:
    """Where autovacuum is off (this machine's PostgreSQL, tuned for the test suite: conf.d/90-ci.conf), the visibility
    map of tables changed by the build or an earlier run stays stale, and reads that production answers from an
    index alone (the dashboard's count by stage and its online pairs, with autovacuum and migration 0015) read the
    table instead: VACUUM (ANALYZE) the database before measuring, as autovacuum would have done. Returns what was
    done."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        if cursor.fetchone()[0] == "on":
            return "autovacuum an: nichts zu tun"
        began = time.perf_counter()
        cursor.execute("VACUUM (ANALYZE)")
    return f"autovacuum aus: VACUUM (ANALYZE) vor dem Messen, {time.perf_counter() - began:.1f} s"


def recreate_database(url: str):
    import psycopg2

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password, dbname="postgres"
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def build(reduced: bool):
    """Register, catalogue, and a status for every (Leistung, Verwaltung) with 24 months of history."""
    from django.core.management import call_command
    from django.utils import timezone

    from bench.germany import STATUS_COLUMNS
    from common.sql import fast_insert
    from organisations.models import LAND_ARS, Organisation
    from ozg_monitoring.models import ExecutingLevel, MonthlySnapshot, OzgLeistung, RolloutStatus, StatusEvent
    from ozg_monitoring.services import EVENT_FIELDS, TRACKED_FIELDS, snapshot_aggregates

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command("import_register", stdout=io.StringIO())
    call_command("import_ozg_catalogue", stdout=io.StringIO())
    # Levels the catalogue leaves open: alternate Kreis / Amt so that every map and lookup path is exercised.
    for leistung in OzgLeistung.objects.filter(level=ExecutingLevel.UNCLASSIFIED):
        leistung.level = ExecutingLevel.KREIS if leistung.ozg_id % 2 else ExecutingLevel.AMT_GEMEINDE
        leistung.save(update_fields=["level"])
    leistungen = list(OzgLeistung.objects.select_related("themenfeld").order_by("ozg_id"))
    if reduced:
        leistungen = leistungen[::9]  # 62 Leistungen
    months = 6 if reduced else 24
    verwaltungen = list(Organisation.objects.verwaltungen()) + list(Organisation.objects.filter(ars=LAND_ARS))
    rng = random.Random(4711)
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    now = timezone.now()
    start = now - datetime.timedelta(days=30 * months)
    stages = ["nicht_geplant", "geplant", "in_umsetzung", "online", "ende_zu_ende"]
    timelines = []

    def insert_statuses(part):
        """Statuses and their history for every Verwaltung and the given Leistungen."""
        status_rows, new_timelines = [], []
        for leistung in part:
            for org in verwaltungen:
                final = rng.choices(range(5), weights=[2, 2, 2, 3, 1])[0]
                times = sorted(
                    start + datetime.timedelta(days=rng.uniform(0, 30 * months - 1)) for _ in range(final + 1)
                )
                path = stages[: final + 1]
                level = {3: 3, 4: 6}.get(final, 1 if final == 2 else 0)
                url = f"https://dienste.bench.example/{org.ars}/{leistung.ozg_id}" if final >= 3 else ""
                status_rows.append(
                    (
                        leistung.pk,
                        org.pk,
                        path[-1],
                        "2.0",
                        level,
                        url,
                        "",
                        "",
                        None,
                        times[-1].date() if final >= 3 else None,
                        "",
                        len(path),
                        False,
                        "import",
                        times[-1],
                        times[0],
                        times[-1],
                    )
                )
                new_timelines.append((leistung.pk, org.pk, times, path, level, url))
        fast_insert(RolloutStatus, STATUS_COLUMNS, status_rows)
        part_ids = {leistung.pk for leistung in part}
        ids = {
            (l_id, v_id): pk
            for pk, l_id, v_id in RolloutStatus.objects.filter(leistung_id__in=part_ids).values_list(
                "pk", "leistung_id", "verwaltung_id"
            )
        }
        events = []
        for leistung_id, verwaltung_id, times, path, level, url in new_timelines:
            pk = ids[(leistung_id, verwaltung_id)]
            for index, (when, stage) in enumerate(zip(times, path, strict=True)):
                if index == 0:
                    new = dict.fromkeys(TRACKED_FIELDS, "")
                    new.update(
                        stage=stage,
                        maturity_model="2.0",
                        maturity_level=0,
                        provider=None,
                        planned_go_live=None,
                        actual_go_live=None,
                    )
                    events.append((pk, leistung_id, verwaltung_id, "created", {}, new, when, "import", "import"))
                else:
                    old, new = {"stage": path[index - 1]}, {"stage": stage}
                    if index == len(path) - 1 and level:
                        old["maturity_level"], new["maturity_level"] = 0, level
                        if url:
                            old["url"], new["url"] = "", url
                    events.append((pk, leistung_id, verwaltung_id, "changed", old, new, when, "import", "import"))
        fast_insert(
            StatusEvent,
            EVENT_FIELDS,
            events,
        )
        timelines.extend(new_timelines)
        return len(status_rows), len(events)

    # Two sizes: the query count of every list is taken after the first half and again with all the data;
    # a list whose count grows with the data has an N+1 query (see `query_counts`).
    half = len(leistungen) // 2
    call_command("load_founding_agreements", stdout=io.StringIO())
    call_command("load_founding_funding", stdout=io.StringIO())
    first = insert_statuses(leistungen[:half])
    add_agreements_and_funding(verwaltungen, count=5, offset=0)
    counts_small = query_counts()
    second = insert_statuses(leistungen[half:])
    add_agreements_and_funding(verwaltungen, count=30 if reduced else 120, offset=5)
    counts_large = query_counts()
    status_count, event_count = first[0] + second[0], first[1] + second[1]
    themenfeld = {leistung.pk: leistung.themenfeld.catalogue_id for leistung in leistungen}
    arses = {org.pk: org.ars for org in verwaltungen}
    snapshots = []
    for back in range(months, -1, -1):
        index = today.year * 12 + today.month - 1 - back
        day = datetime.date(index // 12, index % 12 + 1, 1)
        cutoff = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
        states = []
        for leistung_id, verwaltung_id, times, path, level, _url in timelines:
            reached = sum(1 for when in times if when < cutoff)
            if reached:
                stage = path[reached - 1]
                states.append((leistung_id, verwaltung_id, stage, level if reached == len(path) else 0))
        aggregates = snapshot_aggregates(states, leistung_themenfeld=themenfeld, verwaltung_ars=arses)
        snapshots.append(
            MonthlySnapshot(
                date=day,
                statuses=aggregates["statuses"],
                online=aggregates["online"],
                leistungen_online=aggregates["leistungen_online"],
                aggregates=aggregates,
            )
        )
    MonthlySnapshot.objects.bulk_create(snapshots)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "statuses": status_count,
        "events": event_count,
        "snapshots": len(snapshots),
        "leistungen": len(leistungen),
        "verwaltungen": len(verwaltungen),
        "months": months,
        "build_seconds": round(time.monotonic() - started, 1),
        "query_counts": {"small": counts_small, "large": counts_large},
    }


#: The lists whose query count must not depend on how much data there is: API lists at the largest page size
#: and the public list pages, each rendered cold (cache cleared before the request).
LIST_ENDPOINTS = [
    "/api/v1/organisations/?page_size=1000",
    "/api/v1/cooperations/agreements/?page_size=1000",
    "/api/v1/cooperations/measures/?page_size=1000",
    "/api/v1/ozg/leistungen/?page_size=1000",
    "/api/v1/ozg/status/?page_size=1000",
    "/api/v1/ozg/history/?page_size=1000",
    "/api/v1/ozg/coverage/?page_size=1000",
    "/api/v1/funding/lines/?page_size=1000",
    "/api/v1/funding/drawdowns/?page_size=1000",
    "/api/v1/funding/in-kind/?page_size=1000",
    "/kommunen/",
    "/kooperationen/",
    "/ozg/",
    "/ozg/leistungen/",
    "/ozg/umsetzungsstaende/",
    "/ozg/online-erledigen/{gemeinde}/",
    "/finanzierung/",
]


def query_counts() -> dict[str, int]:
    """Queries each list endpoint runs, cold (no page cache), as an anonymous visitor."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from organisations.models import Organisation

    client = Client()
    counts = {}
    gemeinde = Organisation.objects.gemeinden().order_by("ars").values_list("ars", flat=True).first()
    for path in LIST_ENDPOINTS:
        path = path.format(gemeinde=gemeinde)
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        counts[path] = len(captured)
    return counts


def add_agreements_and_funding(verwaltungen, *, count: int, offset: int):
    """More agreements (with parties, measures, obligations) and budget lines (with drawdowns and in-kind
    contributions), so that the second measurement of the query counts sees longer lists. Made with the test
    factories, i.e. through the same services the portal writes with."""
    import datetime as dt

    from tests.cooperations.factories import MeasureFactory, ObligationFactory, PartyFactory, signed_agreement
    from tests.funding.factories import BudgetLineFactory, DrawdownFactory, InKindFactory

    amts = [org for org in verwaltungen if org.kind == "amt"]
    for index in range(offset, offset + count):
        agreement = signed_agreement(partner=amts[index % len(amts)], signed_on=dt.date(2024, 1, 1 + index % 28))
        PartyFactory(agreement=agreement, organisation=amts[(index + 7) % len(amts)])
        MeasureFactory.create_batch(2, agreement=agreement)
        ObligationFactory(agreement=agreement, obligor=agreement.parties.first().organisation)
        line = BudgetLineFactory(fiscal_year=2020 + index % 6, agreement=agreement)
        DrawdownFactory.create_batch(2, line=line)
        InKindFactory(agreement=agreement)


#: One page of each type, for the bytes a visit costs (`page_weights`); keys filled in from the data.
PAGE_TYPES = {
    "home": "/",
    "dashboard": "/ozg/",
    "lookup": "/ozg/online-erledigen/{gemeinde}/",
    "leistung": "/ozg/leistungen/{ozg_id}/",
    "verwaltung": "/ozg/verwaltungen/{verwaltung}/",
    "register": "/kommunen/{gemeinde}/",
    "status_list": "/ozg/umsetzungsstaende/",
    "kooperationen": "/kooperationen/",
    "finanzierung": "/finanzierung/",
}
#: The budgets of issue 16 (light pages): the dashboard's HTML, and a cold first visit of the home page.
BYTE_BUDGETS = {"dashboard_html_bytes": 100 * 1000, "home_cold_bytes": 350 * 1000}


def page_weights() -> dict:
    """Bytes per page type (common/page_weight.py): the HTML as sent, and a cold first visit (HTML plus every static
    file it loads, brotli-compressed where WhiteNoise serves it so after collectstatic)."""
    from django.core.cache import cache
    from django.test import Client

    from common.page_weight import page_weight
    from organisations.models import Organisation
    from ozg_monitoring.models import OzgLeistung

    client = Client()
    keys = {
        "gemeinde": Organisation.objects.gemeinden().order_by("ars").values_list("ars", flat=True).first(),
        "ozg_id": OzgLeistung.objects.order_by("ozg_id").values_list("ozg_id", flat=True).first(),
        "verwaltung": Organisation.objects.verwaltungen().order_by("ars").values_list("ars", flat=True).first(),
    }
    weights = {}
    for name, path in PAGE_TYPES.items():
        cache.clear()
        weight = page_weight(client, path.format(**keys))
        weights[name] = {key: value for key, value in weight.as_dict().items() if key != "files"}
    return weights


def throughput(client, paths, seconds: float) -> dict:
    """Requests per second, one at a time, cycling through `paths`; each answer must be 200."""
    for path in paths:  # warm-up: the first request of each page renders it and fills the page cache
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    count, durations, deadline = 0, [], time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        path = paths[count % len(paths)]
        began = time.perf_counter()
        response = client.get(path)
        durations.append(time.perf_counter() - began)
        assert response.status_code == 200, (path, response.status_code)
        count += 1
    total = sum(durations)
    return {
        "requests": count,
        "per_second": round(count / total, 1),
        "median_ms": round(1000 * statistics.median(durations), 2),
        "p95_ms": round(1000 * sorted(durations)[int(0.95 * (len(durations) - 1))], 2),
    }


def measure(seconds: float) -> dict:
    from django.db import transaction
    from django.test import Client

    from common.authorization import system_actor
    from organisations.models import Organisation
    from ozg_monitoring.models import OzgLeistung, RolloutStatus
    from ozg_monitoring.selectors import READS
    from ozg_monitoring.services import rollout_status_bulk_upsert
    from ozg_monitoring.views import dashboard_context

    client = Client()
    # Land 01 only: the portal's key rule admits Schleswig-Holstein (the Germany scale's other Länder are synthetic).
    gemeinden = list(
        Organisation.objects.gemeinden().filter(ars__startswith="01").order_by("ars").values_list("ars", flat=True)
    )
    rng = random.Random(1)
    lookup_paths = [f"/ozg/online-erledigen/{ars}/" for ars in rng.sample(gemeinden, min(200, len(gemeinden)))]
    results = {
        "floor": throughput(client, ["/bench/floor/"], seconds),
        "dashboard": throughput(client, ["/ozg/"], seconds),
        "lookup": throughput(client, lookup_paths, seconds),
        "status_api": throughput(client, ["/api/v1/ozg/status/?page_size=100"], seconds),
    }
    for name in ("dashboard", "lookup", "status_api"):
        results[name]["ratio_to_floor"] = round(results[name]["per_second"] / results["floor"]["per_second"], 3)
    cold = []
    for _ in range(3):
        READS.replace()
        began = time.perf_counter()
        dashboard_context()
        cold.append(time.perf_counter() - began)
    results["dashboard_cold_render_ms"] = round(1000 * min(cold), 1)
    # Cold pages (right after a write): every request renders, nothing from the page cache.
    for name, paths in (("dashboard", ["/ozg/"]), ("lookup", lookup_paths[:20])):
        timings = []
        for path in paths * (5 if len(paths) == 1 else 1):
            READS.replace()
            began = time.perf_counter()
            assert client.get(path).status_code == 200
            timings.append(time.perf_counter() - began)
        results[f"{name}_cold_ms_median"] = round(1000 * statistics.median(timings), 1)

    # 1,000-item bulk upsert: existing statuses of many Verwaltungen move one stage (rolled back afterwards).
    pairs = list(
        RolloutStatus.objects.filter(stage__in=["nicht_geplant", "geplant"], verwaltung__ars__startswith="01")
        .order_by("?")
        .values_list("leistung__ozg_id", "verwaltung__ars", "stage")[:1000]
    )
    items = [
        {
            "ozg_id": ozg_id,
            "ars": ars,
            "stage": "in_umsetzung" if stage == "geplant" else "geplant",
            "note": "Benchmark",
        }
        for ozg_id, ars, stage in pairs
    ]
    timings = []
    for _ in range(3):
        began = time.perf_counter()
        with transaction.atomic():
            result = rollout_status_bulk_upsert(items=items, by=system_actor())
            timings.append(time.perf_counter() - began)
            transaction.set_rollback(True)
        assert result.updated == len(items)
    # As a Kommune's Fachverfahren calls it: with an API token (a session would need the second factor); a token
    # of its own on every run, so that --keep can measure again.
    from bench.http_bench import bench_token

    key = bench_token()
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    began = time.perf_counter()
    with transaction.atomic():
        response = api.post("/api/v1/ozg/status/bulk/", {"items": items}, content_type="application/json")
        api_seconds = time.perf_counter() - began
        transaction.set_rollback(True)
    assert response.status_code == 200, response.content[:300]
    results["bulk_upsert"] = {
        "items": len(items),
        "service_seconds_best": round(min(timings), 3),
        "service_seconds_all": [round(t, 3) for t in timings],
        "api_seconds": round(api_seconds, 3),
    }
    results["catalogue"] = {"leistungen": OzgLeistung.objects.count()}
    results["bytes"] = page_weights()
    return results


def main():
    args = parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("DEMO_CONTENT_ENABLED", "false")
    # No collectstatic here: the finders serve the plain files; the byte report computes their compressed sizes.
    os.environ.setdefault("STATIC_FROM_FINDERS", "true")
    if not args.database_url.startswith("postgres"):
        sys.exit("Der Benchmark läuft auf PostgreSQL (--database-url postgres://…).")
    if args.http:  # server and benchmark share the cache: the cold figures replace its versions from here
        os.environ.pop("CACHE_URL", None)
        os.environ["REDIS_URL"] = args.redis_url
    # The open-data months the HTTP mode publishes belong to this benchmark database (a file is written once and
    # kept): a folder of their own per database, emptied with the database.
    opendata = ROOT / "var" / "bench-opendata" / (urlparse(args.database_url).path.strip("/") or "bench")
    os.environ["OPENDATA_ROOT"] = str(opendata)
    if not args.keep:
        recreate_database(args.database_url)
        shutil.rmtree(opendata, ignore_errors=True)
    if args.scale == "de":
        from bench import germany
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    if args.scale == "de":
        data = germany.build(args.fraction, query_counts=query_counts)
    elif args.keep:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # the data are reused, the schema is the code's
        data = {"reused": True}
    else:
        data = build(args.reduced)
    from ozg_monitoring import tally

    data["stage_tally"] = tally.compact()  # what Celery beat does every ten minutes (the build added a row per batch)
    data["vacuum"] = vacuum_if_no_autovacuum(connection)
    if args.http:
        from bench import http_bench

        sys.exit(http_bench.run(args, data))
    seconds = args.seconds or (2.0 if args.reduced else 5.0)
    results = measure(seconds)
    report = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "database": f"PostgreSQL {connection.pg_version // 10000}",
        "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
        "size": f"de×{args.fraction}" if args.scale == "de" else "reduced" if args.reduced else "full",
        "data": data,
        "results": results,
        "targets": TARGETS,
    }
    weights = results["bytes"]
    checks = {
        "dashboard_ratio": results["dashboard"]["ratio_to_floor"] >= TARGETS["dashboard_ratio"],
        "lookup_ratio": results["lookup"]["ratio_to_floor"] >= TARGETS["lookup_ratio"],
        "bulk_upsert_seconds": results["bulk_upsert"]["service_seconds_best"] < TARGETS["bulk_upsert_seconds"],
        "dashboard_html_bytes": weights["dashboard"]["html_bytes"] <= BYTE_BUDGETS["dashboard_html_bytes"],
        "home_cold_bytes": weights["home"]["total_bytes"] <= BYTE_BUDGETS["home_cold_bytes"],
    }
    if args.scale == "de":
        checks = germany.checks(results, data)
        report["targets"] = germany.TARGETS
    report["byte_budgets"] = BYTE_BUDGETS
    report["met"] = checks
    print(json.dumps(report, indent=2, default=str))
    print()
    print(f"{'Seite':<28}{'Anfragen/s':>12}{'Median ms':>12}{'p95 ms':>10}{'Anteil Floor':>14}")
    for name in ("floor", "dashboard", "lookup", "status_api"):
        row = results[name]
        ratio = row.get("ratio_to_floor", 1.0)
        print(f"{name:<28}{row['per_second']:>12}{row['median_ms']:>12}{row['p95_ms']:>10}{ratio:>14.2f}")
    bulk = results["bulk_upsert"]
    print(
        f"Bulk-Upsert {bulk['items']} Einträge: Service {bulk['service_seconds_best']} s, API {bulk['api_seconds']} s"
    )
    print()
    print(f"{'Seitentyp (Bytes)':<28}{'HTML':>12}{'statisch kalt':>16}{'Besuch kalt':>14}")
    for name, row in weights.items():
        print(f"{name:<28}{row['html_bytes']:>12}{row['static_bytes']:>16}{row['total_bytes']:>14}")
    print("Ziele erreicht:", ", ".join(f"{key}={'ja' if value else 'NEIN'}" for key, value in checks.items()))
    if args.scale == "de":
        germany.print_build(data)
    grown = {}
    if "query_counts" in data:
        small, large = data["query_counts"]["small"], data["query_counts"]["large"]
        print()
        print(f"{'Liste (kalt)':<52}{'Abfragen klein':>16}{'Abfragen groß':>16}")
        for path in small:
            flag = "  WÄCHST" if large[path] > small[path] else ""
            print(f"{path:<52}{small[path]:>16}{large[path]:>16}{flag}")
        grown = {path: (small[path], large[path]) for path in small if large[path] > small[path]}
    report["query_counts_grown"] = grown
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, default=str))
    if grown:
        print(f"FEHLER: die Zahl der Abfragen wächst mit der Datenmenge: {grown}", file=sys.stderr)
        sys.exit(2)
    if args.check and not all(checks.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
