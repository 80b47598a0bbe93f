"""Celery tasks: thin, call a service, safe to run twice.

The monthly snapshot files are written whenever ozg_monitoring computes a snapshot (its signal `snapshot_computed`,
received by opendata.services.publish_computed_snapshot); this task publishes a month on its own, e.g. to catch up
after an outage."""

from celery import shared_task
from django.utils import timezone

from .services import snapshot_publish


@shared_task(name="opendata.publish_snapshot")
def publish_snapshot(date: str | None = None) -> int:
    """Publishes the snapshot of the month of `date` (default: this month) unless published; returns files written."""
    day = timezone.localdate() if date is None else timezone.datetime.fromisoformat(date).date()
    return len(snapshot_publish(date=day).written)
