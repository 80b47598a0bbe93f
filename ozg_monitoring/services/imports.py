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

from ..history import describe_events
from ..models import ImportJob, RolloutStatus, Stage, StatusEvent
from .status import BulkUpsertError, rollout_status_bulk_upsert

IMPORT_JOB_CREATE = Rule(
    action=_lazy("Umsetzungsstände aus einer Datei importieren"), perms=("ozg_monitoring.add_importjob",)
)


# --- CSV upload of status rows -----------------------------------------------------------------------------

IMPORT_CHUNK = 500
IMPORT_REQUIRED_COLUMNS = ["ozg_id", "ars"]
#: How many errors and previewed rows the job's page shows; the downloadable report has all errors.
SHOWN_ROWS = 100
FILE_FIELD = "datei"  # the "field" of an error about the whole file


def import_columns() -> list[tuple[str, bool, str]]:
    """The columns of the status upload (name, required, meaning), for the template file and the column reference
    on the upload page; allowed values are read from the model's choices."""
    stages = ", ".join(Stage.values)
    platforms = ", ".join(RolloutStatus.Platform.values)
    models = " oder ".join(RolloutStatus.MaturityModel.values)
    return [
        ("ozg_id", True, _("OZG-ID der Leistung, z. B. 10218.")),
        ("ars", True, _("Amtlicher Regionalschlüssel der Verwaltung, 12 Ziffern, z. B. 010545488000.")),
        ("stage", False, _("Umsetzungsstand, einer von: %(values)s.") % {"values": stages}),
        ("maturity_model", False, _("Reifegradmodell: %(values)s.") % {"values": models}),
        ("maturity_level", False, _("Reifegrad: 0–4 nach Modell 1.1, 0–7 nach Modell 2.0.")),
        ("url", False, _("Adresse des Online-Dienstes (https://…).")),
        ("provider", False, _("ARS des Anbieters (EfA), wenn nicht die Verwaltung selbst anbietet.")),
        ("provider_name", False, _("Name des Anbieters, wenn er keinen ARS hat.")),
        ("platform", False, _("Plattform, einer von: %(values)s.") % {"values": platforms}),
        ("planned_go_live", False, _("Geplanter Start, JJJJ-MM-TT.")),
        ("actual_go_live", False, _("Tatsächlicher Start, JJJJ-MM-TT.")),
        ("note", False, _("Anmerkung; Pflicht, wenn der Stand zurückgesetzt wird.")),
        ("version", False, _("Version, die Sie zuletzt gelesen haben (aus dem Export); 0 für „noch kein Stand“.")),
    ]


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


def _errors_shown(errors: list[dict]) -> list[dict]:
    """The first `SHOWN_ROWS` errors as the job's page lists them: line, field, message (one per message)."""
    shown = []
    for error in errors:
        for field_name, texts in error["errors"].items():
            for text in texts:
                if len(shown) >= SHOWN_ROWS:
                    return shown
                shown.append(
                    {
                        "line": error.get("line") or "",
                        "ozg_id": error.get("ozg_id", ""),
                        "ars": error.get("ars", ""),
                        "field": field_name,
                        "message": str(text),
                    }
                )
    return shown


def import_template_text() -> str:
    """The template file of the upload: the header and one example row, as the admin's export writes it
    (semicolon, UTF-8 with byte order mark); the import reads it back, comma or semicolon."""
    example = {"ozg_id": "10218", "ars": "010545488000", "stage": "geplant", "planned_go_live": "2027-01-01"}
    names = [name for name, _required, _text in import_columns()]
    return csv_text(names, [[example.get(name, "") for name in names]], dialect=SPREADSHEET)


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


def _preview_rows(chunk: list[dict], result) -> list[dict]:
    """What one checked chunk would create and change, in words (old → new), with the line of the file."""
    lines = {(str(row.get("ozg_id", "")).strip(), str(row.get("ars", "")).strip()): row["_line"] for row in chunk}
    events = [
        StatusEvent(
            action=StatusEvent.Action.CREATED if created else StatusEvent.Action.CHANGED,
            old_values=old,
            new_values=new,
        )
        for _status, created, old, new in result.changes
    ]
    describe_events(events)
    rows = []
    for (status, created, _old, _new), event in zip(result.changes, events, strict=True):
        key = (str(status.leistung.ozg_id), status.verwaltung.ars)
        rows.append(
            {
                "line": lines.get(key, ""),
                "ozg_id": key[0],
                "ars": key[1],
                "verwaltung": status.verwaltung.name,
                "action": "created" if created else "changed",
                "changes": [{"label": c.label, "old": c.old, "new": c.new, "text": c.text} for c in event.changes],
            }
        )
    return rows


