import csv
import io
import json
import logging

import pytest
from django.core.management import call_command
from django.urls import reverse

from common.authorization import system_actor
from opendata import services
from opendata.datasets import OZG_SNAPSHOTS
from ozg_monitoring.models import MonthlySnapshot
from ozg_monitoring.tasks import snapshot_monthly

from .conftest import month_start

pytestmark = pytest.mark.django_db


def read_csv(path):
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_snapshot_rows_are_the_state_at_each_month_start(portal_data, opendata_root):
    result = services.snapshots_publish(dates=[month_start(3), month_start(2), month_start(1), month_start(0)])
    assert len(result.written) == 8 and not result.refused
    first = portal_data["leistungen"][0].ozg_id
    amt_a, amt_b = portal_data["amt_a"].ars, portal_data["amt_b"].ars

    def states(back):
        rows = read_csv(services.snapshot_path(month_start(back), "csv"))
        assert rows[0] == OZG_SNAPSHOTS.column_names
        header = rows[0]
        return {(int(row[1]), row[4]): dict(zip(header, row, strict=True)) for row in rows[1:]}

    assert states(3) == {}  # created on the 5th of that month
    two = states(2)
    assert list(two) == [(first, amt_a)] and two[(first, amt_a)]["umsetzungsstand"] == "geplant"
    assert two[(first, amt_a)]["adresse"] == "" and two[(first, amt_a)]["stichtag"] == month_start(2).isoformat()
    one = states(1)
    assert one[(first, amt_a)]["umsetzungsstand"] == "online" and one[(first, amt_a)]["reifegrad"] == "3"
    assert (first, amt_b) not in one  # created on the 20th of that month
    now = states(0)
    assert now[(first, amt_b)]["umsetzungsstand"] == "in_umsetzung"
    assert (portal_data["leistungen"][1].ozg_id, amt_a) not in now  # created today, after the month start

    document = json.loads(services.snapshot_path(month_start(1), "json").read_text(encoding="utf-8"))
    assert document["meta"]["stichtag"] == month_start(1).isoformat()
    assert document["meta"]["license_id"] == "dl-de/by-2-0" and document["meta"]["generated"]
    assert [row["ozg_id"] for row in document["rows"]] == [first]
    assert document["meta"]["rows"] == 1


def test_a_published_snapshot_is_never_overwritten(portal_data, opendata_root, caplog):
    day = month_start(1)
    services.snapshot_publish(date=day)
    path = services.snapshot_path(day, "csv")
    before, stat = path.read_bytes(), path.stat()
    from ozg_monitoring.services import rollout_status_update

    rollout_status_update(
        status=portal_data["amt_a"].ozg_statuses.first(),
        changes={"stage": "in_umsetzung", "maturity_level": 1, "note": "Rückschritt"},
        by=system_actor(),
    )
    with caplog.at_level(logging.WARNING, logger="opendata.services"):
        result = services.snapshot_publish(date=day)
    assert result.written == [] and len(result.refused) == 2
    assert "wird nicht überschrieben" in caplog.text
    assert path.read_bytes() == before and path.stat().st_mtime_ns == stat.st_mtime_ns
    assert not [name for name in path.parent.iterdir() if name.name.startswith(".")]  # no temp files left


def test_the_low_level_writer_refuses_an_existing_file(opendata_root, caplog):
    path = services.snapshot_path(month_start(1), "csv")
    assert services._write_once(path, iter(["a,b\r\n"])) is True
    with caplog.at_level(logging.WARNING, logger="opendata.services"):
        assert services._write_once(path, iter(["x,y\r\n"])) is False
    assert path.read_bytes() == b"a,b\r\n"
    assert "bereits veröffentlicht" in caplog.text


def test_the_monthly_celery_job_writes_the_files_and_is_safe_twice(
    portal_data, opendata_root, django_capture_on_commit_callbacks
):
    day = month_start(0)
    with django_capture_on_commit_callbacks(execute=True):  # the files follow the committed snapshot
        snapshot_monthly.delay(date=day.isoformat())
    assert MonthlySnapshot.objects.filter(date=day).exists()
    path = services.snapshot_path(day, "json")
    assert path.exists() and services.snapshot_path(day, "csv").exists()
    content = path.read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        snapshot_monthly.delay(date=day.isoformat())
    assert path.read_bytes() == content


def test_backfill_command_publishes_every_month_since_the_first_change(portal_data, opendata_root):
    out = io.StringIO()
    call_command("publish_ozg_snapshots", stdout=out)
    published = [month["date"] for month in services.published_snapshots()]
    # First change on the 5th, three months back: the month starts after it up to this month.
    assert published == [month_start(0), month_start(1), month_start(2)]
    assert "6 Dateien geschrieben, 0 bereits" in out.getvalue()
    out = io.StringIO()
    call_command("publish_ozg_snapshots", stdout=out)
    assert "0 Dateien geschrieben, 6 bereits veröffentlicht" in out.getvalue()


def test_snapshot_download_headers_304_and_latest(client, portal_data, opendata_root):
    services.snapshots_publish(dates=[month_start(1), month_start(0)])
    day = month_start(1)
    url = reverse("opendata:snapshot", kwargs={"day": day.isoformat(), "fmt": "csv"})
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == services.snapshot_path(day, "csv").read_bytes()
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="ozg-status-{day.isoformat()}.csv"'
    assert "immutable" in response["Cache-Control"]
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]).status_code == 304

    latest = client.get(reverse("opendata:snapshot_latest", kwargs={"fmt": "json"}))
    assert latest.status_code == 302
    assert latest["Location"] == reverse("opendata:snapshot", kwargs={"day": month_start(0).isoformat(), "fmt": "json"})
    assert client.get("/opendata/ozg-status/2001-01-01.csv").status_code == 404


def test_latest_without_snapshots_is_404(client, db, opendata_root):
    assert client.get(reverse("opendata:snapshot_latest", kwargs={"fmt": "csv"})).status_code == 404


def test_dates_must_be_month_starts_in_the_past(db, opendata_root):
    with pytest.raises(ValueError, match="Monatserster"):
        services.snapshots_publish(dates=[month_start(1).replace(day=2)])
    with pytest.raises(ValueError, match="Zukunft"):
        services.snapshots_publish(dates=[month_start(-1)])


def test_the_job_for_a_future_month_publishes_nothing(portal_data, opendata_root, django_capture_on_commit_callbacks):
    day = month_start(-2)
    with django_capture_on_commit_callbacks(execute=True):  # the receiver runs and skips a month not yet begun
        snapshot_monthly.delay(date=day.isoformat())
    assert MonthlySnapshot.objects.filter(date=day).exists()
    assert services.published_snapshots() == []


def test_the_admins_recompute_publishes_the_months_files(
    admin_client, portal_data, opendata_root, django_capture_on_commit_callbacks
):
    """Bug (issue 13): the publication hung off the monthly task only, so a recompute in the admin skipped it."""
    day = month_start(0)
    snapshot = MonthlySnapshot.objects.create(date=day, statuses=0, online=0, leistungen_online=0)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:ozg_monitoring_monthlysnapshot_changelist"),
            {"action": "recompute", "_selected_action": [snapshot.pk]},
        )
    assert response.status_code == 302
    assert MonthlySnapshot.objects.get(date=day).statuses == 2  # recomputed: Amt A and Amt B at the month start
    assert services.snapshot_path(day, "csv").exists() and services.snapshot_path(day, "json").exists()
    assert [month["date"] for month in services.published_snapshots()] == [day]
