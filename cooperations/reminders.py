"""Reminders of the cooperations app: what the daily run sends, to whom and when, and what found nobody.

Two kinds: an agreement "in Kraft" whose term ends within AGREEMENT_REMINDER_DAYS (90), an open obligation due
within OBLIGATION_REMINDER_DAYS (30). Each goes out once per item, threshold and end/due date (`ReminderLog`).

Recipients: the agreement's "Verantwortlich (ITV.SH)" if that account is active and has an address; this mail is
part of their job and cannot be declined. Without one: the active members (with an address) of the staff group
named by the setting REMINDER_FALLBACK_GROUP (default "Redaktion") who have not declined these mails
(`accounts.notifications`). A reminder that finds nobody is logged (logger.warning) and recorded as a
`ReminderLog` without recipients, so the start page can show it; once somebody can be reached, the next run sends
it.

Reads only: `due(today)` (what a run on `today` sends), `planned(today, days=14)` (what the runs of the next days
will send: what, to whom, when) and `unreached()`; the writes are `services.reminders_send`. Each read costs a fixed
number of queries, however many reminders there are.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts import notifications

from .models import Agreement, Obligation, ReminderLog

AGREEMENT_REMINDER_DAYS = 90
OBLIGATION_REMINDER_DAYS = 30
#: The kind of mail a member of the fallback group may decline.
NOTIFICATION_KIND = notifications.COOPERATION_REMINDERS


def fallback_group() -> str:
    return getattr(settings, "REMINDER_FALLBACK_GROUP", "") or "Redaktion"


@dataclass(frozen=True)
class Recipient:
    user_id: int
    email: str
    mandatory: bool  # the responsible person: no opt-out link


@dataclass
class Reminder:
    kind: str
    object_id: int
    threshold: int
    target: datetime.date
    send_on: datetime.date
    agreement: Agreement
    obligation: Obligation | None = None
    recipients: list[Recipient] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return str(ReminderLog.Kind(self.kind).label)

    @property
    def title(self) -> str:
        return self.obligation.title if self.obligation is not None else self.agreement.title

    @property
    def emails(self) -> list[str]:
        return [recipient.email for recipient in self.recipients]

    @property
    def to_fallback(self) -> bool:
        return bool(self.recipients) and not self.recipients[0].mandatory

    @property
    def admin_path(self) -> str:
        if self.obligation is not None:
            return reverse("admin:cooperations_obligation_change", args=[self.obligation.pk])
        return reverse("admin:cooperations_agreement_change", args=[self.agreement.pk])

    @property
    def public_path(self) -> str:
        return self.agreement.get_absolute_url()


def _fallback_recipients() -> list[Recipient]:
    users = get_user_model().objects.filter(groups__name=fallback_group(), is_active=True).exclude(email="")
    users = notifications.exclude_declined(users, NOTIFICATION_KIND).order_by("email", "pk").distinct()
    seen, result = set(), []
    for user_id, email in users.values_list("pk", "email"):
        if email not in seen:
            seen.add(email)
            result.append(Recipient(user_id=user_id, email=email, mandatory=False))
    return result


def recipients_for(agreement: Agreement, fallback: list[Recipient] | None = None) -> list[Recipient]:
    """The responsible person (mandatory), else the fallback group's members who want these mails. `fallback`:
    the group's recipients where the caller has read them already."""
    user = agreement.responsible
    if user is not None and user.is_active and user.email:
        return [Recipient(user_id=user.pk, email=user.email, mandatory=True)]
    return list(_fallback_recipients() if fallback is None else fallback)


