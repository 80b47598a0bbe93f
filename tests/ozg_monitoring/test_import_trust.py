"""Imports staff can trust (issue 17, item 6): errors on the job's page, the plural and the file-level error, the
dry run that writes nothing, the template and the column reference, the job list that opens the job, bulk actions
on everything selected with a note."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEntry
from ozg_monitoring.models import ImportJob, RolloutStatus, StatusEvent
from ozg_monitoring.services import BULK_LIMIT

from .factories import OzgLeistungFactory, RolloutStatusFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:ozg_monitoring_rolloutstatus_changelist")


@pytest.fixture
def staff(admin_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return admin_client


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    def post(client, text, *, dry_run=False, name="status.csv"):
        data = {"file": SimpleUploadedFile(name, text.encode(), content_type="text/csv")}
        if dry_run:
            data["dry_run"] = "on"
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("admin:ozg_monitoring_importjob_add"), data)

    return post


def _page(client, job):
    return client.get(reverse("admin:ozg_monitoring_importjob_progress", args=[job.pk])).content.decode()


def test_errors_are_listed_on_the_job_page_with_line_field_and_message(staff, territory, upload):
    leistung = OzgLeistungFactory()
    upload(staff, f"ozg_id;ars;stage\n{leistung.ozg_id};{territory.foehr.ars};geplant\n99999;{territory.foehr.ars};x\n")
    job = ImportJob.objects.get()
    assert job.state == "failed"
    assert {(error["line"], error["field"]) for error in job.errors_shown} == {(3, "stage"), (3, "ozg_id")}
    page = _page(staff, job)
    assert "Fehlgeschlagen: 1 fehlerhafte Zeile." in page  # one line, singular
    assert "<td>3</td><td>99999</td>" in page
    assert job.errors_shown[0]["message"] in page
    assert "Vollständigen Fehlerbericht herunterladen" in page


def test_only_the_first_hundred_errors_are_shown_the_report_has_all(staff, territory, upload):
    rows = "\n".join(f"{90000 + n},{territory.foehr.ars}" for n in range(130))
    upload(staff, f"ozg_id,ars\n{rows}\n")
    job = ImportJob.objects.get()
    assert (job.state, job.error_count, len(job.errors_shown)) == ("failed", 130, 100)
    page = _page(staff, job)
    assert "130 fehlerhafte Zeilen" in page and "Gezeigt sind die ersten 100 Fehler" in page
    report = staff.get(reverse("admin:ozg_monitoring_importjob_report", args=[job.pk])).content.decode()
    assert len(report.removeprefix("\ufeff").splitlines()) == 131  # header + every error


def test_a_file_level_error_says_so_and_no_row_count(staff, territory, upload):
    upload(staff, "ozg,ars\n1,2\n")
    job = ImportJob.objects.get()
    page = _page(staff, job)
    assert job.file_error and "Die Datei konnte nicht verarbeitet werden" in page
    assert "Spalte(n) fehlen: ozg_id." in page
    assert "fehlerhafte Zeile" not in page and "Zeilen geprüft" not in page


def test_dry_run_writes_nothing_and_shows_created_changed_unchanged(staff, territory, upload):
    changed = RolloutStatusFactory(verwaltung=territory.foehr, stage="geplant")
    same = RolloutStatusFactory(verwaltung=territory.foehr, stage="geplant")
    new = OzgLeistungFactory()
    counts = (RolloutStatus.objects.count(), StatusEvent.objects.count(), AuditEntry.objects.count())
    text = (
        f"ozg_id,ars,stage\n{changed.leistung.ozg_id},{territory.foehr.ars},in_umsetzung\n"
        f"{same.leistung.ozg_id},{territory.foehr.ars},geplant\n{new.ozg_id},{territory.foehr.ars},geplant\n"
    )
    upload(staff, text, dry_run=True)
    job = ImportJob.objects.get()
    assert (job.state, job.dry_run) == ("done", True)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (1, 1, 1)
    assert (RolloutStatus.objects.count(), StatusEvent.objects.count(), AuditEntry.objects.count()) == counts
    changed.refresh_from_db()
    assert (changed.stage, changed.version) == ("geplant", 1)
    rows = {int(row["ozg_id"]): row for row in job.preview["rows"]}
    assert rows[changed.leistung.ozg_id]["action"] == "changed" and rows[changed.leistung.ozg_id]["line"] == 2
    change = rows[changed.leistung.ozg_id]["changes"][0]
    assert (change["old"], change["new"]) == ("geplant", "in Umsetzung")
    assert rows[new.ozg_id]["action"] == "created" and same.leistung.ozg_id not in rows
    page = _page(staff, job)
    assert "Probelauf fertig: Der Import würde 1 anlegen, 1 ändern und 1 unverändert lassen." in page
    assert "geplant → in Umsetzung" in page
    # the same file without the dry run applies exactly what was shown
    upload(staff, text)
    real = ImportJob.objects.order_by("pk").last()
    assert (real.state, real.created_count, real.updated_count, real.unchanged_count) == ("done", 1, 1, 1)
    assert RolloutStatus.objects.count() == counts[0] + 1


def test_template_and_column_reference(staff, territory, upload):
    page = staff.get(reverse("admin:ozg_monitoring_importjob_add")).content.decode()
    assert "Spaltenübersicht" in page and "<code>maturity_level</code>" in page and "ende_zu_ende" in page
    template = staff.get(reverse("admin:ozg_monitoring_importjob_template"))
    text = template.content.decode()
    assert template["Content-Disposition"] == 'attachment; filename="statusimport-vorlage.csv"'
    assert text.startswith("\ufeffozg_id;ars;stage;")
    # the template, filled in, is read back (its example key exists here)
    OzgLeistungFactory(ozg_id=10218)
    upload(staff, text, dry_run=True)
    job = ImportJob.objects.get()
    assert (job.state, job.created_count) == ("done", 1), job.errors_shown


def test_job_list_opens_the_job_page(staff, territory):
    job = ImportJob.objects.create(file=SimpleUploadedFile("x.csv", b"ozg_id,ars\n"), state="done", total_rows=4)
    listing = staff.get(reverse("admin:ozg_monitoring_importjob_changelist")).content.decode()
    assert f'href="{job.get_absolute_url()}"' in listing
    response = staff.get(reverse("admin:ozg_monitoring_importjob_change", args=[job.pk]))
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()


def test_bulk_stage_change_asks_for_a_note_then_changes_all(staff, territory):
    statuses = [RolloutStatusFactory(verwaltung=territory.foehr, stage="nicht_geplant") for _ in range(3)]
    RolloutStatusFactory(verwaltung=territory.foehr, stage="geplant")
    selection = {"action": "mark_geplant", "_selected_action": [statuses[0].pk], "select_across": "1", "index": "0"}
    form = staff.post(CHANGELIST, selection)
    assert form.status_code == 200 and "Alle 4 ausgewählten Umsetzungsstände" in form.content.decode()
    assert RolloutStatus.objects.filter(stage="nicht_geplant").count() == 3  # nothing yet
    response = staff.post(CHANGELIST, {**selection, "apply": "1", "note": "Sammeländerung"}, follow=True)
    assert RolloutStatus.objects.filter(stage="geplant").count() == 4
    assert set(RolloutStatus.objects.filter(pk__in=[s.pk for s in statuses]).values_list("note", flat=True)) == {
        "Sammeländerung"
    }
    text = " ".join(str(m) for m in response.context["messages"])
    assert text == "4 von 4 ausgewählten Umsetzungsständen auf „geplant“ gesetzt."  # the 4th got the note
    again = staff.post(CHANGELIST, {**selection, "apply": "1", "note": ""}, follow=True)
    text = " ".join(str(m) for m in again.context["messages"])
    assert "0 von 4 ausgewählten" in text and "4 hatten diesen Stand schon und blieben unverändert." in text


def test_bulk_stage_change_is_not_capped(staff, territory, settings):
    """ "Alle auswählen" plus the action changed exactly 1,000 rows and said nothing: now every selected row."""
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = None
    leistungen = OzgLeistungFactory.create_batch(BULK_LIMIT + 5)
    RolloutStatus.objects.bulk_create(
        RolloutStatus(leistung=leistung, verwaltung=territory.foehr, stage="nicht_geplant") for leistung in leistungen
    )
    first = RolloutStatus.objects.order_by("pk").first()
    staff.post(
        CHANGELIST,
        {"action": "mark_geplant", "_selected_action": [first.pk], "select_across": "1", "index": "0", "apply": "1"},
    )
    assert RolloutStatus.objects.filter(stage="geplant").count() == BULK_LIMIT + 5


def test_bulk_backward_step_without_note_changes_nothing_and_says_why(staff, territory):
    statuses = [RolloutStatusFactory(verwaltung=territory.foehr, stage="in_umsetzung") for _ in range(2)]
    selection = {"action": "mark_geplant", "_selected_action": [s.pk for s in statuses], "apply": "1"}
    response = staff.post(CHANGELIST, selection, follow=True)
    assert RolloutStatus.objects.filter(stage="in_umsetzung").count() == 2
    assert "Nichts geändert: 2 von 2 ausgewählten Einträgen verletzen Regeln" in response.content.decode()
    staff.post(CHANGELIST, {**selection, "note": "Zurückgestellt"})
    assert RolloutStatus.objects.filter(stage="geplant").count() == 2
