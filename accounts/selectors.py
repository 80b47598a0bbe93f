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
from organisations.models import Organisation

from .models import VerwaltungMembership

ACT_FOR_ALL_PERMISSION = "accounts.act_for_all_verwaltungen"
_CACHE_ATTRIBUTE = "_accounts_verwaltung_ids"


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
    None means every one (superusers, act_for_all). One query, not cached."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    if acts_for_all_verwaltungen(user):
        return None
    return set(VerwaltungMembership.objects.filter(user=user).values_list("organisation_id", flat=True))


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
        .order_by("organisation__name")
    )


def api_tokens_for(user):
    """The user's tokens, newest first (a user's own token list)."""
    return user.api_tokens.select_related("user", "revoked_by").order_by("-created_at")


# --- for public outputs: who wrote, as a role, never as a person ---------------------------------------------


def acts_for_all_expression(user_field: str):
    """An EXISTS expression for `QuerySet.annotate()`: True where the user in `user_field` (e.g. "changed_by_id")
    acts for every Verwaltung, i.e. writes in the name of the ITV.SH: a superuser, a holder of
    `accounts.act_for_all_verwaltungen` (itself or through a group, e.g. Monitoring), or the system actor.
    Anyone else can write a Verwaltung's data only for the Verwaltungen of her memberships (the Rule's scope,
    `accounts.authorization.verwaltung_scope`), so a write of hers was one as a Kommune member of that Verwaltung,
    also after the membership has ended. Part of the list's one query: no query per row."""
    from django.contrib.auth import get_user_model
    from django.db.models import Exists, OuterRef, Q

    from common.authorization import SYSTEM_USERNAME

    app_label, codename = ACT_FOR_ALL_PERMISSION.split(".")
    for_all = (
        Q(is_superuser=True)
        | Q(username=SYSTEM_USERNAME, is_active=False)
        | Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app_label)
        | Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label)
    )
    return Exists(get_user_model().objects.filter(for_all, pk=OuterRef(user_field)))
