"""The running count of statuses per stage (`models.StageTally`), kept by PostgreSQL triggers (installed by
migration 0017, which holds their SQL).

Each statement that writes the status table adds what it changed, in the same transaction: an INSERT its new rows
per stage (+n), a DELETE its old ones (-n), an UPDATE both (rows whose stage did not change cancel out and add
nothing), a TRUNCATE empties the tally. The triggers are statement triggers with transition tables, so a bulk
upsert of 1,000 statuses adds at most one row per stage, and they only ever insert: concurrent writers never wait
for each other on the tally. Any snapshot sees the tally and the statuses alike, so the sum per stage is exactly
what `COUNT(*)` would say.

`compact()` (every ten minutes, Celery beat `ozg-stage-tally`) folds the rows into one per stage, and then writes
the difference from a true count, should there be one (the triggers disabled, a restore without them): a count of
the statuses and the tally in one statement, so in one snapshot, without any lock. A repair is logged."""

import logging

from django.db import connection, connections, transaction

from .models import RolloutStatus, StageTally

log = logging.getLogger(__name__)

TALLY = StageTally._meta.db_table
STATUS = RolloutStatus._meta.db_table


def available(using: str | None = None) -> bool:
    """Whether the database keeps the tally (PostgreSQL)."""
    return connections[using or StageTally.objects.db].vendor == "postgresql"


def compact() -> dict:
    """Folds the tally into one row per stage and repairs it where it differs from a true count. Returns
    {"rows_before": …, "rows_after": …, "repaired": {stage: difference}}; nothing to do on SQLite."""
    if not available("default"):
        return {"rows_before": 0, "rows_after": 0, "repaired": {}}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {TALLY}")  # noqa: S608
        rows_before = cursor.fetchone()[0]
        cursor.execute(
            f"WITH gone AS (DELETE FROM {TALLY} RETURNING stage, n) "  # noqa: S608
            f"INSERT INTO {TALLY} (stage, n) SELECT stage, SUM(n) FROM gone GROUP BY stage HAVING SUM(n) <> 0"
        )
        cursor.execute(
            f"INSERT INTO {TALLY} (stage, n) SELECT stage, SUM(n) FROM ("  # noqa: S608
            f"SELECT stage, COUNT(*) AS n FROM {STATUS} GROUP BY stage "
            f"UNION ALL SELECT stage, -n FROM {TALLY}) d GROUP BY stage HAVING SUM(n) <> 0 RETURNING stage, n"
        )
        repaired = dict(cursor.fetchall())
        cursor.execute(f"SELECT COUNT(*) FROM {TALLY}")  # noqa: S608
        rows_after = cursor.fetchone()[0]
    if repaired:
        log.error("Zählung je Umsetzungsstand wich von der Zählung der Umsetzungsstände ab, korrigiert: %s", repaired)
    return {"rows_before": rows_before, "rows_after": rows_after, "repaired": repaired}
