"""OZG notifications by mail (`common.mail.send`: German, plain text plus HTML, absolute links):

- the daily digest of Kommune changes for Monitoring (`kommune_changes_digest_send`): the status changes made by
  Kommune users (bound to Verwaltungen, not acting for all) since the last digest, once a day;
- the reminder to Kommunen whose statuses have not changed for `STALE_STATUS_MONTHS` months
  (`stale_status_reminders_send`), to the reporting members of each Verwaltung, at most once every
  `OZG_STALE_REMINDER_DAYS` days.

Both are idempotent like the cooperations' ReminderLog: a NotificationLog row (unique per kind, Verwaltung and day)
is written in the same transaction as the send; a second run finds it and sends nothing, a failed send rolls it back.
"""

import calendar
import datetime
import logging
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts import notifications
from accounts.models import VerwaltungMembership
from accounts.selectors import ACT_FOR_ALL_PERMISSION
from common.authorization import Rule
from common.mail import absolute_url, send
from organisations import selectors as register

from ..history import describe_events
from ..models import NotificationLog, RolloutStatus, StatusEvent

logger = logging.getLogger(__name__)

NOTIFICATIONS_SEND = Rule(
    action=_lazy("OZG-Benachrichtigungen versenden"), perms=("ozg_monitoring.add_notificationlog",)
)
DIGEST_GROUP_DEFAULT = "Monitoring"
STALE_STATUS_MONTHS_DEFAULT = 6
STALE_REMINDER_DAYS_DEFAULT = 30
DIGEST_MAX_LINES = 200  # a longer digest names the rest by count and links to the list


def stale_months() -> int:
    return int(getattr(settings, "STALE_STATUS_MONTHS", STALE_STATUS_MONTHS_DEFAULT))


def stale_before(now: datetime.datetime) -> datetime.datetime:
    """A status last changed before this moment is stale."""
    years, month = divmod(now.month - 1 - stale_months(), 12)
    year, month = now.year + years, month + 1
    return now.replace(year=year, month=month, day=min(now.day, calendar.monthrange(year, month)[1]))


def digest_members():
    """The members of the digest's group (OZG_DIGEST_GROUP, default Monitoring), a queryset."""
    group = getattr(settings, "OZG_DIGEST_GROUP", DIGEST_GROUP_DEFAULT)
    return get_user_model().objects.filter(groups__name=group)


def digest_recipients() -> list[str]:
    """The addresses the digest goes to: active members with an address who have not declined it."""
    members = notifications.members_to_tell(digest_members(), notifications.KOMMUNE_DIGEST)
    return [user.email for user in members]


def _kommune_events(since, until):
    """Status events written by Kommune users (bound to a Verwaltung, not a superuser, not acting for all)."""
    app_label, codename = ACT_FOR_ALL_PERMISSION.split(".")
    acting_for_all = get_user_model().objects.filter(
        groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label
    )
    return (
        StatusEvent.objects.filter(changed_at__gt=since, changed_at__lte=until)
        .filter(changed_by__verwaltung_memberships__isnull=False, changed_by__is_superuser=False)
        .exclude(changed_by__in=acting_for_all)
        .distinct()
        .select_related("leistung", "verwaltung", "changed_by")
        .order_by("verwaltung__ars", "changed_at", "pk")
    )


def kommune_changes_digest_send(*, by, now: datetime.datetime | None = None) -> int:
    """The digest of Kommune changes since the last one (or the last 24 hours), to the group Monitoring; once per
    day. Returns the number of changes reported (0: nothing sent)."""
    NOTIFICATIONS_SEND.require(by)
    now = now or timezone.now()
    today = timezone.localdate(now)
    if NotificationLog.objects.filter(kind=NotificationLog.Kind.DIGEST, period=today).exists():
        return 0
    last = NotificationLog.objects.filter(kind=NotificationLog.Kind.DIGEST).order_by("-covered_until").first()
    since = last.covered_until if last and last.covered_until else now - datetime.timedelta(days=1)
    events = list(_kommune_events(since, now))
    if not events:
        return 0
    recipients = digest_recipients()
    if not recipients:
        logger.warning("ozg digest: %s changes, but the group has no recipient with an address", len(events))
        return 0
    describe_events(events[:DIGEST_MAX_LINES])
    by_verwaltung = defaultdict(list)
    for event in events[:DIGEST_MAX_LINES]:
        by_verwaltung[event.verwaltung].append(event)
    history_url = reverse("admin:ozg_monitoring_statusevent_changelist")
    context = {
        "since": timezone.localtime(since),
        "until": timezone.localtime(now),
        "count": len(events),
        "more": max(0, len(events) - DIGEST_MAX_LINES),
        "groups": [
            {
                "verwaltung": verwaltung,
                "events": [
                    {
                        "when": timezone.localtime(event.changed_at),
                        "leistung": event.leistung,
                        "text": event.changes_text,
                        "by": event.changed_by.get_full_name() or event.changed_by.get_username(),
                        "url": absolute_url(reverse("admin:ozg_monitoring_statusevent_change", args=[event.pk])),
                    }
                    for event in verwaltung_events
                ],
            }
            for verwaltung, verwaltung_events in by_verwaltung.items()
        ],
        "history_url": absolute_url(
            history_url + "?" + urlencode({"changed_at__gt": since.isoformat(), "changed_at__lte": now.isoformat()})
        ),
    }
    subject = _("OZG-Monitoring: %(n)d Änderungen der Kommunen seit %(since)s") % {
        "n": len(events),
        "since": context["since"].strftime("%d.%m.%Y %H:%M"),
    }
    try:
        with transaction.atomic():
            NotificationLog.objects.create(
                kind=NotificationLog.Kind.DIGEST,
                period=today,
                covered_until=now,
                items=len(events),
                recipients=", ".join(recipients),
                sent_at=now,
            )
            notifications.send_to_members(
                digest_members(),
                notifications.KOMMUNE_DIGEST,
                subject=subject,
                template="ozg_kommune_digest",
                context=context,
            )
    except IntegrityError:  # a parallel run sent it
        return 0
    return len(events)