def import_job_run(*, job) -> None:
    """Checks every row (progress visible while it runs), then applies all rows in one transaction. Any error:
    the job fails with its first errors on its page, a downloadable report, and nothing is changed. A dry run
    ("Probelauf", `job.dry_run`) stops after the check: it records what would be created, changed (old → new) and
    left unchanged, and writes no status. The uploader acts (rules, Verwaltungen, the audit trail), through
    whatever door runs the job (a Celery task, a command); the rows' source is "Datei-Import"."""
    with acting_as(user=job.uploaded_by, source=SourceKind.IMPORT):
        _import_job_run(job)


def _fail(job, errors: list[dict]) -> None:
    job.state, job.error_count, job.finished_at = ImportJob.State.FAILED, len(errors), timezone.now()
    job.error_report, job.errors_shown = _error_report(errors), _errors_shown(errors)
    job.save(update_fields=["state", "error_count", "error_report", "errors_shown", "finished_at"])


def _import_job_run(job) -> None:
    job.state, job.processed_rows = ImportJob.State.RUNNING, 0
    job.save(update_fields=["state", "processed_rows"])
    try:
        rows = _read_import_rows(job)
    except CsvFileError as error:
        _fail(job, [{"line": error.line or "", "errors": {FILE_FIELD: [error.message]}}])
        return
    job.total_rows = len(rows)
    job.save(update_fields=["total_rows"])
    by = job.uploaded_by  # the uploader acts: the rule and her Verwaltungen apply to every row
    errors, preview = [], []
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for start in range(0, len(rows), IMPORT_CHUNK):
        chunk = rows[start : start + IMPORT_CHUNK]
        items = [{key: value for key, value in row.items() if key != "_line"} for row in chunk]
        try:
            with transaction.atomic():
                result = rollout_status_bulk_upsert(items=items, by=by)
                if len(preview) < SHOWN_ROWS:
                    preview += _preview_rows(chunk, result)[: SHOWN_ROWS - len(preview)]
                for name in counts:
                    counts[name] += getattr(result, name)
                raise _DryRun  # the check writes nothing: its savepoint is rolled back
        except _DryRun:
            pass
        except BulkUpsertError as error:
            for entry in error.errors:
                errors.append({**entry, "line": chunk[entry["index"]]["_line"]})
        except PermissionDenied as error:
            errors.append({"line": "", "errors": {FILE_FIELD: [str(error)]}})
            break
        job.processed_rows = start + len(chunk)
        job.save(update_fields=["processed_rows"])
    if errors:
        _fail(job, errors)
        return
    job.preview = {"rows": preview, "more": max(0, counts["created"] + counts["updated"] - len(preview))}
    if not job.dry_run:
        try:
            with transaction.atomic():
                counts = {"created": 0, "updated": 0, "unchanged": 0}
                for start in range(0, len(rows), IMPORT_CHUNK):
                    items = [
                        {k: v for k, v in row.items() if k != "_line"} for row in rows[start : start + IMPORT_CHUNK]
                    ]
                    result = rollout_status_bulk_upsert(items=items, by=by)
                    for name in counts:
                        counts[name] += getattr(result, name)
        except BulkUpsertError as error:
            _fail(job, [{**entry, "line": ""} for entry in error.errors])
            return
    job.finished_at = timezone.now()
    job.state = ImportJob.State.DONE
    job.created_count, job.updated_count = counts["created"], counts["updated"]
    job.unchanged_count = counts["unchanged"]
    job.save(update_fields=["state", "created_count", "updated_count", "unchanged_count", "preview", "finished_at"])


@transaction.atomic
def import_job_create(*, file, by, dry_run: bool = False):
    """Stores the upload and queues its processing once the row is committed; a dry run only checks it."""
    from ..tasks import import_job_process

    IMPORT_JOB_CREATE.require(by)
    job = ImportJob(file=file, uploaded_by=by, dry_run=dry_run)
    job.full_clean()
    job.save()
    transaction.on_commit(lambda: import_job_process.delay(job.pk))
    return job
