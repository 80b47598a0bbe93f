"""Status rows from an uploaded CSV file: checked row by row with progress, then written all or nothing, as the
uploader (her rule and her Verwaltungen apply to every row)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from audit.context import acting_as
from common.authorization import Rule
from common.csvfiles import SPREADSHEET, CsvFileError, csv_text, decode_csv_bytes, read_csv_rows
from common.messages import message
from common.provenance import SourceKind

from ..models import ImportJob
from .status import BulkUpsertError, rollout_status_bulk_upsert

IMPORT_JOB_CREATE = Rule(
    action=_lazy("Umsetzungsstände aus einer Datei importieren"), perms=("ozg_monitoring.add_importjob",)
)


# --- CSV upload of status rows -----------------------------------------------------------------------------

IMPORT_CHUNK = 500
IMPORT_REQUIRED_COLUMNS = ["ozg_id", "ars"]


def _error_report(errors: list[dict]) -> str:
    """The downloadable error report. It repeats cells of the upload: written formula-safe (a cell "=…" stays text)."""
    return csv_text(
        ["zeile", "ozg_id", "ars", "feld", "fehler"],
        (
            [error.get("line", ""), error.get("ozg_id", ""), error.get("ars", ""), field_name, text]
            for error in errors
            for field_name, texts in error["errors"].items()
            for text in texts
        ),
        dialect=SPREADSHEET,
    )


def _read_import_rows(job) -> list[dict]:
    """The rows of an uploaded status CSV. Raises CsvFileError (German, with the line) for a file that is not
    UTF-8 CSV, lacks a required column or data rows, or names the same Leistung and Verwaltung twice."""
    job.file.open("rb")
    try:
        text = decode_csv_bytes(job.file.read())
    finally:
        job.file.close()
    header, rows = read_csv_rows(text)  # comma or semicolon
    missing = [column for column in IMPORT_REQUIRED_COLUMNS if column not in header]
    if missing:
        raise CsvFileError(message("csv.columns_missing") % {"columns": ", ".join(missing)}, 1)
    if not rows:
        raise CsvFileError(message("csv.no_rows"))
    seen, items = {}, []
    for line, row in rows:
        pair = (row["ozg_id"].strip(), row["ars"].strip())
        if pair in seen:
            raise CsvFileError(
                _("OZG-ID %(ozg)s und ARS %(ars)s kommen doppelt vor (auch in Zeile %(first)d).")
                % {"ozg": pair[0][:20], "ars": pair[1][:20], "first": seen[pair]},
                line,
            )
        seen[pair] = line
        # Empty cells mean "leave as is"; only filled cells are changes.
        items.append({"_line": line, **{key: value for key, value in row.items() if key and value != ""}})
    return items


class _DryRun(Exception):
    pass


def import_job_run(*, job) -> None:
    """Checks every row (progress visible while it runs), then applies all rows in one transaction. Any error:
    the job fails with a downloadable report and nothing is changed. The uploader acts (rules, Verwaltungen, the
    audit trail), through whatever door runs the job (a Celery task, a command); the rows' source is "Datei-Import"."""
    with acting_as(user=job.uploaded_by, source=SourceKind.IMPORT):
        _import_job_run(job)


def _import_job_run(job) -> None:
    job.state, job.processed_rows = ImportJob.State.RUNNING, 0
    job.save(update_fields=["state", "processed_rows"])
    try:
        rows = _read_import_rows(job)
    except CsvFileError as error:
        job.state, job.error_count, job.finished_at = ImportJob.State.FAILED, 1, timezone.now()
        job.error_report = _error_report([{"line": error.line or "", "errors": {"datei": [error.message]}}])
        job.save(update_fields=["state", "error_count", "error_report", "finished_at"])
        return
    job.total_rows = len(rows)
    job.save(update_fields=["total_rows"])
    by = job.uploaded_by  # the uploader acts: the rule and her Verwaltungen apply to every row
    errors = []
    for start in range(0, len(rows), IMPORT_CHUNK):
        chunk = rows[start : start + IMPORT_CHUNK]
        items = [{key: value for key, value in row.items() if key != "_line"} for row in chunk]
        try:
            with transaction.atomic():
                rollout_status_bulk_upsert(items=items, by=by)
                raise _DryRun
        except _DryRun:
            pass
        except BulkUpsertError as error:
            for entry in error.errors:
                errors.append({**entry, "line": chunk[entry["index"]]["_line"]})
        except PermissionDenied as error:
            errors.append({"line": "", "errors": {"datei": [str(error)]}})
            break
        job.processed_rows = start + len(chunk)
        job.save(update_fields=["processed_rows"])
    if not errors:
        try:
            with transaction.atomic():
                created = updated = 0
                for start in range(0, len(rows), IMPORT_CHUNK):
                    items = [
                        {k: v for k, v in row.items() if k != "_line"} for row in rows[start : start + IMPORT_CHUNK]
                    ]
                    result = rollout_status_bulk_upsert(items=items, by=by)
                    created, updated = created + result.created, updated + result.updated
        except BulkUpsertError as error:
            errors = [{**entry, "line": ""} for entry in error.errors]
    job.finished_at = timezone.now()
    if errors:
        job.state, job.error_count, job.error_report = ImportJob.State.FAILED, len(errors), _error_report(errors)
        job.save(update_fields=["state", "error_count", "error_report", "finished_at"])
        return
    job.state, job.created_count, job.updated_count = ImportJob.State.DONE, created, updated
    job.save(update_fields=["state", "created_count", "updated_count", "finished_at"])


@transaction.atomic
def import_job_create(*, file, by):
    """Stores the upload and queues its processing once the row is committed."""
    from ..tasks import import_job_process

    IMPORT_JOB_CREATE.require(by)
    job = ImportJob(file=file, uploaded_by=by)
    job.full_clean()
    job.save()
    transaction.on_commit(lambda: import_job_process.delay(job.pk))
    return job
