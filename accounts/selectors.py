"""Reads of the accounts app: for which Verwaltungen may a user act (write)?

- A superuser, and a staff member holding the permission `accounts.act_for_all_verwaltungen` (the group
  "Monitoring"), may act for every Verwaltung (every Organisation of a kind in `Organisation.VERWALTUNG_KINDS`)
  and for the Land itself, which reports the statuses of the services it executes.
- Anyone else may act for the Verwaltungen of their memberships with a writing role ("meldend").
- Inactive and anonymous users may act for none.

The answer is cached on the user object for the rest of the request (as Django caches permissions), so a bulk
write of 1,000 items costs one query, not 1,000. Code that changes memberships and asks again with the same
user object passes `refresh=True`.
"""

from common.authorization import is_system_actor
from common.sql import german
from organisations.models import Organisation

from .models import VerwaltungMembership

ACT_FOR_ALL_PERMISSION = "accounts.act_for_all_verwaltungen"
_CACHE_ATTRIBUTE = "_accounts_verwaltung_ids"
_MEMBER_CACHE_ATTRIBUTE = "_accounts_member_verwaltung_ids"


def acts_for_all_verwaltungen(user) -> bool:
    """Superusers, staff with the permission `accounts.act_for_all_verwaltungen`, and the system actor."""
    if is_system_actor(user):
        return True
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or (user.is_staff and user.has_perm(ACT_FOR_ALL_PERMISSION))


def writable_verwaltung_ids(user) -> set[int] | None:
    """The Verwaltungen the user may write for, as a write path checks it: None for "all, the Land included"
    (superusers, group Monitoring), else the ids of `verwaltung_ids_for`."""
    return None if acts_for_all_verwaltungen(user) else verwaltung_ids_for(user)


def verwaltung_ids_for(user, *, refresh: bool = False) -> set[int]:
    """Ids of the Organisations (Verwaltungen) the user may act for. One query, then cached on `user`."""
    if not acts_for_all_verwaltungen(user) and (user is None or not user.is_authenticated or not user.is_active):
        return set()
    if not refresh and hasattr(user, _CACHE_ATTRIBUTE):
        return getattr(user, _CACHE_ATTRIBUTE)
    if acts_for_all_verwaltungen(user):
        ids = set(Organisation.objects.verwaltungen_and_land().values_list("pk", flat=True))
    else:
        ids = set(
            VerwaltungMembership.objects.writing()
            .filter(user=user, organisation__kind__in=Organisation.VERWALTUNG_KINDS)
            .values_list("organisation_id", flat=True)
        )
    setattr(user, _CACHE_ATTRIBUTE, ids)
    return ids


def member_verwaltung_ids_for(user) -> set[int] | None:
    """Ids of the Verwaltungen whose non-public data the user may see: those of all memberships (any role).
    None means every one (superusers, act_for_all). One query, then cached on `user` like `verwaltung_ids_for`
    (an admin page asks once per model admin); the membership services forget both answers (`forget`)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    if acts_for_all_verwaltungen(user):
        return None
    if not hasattr(user, _MEMBER_CACHE_ATTRIBUTE):
        ids = set(VerwaltungMembership.objects.filter(user=user).values_list("organisation_id", flat=True))
        setattr(user, _MEMBER_CACHE_ATTRIBUTE, ids)
    return getattr(user, _MEMBER_CACHE_ATTRIBUTE)


def forget(user) -> None:
    """Drops the answers cached on `user` (after its memberships changed)."""
    for attribute in (_CACHE_ATTRIBUTE, _MEMBER_CACHE_ATTRIBUTE):
        if user is not None and hasattr(user, attribute):
            delattr(user, attribute)


def user_may_act_for(user, organisation) -> bool:
    """May `user` write for `organisation` (an Organisation or its id)? False for anything that is not a
    Verwaltung (or, for those acting for all, the Land), e.g. a Gemeinde in an Amt: its Amt reports for it."""
    if organisation is None:
        return False
    organisation_id = organisation.pk if isinstance(organisation, Organisation) else int(organisation)
    return organisation_id in verwaltung_ids_for(user)


def memberships_for(user):
    """The user's memberships with their Verwaltung and its Kreis, for display."""
    return (
        VerwaltungMembership.objects.filter(user=user)
        .select_related("organisation", "organisation__kreis", "granted_by")
        .order_by(german("organisation__name"))
    )
