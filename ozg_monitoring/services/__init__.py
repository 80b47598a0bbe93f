"""Writes with rules of the OZG monitoring, one module per job:

- `values`: the input of a status write, validated one way for every door, and applied in memory;
- `status`: one status or a bulk of up to 1,000 (concurrency-safe), with their history;
- `snapshots`: the monthly aggregates of the time series;
- `imports`: status rows from an uploaded CSV file;
- `catalogue`: staff's executing level of an OZG-Leistung;
- `linkcheck`: the link checker's runs and their stored results.

The names below are the package's interface (admin, API, commands, tasks and other apps import them from here).
"""

from .catalogue import LEISTUNG_LEVEL_SET, leistung_level_set, managed_entry_save
from .imports import IMPORT_JOB_CREATE, import_job_create, import_job_run
from .linkcheck import LINKCHECK_RUN, linkcheck_all, linkcheck_queue, linkcheck_statuses, linkcheck_verwaltung
from .snapshots import SNAPSHOT_CREATE, snapshot_aggregates, snapshot_create
from .status import (
    EVENT_FIELDS,
    STATUS_WRITE,
    BulkResult,
    BulkUpsertError,
    StaleVersionError,
    rollout_status_bulk_upsert,
    rollout_status_rule_errors,
    rollout_status_update,
)
from .values import BULK_LIMIT, STATUS_KINDS, TRACKED_FIELDS, coerce_changes, status_input, status_values

__all__ = [
    "BULK_LIMIT",
    "EVENT_FIELDS",
    "IMPORT_JOB_CREATE",
    "LEISTUNG_LEVEL_SET",
    "LINKCHECK_RUN",
    "SNAPSHOT_CREATE",
    "STATUS_KINDS",
    "STATUS_WRITE",
    "TRACKED_FIELDS",
    "BulkResult",
    "BulkUpsertError",
    "StaleVersionError",
    "coerce_changes",
    "import_job_create",
    "import_job_run",
    "leistung_level_set",
    "linkcheck_all",
    "linkcheck_queue",
    "linkcheck_statuses",
    "linkcheck_verwaltung",
    "managed_entry_save",
    "rollout_status_bulk_upsert",
    "rollout_status_rule_errors",
    "rollout_status_update",
    "snapshot_aggregates",
    "snapshot_create",
    "status_input",
    "status_values",
]