def stale_verwaltungen(*, now: datetime.datetime | None = None) -> list[dict]:
    """Per Verwaltung with stale statuses: the Verwaltung, how many, and the oldest change. Sorted by ARS."""
    now = now or timezone.now()
    rows = (
        RolloutStatus.objects.filter(updated_at__lt=stale_before(now), is_demo=False)
        .values("verwaltung")
        .annotate(count=Count("pk"), oldest=Min("updated_at"))
        .order_by()
    )
    found = {row["verwaltung"]: row for row in rows}
    bodies = {body.pk: body for body in register.bodies_by_keys(set(), set(found))}
    return sorted(
        (
            {"verwaltung": bodies[pk], "count": row["count"], "oldest": row["oldest"]}
            for pk, row in found.items()
            if pk in bodies
        ),
        key=lambda entry: entry["verwaltung"].ars or "",
    )


def _reporting_members(verwaltung_ids) -> dict[int, list]:
    """Per Verwaltung: its reporting members who are active, have an address and want these reminders (one per
    address), in one query."""
    members = defaultdict(dict)
    wanting = notifications.exclude_declined(get_user_model().objects.all(), notifications.STALE_STATUS_REMINDERS)
    memberships = (
        VerwaltungMembership.objects.writing()
        .filter(organisation_id__in=verwaltung_ids, user__is_active=True, user__in=wanting)
        .exclude(user__email="")
        .select_related("user")
        .order_by("user__email", "user__pk")
    )
    for membership in memberships:
        members[membership.organisation_id].setdefault(membership.user.email, membership.user)
    return {key: list(value.values()) for key, value in members.items()}


def stale_status_reminders_send(*, by, now: datetime.datetime | None = None) -> dict:
    """Reminds each Verwaltung with stale statuses (unchanged for STALE_STATUS_MONTHS months) through its reporting
    members, at most once every OZG_STALE_REMINDER_DAYS days. Returns {"sent": n, "no_recipient": n}."""
    NOTIFICATIONS_SEND.require(by)
    now = now or timezone.now()
    today = timezone.localdate(now)
    interval = int(getattr(settings, "OZG_STALE_REMINDER_DAYS", STALE_REMINDER_DAYS_DEFAULT))
    stale = stale_verwaltungen(now=now)
    recently = set(
        NotificationLog.objects.filter(
            kind=NotificationLog.Kind.STALE, period__gt=today - datetime.timedelta(days=interval)
        ).values_list("object_id", flat=True)
    )
    stale = [entry for entry in stale if entry["verwaltung"].pk not in recently]
    members = _reporting_members([entry["verwaltung"].pk for entry in stale])
    before = stale_before(now)
    changelist = reverse("admin:ozg_monitoring_rolloutstatus_changelist")
    sent = no_recipient = 0
    for entry in stale:
        verwaltung = entry["verwaltung"]
        users = members.get(verwaltung.pk, [])
        recipients = [user.email for user in users]
        if not recipients:
            no_recipient += 1
            logger.warning("ozg stale reminder: %s has no reporting member with an address", verwaltung.pk)
            continue
        query = {"verwaltung__id__exact": verwaltung.pk, "updated_at__lt": before.date().isoformat()}
        context = {
            "verwaltung": verwaltung,
            "count": entry["count"],
            "oldest": timezone.localtime(entry["oldest"]),
            "months": stale_months(),
            "list_url": absolute_url(changelist + "?" + urlencode(query)),
            "import_url": absolute_url(reverse("admin:ozg_monitoring_importjob_add")),
        }
        subject = _("Bitte prüfen: %(n)d Umsetzungsstände von %(name)s seit %(months)d Monaten unverändert") % {
            "n": entry["count"],
            "name": verwaltung.name,
            "months": stale_months(),
        }
        try:
            with transaction.atomic():
                NotificationLog.objects.create(
                    kind=NotificationLog.Kind.STALE,
                    object_id=verwaltung.pk,
                    period=today,
                    items=entry["count"],
                    recipients=", ".join(recipients),
                    sent_at=now,
                )
                for user in users:
                    send(
                        to=[user.email],
                        subject=subject,
                        template="ozg_stale_reminder",
                        context=context,
                        optout_path=notifications.optout_path(user, notifications.STALE_STATUS_REMINDERS),
                    )
        except IntegrityError:
            continue
        sent += 1
    return {"sent": sent, "no_recipient": no_recipient}