def _candidates(start: datetime.date, until: datetime.date) -> list[Reminder]:
    """Every reminder whose send day lies in [start, until]: an item enters its window `threshold` days before its
    target date and is sent on the first run from then on (not before `start`, the first run considered)."""
    found: list[Reminder] = []
    for kind, threshold, items, date_of, agreement_of in (
        (
            ReminderLog.Kind.AGREEMENT_ENDING,
            AGREEMENT_REMINDER_DAYS,
            Agreement.objects.filter(status=Agreement.Status.IN_KRAFT).select_related("responsible"),
            "term_end",
            None,
        ),
        (
            ReminderLog.Kind.OBLIGATION_DUE,
            OBLIGATION_REMINDER_DAYS,
            Obligation.objects.filter(status=Obligation.Status.OFFEN).select_related(
                "agreement__responsible", "obligor"
            ),
            "due_on",
            "agreement",
        ),
    ):
        window = {f"{date_of}__gte": start, f"{date_of}__lte": until + datetime.timedelta(days=threshold)}
        for item in items.filter(**window):
            target = getattr(item, date_of)
            found.append(
                Reminder(
                    kind=kind,
                    object_id=item.pk,
                    threshold=threshold,
                    target=target,
                    send_on=max(start, target - datetime.timedelta(days=threshold)),
                    agreement=getattr(item, agreement_of) if agreement_of else item,
                    obligation=item if agreement_of else None,
                )
            )
    return found


def _sent_keys(reminders: list[Reminder]) -> set[tuple]:
    """Keys of the reminders already sent to somebody (an unreached record does not count: it is retried)."""
    if not reminders:
        return set()
    logs = ReminderLog.objects.filter(
        object_id__in={reminder.object_id for reminder in reminders}, sent_at__isnull=False
    ).values_list("kind", "object_id", "threshold_days", "target_date")
    return set(logs)


def _with_recipients(reminders: list[Reminder], start: datetime.date, until: datetime.date) -> list[Reminder]:
    reminders = [reminder for reminder in reminders if start <= reminder.send_on <= until]
    sent = _sent_keys(reminders)
    reminders = [r for r in reminders if (r.kind, r.object_id, r.threshold, r.target) not in sent]
    fallback = None
    for reminder in reminders:
        reminder.recipients = recipients_for(reminder.agreement, fallback)
        if not reminder.recipients or not reminder.recipients[0].mandatory:
            fallback = reminder.recipients  # the group is read once per call
    reminders.sort(key=lambda r: (r.send_on, r.kind, r.target, r.object_id))
    return reminders


def due(today: datetime.date) -> list[Reminder]:
    """What a run on `today` sends (or records as unreached)."""
    return _with_recipients(_candidates(today, today), today, today)


def planned(today: datetime.date, days: int = 14) -> list[Reminder]:
    """What the runs from `today` to `today + days` will send: each reminder with its day (`send_on`), its
    recipients (`emails`; empty: it would find nobody) and its item. Four queries at most."""
    until = today + datetime.timedelta(days=days)
    return _with_recipients(_candidates(today, until), today, until)


@dataclass(frozen=True)
class Unreached:
    log: ReminderLog
    title: str  # the agreement's or obligation's title; "nicht mehr vorhanden" where it was deleted
    admin_path: str


def unreached(limit: int | None = None) -> list[Unreached]:
    """Reminders that found no recipient and have not been sent since, newest first: three queries."""
    logs = list(ReminderLog.objects.filter(sent_at__isnull=True).order_by("-checked_at", "-pk")[:limit])
    ids = {kind: {log.object_id for log in logs if log.kind == kind} for kind in ReminderLog.Kind.values}
    titles = {
        ReminderLog.Kind.AGREEMENT_ENDING: dict(
            Agreement.objects.filter(pk__in=ids[ReminderLog.Kind.AGREEMENT_ENDING]).values_list("pk", "title")
        ),
        ReminderLog.Kind.OBLIGATION_DUE: dict(
            Obligation.objects.filter(pk__in=ids[ReminderLog.Kind.OBLIGATION_DUE]).values_list("pk", "title")
        ),
    }
    routes = {
        ReminderLog.Kind.AGREEMENT_ENDING: "admin:cooperations_agreement_change",
        ReminderLog.Kind.OBLIGATION_DUE: "admin:cooperations_obligation_change",
    }
    result = []
    for log in logs:
        title = titles[log.kind].get(log.object_id)
        result.append(
            Unreached(
                log=log,
                title=title or "nicht mehr vorhanden",
                admin_path=reverse(routes[log.kind], args=[log.object_id]) if title else "",
            )
        )
    return result
