"""Writes of the open data app: rendering of CSV and JSON, and the immutable files of the monthly snapshots.

A monthly snapshot is written once under settings.OPENDATA_ROOT/ozg-status/ as <date>.csv and <date>.json: into a
temporary file in the same folder, then linked to its final name, which fails if the name exists. So a published
file is never overwritten, a half-written file is never visible, and writing the same month twice (a Celery retry,
a second beat, the backfill command) leaves the first file as it is and says so in the log.
"""

import datetime
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from common.csvfiles import OPEN_DATA, csv_writer
from common.stand import Stand

from . import selectors
from .datasets import (
    OZG_SNAPSHOTS,
    Dataset,
    csv_value,
    json_value,
    month_starts,
)

logger = logging.getLogger(__name__)

SNAPSHOT_FOLDER = "ozg-status"
FORMATS = ("csv", "json")
ROWS_PER_CHUNK = 500


# --- rendering ----------------------------------------------------------------------------------------------------


class _Line:
    """A file-like object that hands back what csv.writer writes, so that rows can be streamed."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(dataset: Dataset, rows: Iterable[list]) -> Iterator[str]:
    """UTF-8 CSV in the dialect `OPEN_DATA` (RFC 4180: comma, double quotes, CRLF, no BOM) with a header row, in
    chunks of about 500 rows."""
    writer = csv_writer(_Line(), dialect=OPEN_DATA)
    kinds = [column.type for column in dataset.columns]
    yield writer.writerow(dataset.column_names)
    chunk = []
    for row in rows:
        chunk.append(writer.writerow([csv_value(kind, value) for kind, value in zip(kinds, row, strict=True)]))
        if len(chunk) >= ROWS_PER_CHUNK:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def dataset_meta(dataset: Dataset, *, modified: datetime.datetime | None = None, **extra) -> dict:
    meta = {
        "dataset": dataset.slug,
        "title": str(dataset.title),
        "license": dataset.licence.name,
        "license_id": dataset.licence.id,
        "license_uri": dataset.licence.uri,
        "license_url": dataset.licence.url or None,
        **({"license_statement": dataset.licence.statement} if dataset.licence.statement else {}),
        "attribution": dataset.attribution,
    }
    if modified is not None:
        meta["modified"] = timezone.localtime(modified).replace(microsecond=0).isoformat()
        meta["stand"] = Stand(modified).text  # the portal's words for it (common/stand.py)
    meta.update(extra)
    meta["columns"] = [
        {"name": column.name, "type": column.type, "meaning": str(column.meaning)} for column in dataset.columns
    ]
    return meta


def json_chunks(dataset: Dataset, rows: Iterable[list], meta: dict) -> Iterator[str]:
    """{"meta": {...licence, attribution, modified, columns}, "rows": [{column: value}, ...]} in chunks."""
    names = dataset.column_names
    kinds = [column.type for column in dataset.columns]
    yield '{"meta": ' + json.dumps(meta, ensure_ascii=False) + ', "rows": ['
    chunk, first = [], True
    for row in rows:
        item = {name: json_value(kind, value) for name, kind, value in zip(names, kinds, row, strict=True)}
        chunk.append(("" if first else ",") + "\n" + json.dumps(item, ensure_ascii=False, separators=(",", ":")))
        first = False
        if len(chunk) >= ROWS_PER_CHUNK:
            yield "".join(chunk)
            chunk = []
    yield "".join(chunk) + "\n]}\n"


# --- monthly snapshots --------------------------------------------------------------------------------------------


def opendata_root() -> Path:
    return Path(getattr(settings, "OPENDATA_ROOT", Path(settings.VAR_DIR) / "opendata"))


def snapshot_folder() -> Path:
    return opendata_root() / SNAPSHOT_FOLDER


def snapshot_path(day: datetime.date, fmt: str) -> Path:
    if fmt not in FORMATS:
        raise ValueError(fmt)
    return snapshot_folder() / f"{day.isoformat()}.{fmt}"


@dataclass(frozen=True)
class SnapshotFile:
    date: datetime.date
    fmt: str
    path: Path
    size: int
    mtime: float

    @property
    def etag(self) -> str:
        """Strong: the file is never rewritten, so its size and modification time identify its bytes."""
        stat = self.path.stat()
        return f'"{self.date:%Y%m%d}-{stat.st_size:x}-{stat.st_mtime_ns:x}"'

    @property
    def modified(self) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(int(self.mtime), tz=datetime.UTC)


def snapshot_file(day: datetime.date, fmt: str) -> SnapshotFile | None:
    path = snapshot_path(day, fmt)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return SnapshotFile(date=day, fmt=fmt, path=path, size=stat.st_size, mtime=stat.st_mtime)


def published_snapshots() -> list[dict]:
    """The published months, newest first: [{"date", "csv": SnapshotFile, "json": SnapshotFile}]."""
    folder = snapshot_folder()
    if not folder.is_dir():
        return []
    found: dict[datetime.date, dict] = {}
    for entry in os.scandir(folder):
        stem, _dot, fmt = entry.name.partition(".")
        if fmt not in FORMATS or entry.name.startswith("."):
            continue
        try:
            day = datetime.date.fromisoformat(stem)
        except ValueError:
            continue
        stat = entry.stat()
        found.setdefault(day, {"date": day})[fmt] = SnapshotFile(
            day, fmt, Path(entry.path), stat.st_size, stat.st_mtime
        )
    return [found[day] for day in sorted(found, reverse=True) if all(fmt in found[day] for fmt in FORMATS)]


def _write_once(path: Path, chunks: Iterable[str]) -> bool:
    """Writes the file unless it exists: temp file in the same folder, then a hard link to the final name (which
    fails if the name exists, so a concurrent writer cannot overwrite either). Returns False when refused."""
    if path.exists():
        logger.warning("Offene Daten: %s ist bereits veröffentlicht und wird nicht überschrieben.", path)
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, before the link
        "w", encoding="utf-8", newline="", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
    )
    try:
        with handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, 0o444)
        try:
            os.link(handle.name, path)
        except FileExistsError:
            logger.warning("Offene Daten: %s ist bereits veröffentlicht und wird nicht überschrieben.", path)
            return False
    finally:
        os.unlink(handle.name)
    logger.info("Offene Daten: %s veröffentlicht.", path)
    return True


@dataclass
class PublishResult:
    written: list[Path] = field(default_factory=list)
    refused: list[Path] = field(default_factory=list)


def _publish_rows(day: datetime.date, rows: list[list], result: PublishResult) -> None:
    rows = [[day, *row] for row in rows]
    generated = timezone.localtime().replace(microsecond=0)
    meta = dataset_meta(
        OZG_SNAPSHOTS, modified=generated, stichtag=day.isoformat(), generated=generated.isoformat(), rows=len(rows)
    )
    for fmt, chunks in (("csv", csv_chunks(OZG_SNAPSHOTS, rows)), ("json", json_chunks(OZG_SNAPSHOTS, rows, meta))):
        path = snapshot_path(day, fmt)
        (result.written if _write_once(path, chunks) else result.refused).append(path)


def snapshots_publish(*, dates: Iterable[datetime.date]) -> PublishResult:
    """Publishes the monthly snapshot of each date (a first of a month) that is not yet published; a published
    one is refused and logged, never rewritten. The state of every date comes from one pass over the history."""
    dates = sorted(set(dates))
    for day in dates:
        if day.day != 1:
            raise ValueError(f"{day} ist kein Monatserster.")
    if day_in_future := [day for day in dates if day > timezone.localdate()]:
        raise ValueError(f"{day_in_future[0]} liegt in der Zukunft.")
    result = PublishResult()
    missing = []
    for day in dates:
        paths = [snapshot_path(day, fmt) for fmt in FORMATS]
        if all(path.exists() for path in paths):
            for path in paths:
                logger.warning("Offene Daten: %s ist bereits veröffentlicht und wird nicht überschrieben.", path)
            result.refused.extend(paths)
        else:
            missing.append(day)
    for day, rows in selectors.status_states_at(missing):
        _publish_rows(day, rows, result)
    return result


def snapshot_publish(*, date: datetime.date) -> PublishResult:
    """The monthly snapshot of the month that `date` falls in (its first day); safe to call twice."""
    return snapshots_publish(dates=[date.replace(day=1)])


def snapshot_backfill_dates(*, until: datetime.date | None = None) -> list[datetime.date]:
    """Every month start from the first one after the first recorded status change up to `until` (today)."""
    first = selectors.first_event_time()
    if first is None:
        return []
    return month_starts(timezone.localtime(first).date() + datetime.timedelta(days=1), until or timezone.localdate())


def publish_computed_snapshot(sender=None, *, date: datetime.date, **kwargs) -> None:
    """Receiver of `ozg_monitoring.signals.snapshot_computed` (connected in OpendataConfig.ready): publishes the month
    of every snapshot computed, whichever door computed it (the monthly task, the admin's recompute). A date in the
    future (the service accepts one for its aggregates) has no state to publish yet: logged and skipped."""
    if date.replace(day=1) > timezone.localdate():
        logger.warning("Offene Daten: kein Monatsstand für %s, der Monat hat noch nicht begonnen.", date)
        return
    snapshot_publish(date=date)
