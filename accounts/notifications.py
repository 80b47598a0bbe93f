"""Which mails a user may decline, and whether they want them.

A kind of notification is a name in `KINDS` with the German text the opt-out page shows. Mails about one's own
responsibility (the reminders to the person named "Verantwortlich (ITV.SH)" of an agreement) have no kind: they
are part of the job and cannot be declined. Mails a user receives only as a member of a group (the fallback
recipients of reminders) can be declined; the link in each such mail carries a signed token
(`optout_path(user, kind)`), so the page works without logging in.
"""

from __future__ import annotations

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import NotificationPreference

#: Kind of mail -> what the opt-out page calls it.
COOPERATION_REMINDERS = "cooperations.reminders"
KINDS = {
    COOPERATION_REMINDERS: _(
        "Erinnerungen an endende Vereinbarungen und fällige Verpflichtungen, die Sie als Mitglied der "
        "Ersatzgruppe erhalten (für Vereinbarungen ohne verantwortliche Person)"
    ),
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
