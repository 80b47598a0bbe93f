import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ozg_monitoring.models import ImportJob, OzgLeistung, RolloutStatus, StatusEvent

from .factories import OzgLeistungFactory, RolloutStatusFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(admin_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return admin_client


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """Posts a CSV to the admin; the Celery task queued on commit runs (eagerly) as it would after a request."""

    def post(client, text, name="status.csv"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("admin:ozg_monitoring_importjob_add"),
                {"file": SimpleUploadedFile(name, text.encode(), content_type="text/csv")},
            )

    return post


def test_csv_upload_applies_all_rows_and_shows_progress(staff, territory, upload):
    leistungen = OzgLeistungFactory.create_batch(3)
    rows = "\n".join(f"{leistung.ozg_id},{territory.foehr.ars},geplant" for leistung in leistungen)
    response = upload(staff, f"ozg_id,ars,stage\n{rows}\n")
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:ozg_monitoring_importjob_progress", args=[job.pk])
    assert (job.state, job.total_rows, job.created_count) == ("done", 3, 3)
    assert RolloutStatus.objects.count() == 3 and StatusEvent.objects.filter(channel="import").count() == 3
    page = staff.get(response["Location"]).content.decode()
    assert "100 %" in page and 'http-equiv="refresh"' not in page


def test_failed_csv_upload_changes_nothing_and_offers_error_report(staff, territory, upload):
    leistung = OzgLeistungFactory()
    text = (
        f"ozg_id;ars;stage;url\n{leistung.ozg_id};{territory.foehr.ars};geplant;\n"
        f"{leistung.ozg_id};{territory.husum.ars};online;\n"
        f"99999;{territory.foehr.ars};geplant;\n"
    )
    upload(staff, text)
    job = ImportJob.objects.get()
    assert (job.state, job.error_count) == ("failed", 2)
    assert not RolloutStatus.objects.exists()
    report = staff.get(reverse("admin:ozg_monitoring_importjob_report", args=[job.pk])).content.decode()
    assert report.startswith("\ufeff")  # the dialect SPREADSHEET: for German Excel
    lines = report.removeprefix("\ufeff").splitlines()
    assert lines[0] == "zeile;ozg_id;ars;feld;fehler"
    assert any(line.startswith("3;") and ";url;" in line for line in lines)
    assert any(line.startswith("4;99999") for line in lines)


def test_progress_page_refreshes_while_pending(staff):
    job = ImportJob.objects.create(file=SimpleUploadedFile("x.csv", b"ozg_id,ars\n"), total_rows=10, processed_rows=4)
    page = staff.get(reverse("admin:ozg_monitoring_importjob_progress", args=[job.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page and "40 %" in page


def test_admin_change_goes_through_the_service(staff, territory):
    status = RolloutStatusFactory(verwaltung=territory.foehr)
    url = reverse("admin:ozg_monitoring_rolloutstatus_change", args=[status.pk])
    data = {
        "stage": "in_umsetzung",
        "maturity_model": "2.0",
        "maturity_level": 1,
        "url": "",
        "provider": "",
        "provider_name": "",
        "platform": "",
        "planned_go_live": "",
        "actual_go_live": "",
        "note": "",
    }
    assert staff.post(url, data).status_code == 302
    status.refresh_from_db()
    assert (status.stage, status.version) == ("in_umsetzung", 2)
    event = StatusEvent.objects.get()
    assert event.channel == "admin" and event.old_values == {"stage": "geplant", "maturity_level": 0}
    response = staff.post(url, {**data, "stage": "online"})  # no URL
    assert response.status_code == 200 and "url" in response.context["adminform"].form.errors
    response = staff.post(url, {**data, "stage": "geplant"})  # backwards without note
    assert "note" in response.context["adminform"].form.errors
    status.refresh_from_db()
    assert status.stage == "in_umsetzung"


def test_admin_lists_filter_and_history_is_read_only(staff, territory):
    RolloutStatusFactory(verwaltung=territory.foehr)
    RolloutStatusFactory(verwaltung=territory.kiel)
    changelist = reverse("admin:ozg_monitoring_rolloutstatus_changelist")
    response = staff.get(changelist, {"kreis": "01054"})
    assert response.context["cl"].result_count == 1
    assert staff.get(changelist, {"stage": "geplant", "leistung__level": "amt_gemeinde"}).status_code == 200
    assert staff.get(reverse("admin:ozg_monitoring_statusevent_add")).status_code == 403


def test_bulk_action_sets_stage(staff, territory):
    statuses = [RolloutStatusFactory(verwaltung=territory.foehr, stage="nicht_geplant") for _ in range(3)]
    staff.post(
        reverse("admin:ozg_monitoring_rolloutstatus_changelist"),
        {"action": "mark_geplant", "_selected_action": [status.pk for status in statuses], "apply": "1"},
    )
    assert RolloutStatus.objects.filter(stage="geplant").count() == 3


def test_manual_level_is_marked(staff):
    leistung = OzgLeistungFactory(level="unclassified")
    url = reverse("admin:ozg_monitoring_ozgleistung_change", args=[leistung.pk])
    response = staff.post(
        url,
        {
            "name": leistung.name,
            "lebenslage": leistung.lebenslage.pk,
            "themenfeld": leistung.themenfeld.pk,
            "level": "kreis",
        },
    )
    assert response.status_code == 302
    assert OzgLeistung.objects.get(pk=leistung.pk).level_source == "manual"


def test_status_upload_takes_both_csv_dialects_and_the_admin_export_back(staff, territory, upload):
    """The import reads comma (OPEN_DATA) and semicolon with BOM (SPREADSHEET, as the admin exports and German
    Excel saves): the admin's own export uploaded again changes nothing."""
    first, second = OzgLeistungFactory(), OzgLeistungFactory()
    upload(staff, f"\ufeffozg_id;ars;stage;note\n{first.ozg_id};{territory.foehr.ars};geplant;a, b\n")
    upload(staff, f"ozg_id,ars,stage\n{second.ozg_id},{territory.foehr.ars},geplant\n")
    assert [job.state for job in ImportJob.objects.order_by("pk")] == ["done", "done"]
    assert RolloutStatus.objects.get(leistung=first).note == "a, b"
    statuses = RolloutStatus.objects.order_by("pk")
    export = staff.post(
        reverse("admin:ozg_monitoring_rolloutstatus_changelist"),
        {"action": "export_csv", "_selected_action": [status.pk for status in statuses]},
    )
    text = export.content.decode("utf-8")
    assert text.startswith("\ufeffozg_id;ars;stage;")
    events = StatusEvent.objects.count()
    upload(staff, text)
    job = ImportJob.objects.order_by("pk").last()
    assert (job.state, job.total_rows, job.error_count) == ("done", 2, 0)
    assert StatusEvent.objects.count() == events  # nothing changed
