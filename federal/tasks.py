"""Celery tasks: thin, call the service, safe to run twice (a second run makes another dated record set)."""

import logging

from celery import shared_task

from common.authorization import system_actor

from .services import FederalSyncError, federal_sync

logger = logging.getLogger(__name__)


@shared_task(name="federal.sync_monthly")
def sync_monthly() -> int:
    """The monthly sync with the federal dashboard (beat; the Bund updates monthly). Returns the set's id; a failed
    sync is logged with its reason, its set marked failed, and the task fails."""
    try:
        record_set = federal_sync(by=system_actor(), progress=logger.info)
    except FederalSyncError as error:
        logger.error("Abgleich mit dem Bundes-Dashboard fehlgeschlagen (Satz %s): %s", error.record_set.pk, error)
        raise
    return record_set.pk
