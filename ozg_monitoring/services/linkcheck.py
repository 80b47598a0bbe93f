"""The link checker's writes: which statuses are checked, under which rule, and the stored results.

- Off unless the setting `LINKCHECK_ENABLED` is true (production enables it; tests, `make run` and CI leave it
  off, and a test that turns it on allow-lists only its own local servers).
- Checked: every status with a URL that is not demo data (`is_demo`): demo URLs are never requested. A URL shared
  by many statuses (an EfA service) is requested once per run; each status gets its own `LinkCheck` row.
- Rule `LINKCHECK_RUN` ("Links prüfen"): the permission `ozg_monitoring.add_linkcheck` (group Monitoring) and a
  Verwaltung the user may act for. The daily Celery task acts as the system actor.
- Nothing here changes a status: the results are history of their own (`LinkCheck`, append-only); the last one per
  status is read through `selectors.last_check_for`.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from accounts.authorization import verwaltung_scope
from common.authorization import Rule

from .. import linkcheck
from ..models import LinkCheck, RolloutStatus

LINKCHECK_RUN = Rule(
    action=_lazy("Links prüfen"),
    perms=("ozg_monitoring.add_linkcheck",),
    scope=verwaltung_scope(lambda verwaltung: verwaltung.pk),
)
WRITE_CHUNK = 500


@dataclass
class LinkCheckSummary:
    enabled: bool = True
    statuses: int = 0
    urls: int = 0
    ok: int = 0
    broken: int = 0


def linkcheck_enabled() -> bool:
    return bool(getattr(settings, "LINKCHECK_ENABLED", False))


def checkable_statuses(statuses=None):
    """The statuses the checker requests: with a URL, not demo data."""
    statuses = RolloutStatus.objects.all() if statuses is None else statuses
    return statuses.filter(is_demo=False).exclude(url="")


def linkcheck_statuses(*, statuses, by) -> LinkCheckSummary:
    """Checks the URLs of the given statuses (a queryset) and stores one LinkCheck per status."""
    LINKCHECK_RUN.require(by)
    if not linkcheck_enabled():
        return LinkCheckSummary(enabled=False)
    rows = list(checkable_statuses(statuses).select_related("verwaltung"))
    for verwaltung in {status.verwaltung_id: status.verwaltung for status in rows}.values():
        LINKCHECK_RUN.require(by, verwaltung)
    results = linkcheck.check_many(status.url for status in rows)
    now = timezone.now()
    checks = [
        LinkCheck(
            status_id=status.pk,
            url=status.url,
            checked_at=now,
            ok=results[status.url].ok,
            http_status=results[status.url].http_status,
            error=results[status.url].error,
            final_url=results[status.url].final_url,
            duration_ms=results[status.url].duration_ms,
        )
        for status in rows
    ]
    with transaction.atomic():
        LinkCheck.objects.bulk_create(checks, batch_size=WRITE_CHUNK)
    ok = sum(1 for check in checks if check.ok)
    return LinkCheckSummary(statuses=len(checks), urls=len(results), ok=ok, broken=len(checks) - ok)


def linkcheck_verwaltung(*, verwaltung, by) -> LinkCheckSummary:
    """Checks the links of one Verwaltung's statuses (on demand: the admin action, through its task)."""
    LINKCHECK_RUN.require(by, verwaltung)
    return linkcheck_statuses(statuses=RolloutStatus.objects.filter(verwaltung=verwaltung), by=by)


def linkcheck_all(*, by) -> LinkCheckSummary:
    """Checks every status's link (the daily task)."""
    return linkcheck_statuses(statuses=RolloutStatus.objects.all(), by=by)


def linkcheck_queue(*, verwaltungen, by) -> int:
    """Queues one check per Verwaltung (Celery, after the commit) for `by`; the number queued. Refuses (the rule)
    before it queues anything."""
    from ..tasks import linkcheck_verwaltung_task

    verwaltungen = list(verwaltungen)
    LINKCHECK_RUN.require(by)
    for verwaltung in verwaltungen:
        LINKCHECK_RUN.require(by, verwaltung)
    for verwaltung in verwaltungen:
        transaction.on_commit(lambda pk=verwaltung.pk: linkcheck_verwaltung_task.delay(verwaltung_id=pk, user_id=by.pk))
    return len(verwaltungen)


def acting_user(user_id):
    """The user a queued check acts for (inactive users fail the rule), or None when the account is gone."""
    return get_user_model().objects.filter(pk=user_id).first()
