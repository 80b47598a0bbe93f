"""Which mails a user may decline, and whether they want them.

A kind of notification is a name in `KINDS` with the German text the opt-out page shows. Mails about one's own
responsibility (the reminders to the person named "Verantwortlich (ITV.SH)" of an agreement) have no kind: they
are part of the job and cannot be declined. Mails a user receives only as a member of a group (the fallback
recipients of reminders) can be declined; the link in each such mail carries a signed token
(`optout_path(user, kind)`), so the page works without logging in.

Mails to a group (the drawdown-request notice to the reviewers, Monitoring's daily digest of Kommune changes, the
reminder of stale statuses to a Verwaltung's reporting members) go through `send_to_members`: one message per
member who has not declined that kind, each with its own absolute opt-out link. Mails to the person responsible for
an obligation or agreement do not use it and carry no link.
"""

from __future__ import annotations

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common import mail

from .models import NotificationPreference

#: Kind of mail -> what the opt-out page calls it.
COOPERATION_REMINDERS = "cooperations.reminders"
DRAWDOWN_REQUESTS = "funding.drawdown_requests"
KOMMUNE_DIGEST = "ozg_monitoring.kommune_digest"
STALE_STATUS_REMINDERS = "ozg_monitoring.stale_reminders"
KINDS = {
    COOPERATION_REMINDERS: _(
        "Erinnerungen an endende Vereinbarungen und fällige Verpflichtungen, die Sie als Mitglied der "
        "Ersatzgruppe erhalten (für Vereinbarungen ohne verantwortliche Person)"
    ),
    DRAWDOWN_REQUESTS: _("Hinweise auf neue Mittelabrufe, die auf Prüfung warten"),
    KOMMUNE_DIGEST: _("Die tägliche Übersicht der Änderungen der Kommunen im OZG-Monitoring"),
    STALE_STATUS_REMINDERS: _("Erinnerungen an lange nicht geprüfte Umsetzungsstände Ihrer Verwaltung"),
}

_SALT = "accounts.notifications.optout"


def wants(user, kind: str) -> bool:
    """True unless the user has declined this kind of mail."""
    if kind not in KINDS:
        raise KeyError(kind)
    return not NotificationPreference.objects.filter(user=user, kind=kind, wants=False).exists()


def exclude_declined(users, kind: str):
    """The users of a queryset who have not declined this kind of mail (one query with the queryset)."""
    if kind not in KINDS:
        raise KeyError(kind)
    return users.exclude(notification_preferences__kind=kind, notification_preferences__wants=False)


@transaction.atomic
def preference_set(*, user, kind: str, wants: bool) -> NotificationPreference:
    """Records the user's choice. The user acts on their own preference only (a signed token or their session)."""
    if kind not in KINDS:
        raise KeyError(kind)
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, kind=kind, defaults={"wants": wants, "changed_at": timezone.now()}
    )
    return preference


def token_for(user, kind: str) -> str:
    return signing.dumps({"u": user.pk, "k": kind}, salt=_SALT, compress=True)


def read_token(token: str) -> tuple[int, str] | None:
    """(user id, kind) of a valid token; None for a forged, altered or unknown one. Tokens do not expire: an
    old mail's link must still work."""
    try:
        data = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("k") not in KINDS or not isinstance(data.get("u"), int):
        return None
    return data["u"], data["k"]


def optout_path(user, kind: str) -> str:
    return reverse("notifications:optout", kwargs={"token": token_for(user, kind)})


def members_to_tell(users, kind: str) -> list:
    """The active users of a queryset with an address who have not declined `kind`, one per address (the first by
    primary key), ordered by address: one query."""
    users = exclude_declined(users.filter(is_active=True).exclude(email=""), kind).order_by("email", "pk").distinct()
    seen, result = set(), []
    for user in users:
        if user.email not in seen:
            seen.add(user.email)
            result.append(user)
    return result


def send_to_members(users, kind: str, *, subject: str, template: str, context: dict | None = None) -> int:
    """One mail (`common.mail.send`) to each member of a group who wants this kind, each with its own opt-out link.
    `users`: a queryset of the group's members (those without an address, inactive or declined are left out).
    Returns the number of messages sent."""
    return sum(
        mail.send(
            to=[user.email], subject=subject, template=template, context=context, optout_path=optout_path(user, kind)
        )
        for user in members_to_tell(users, kind)
    )
