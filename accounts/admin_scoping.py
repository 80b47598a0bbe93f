"""Admin support for Kommune users: they see and change only the rows of their own Verwaltungen.

`VerwaltungScopedAdminMixin` goes before `admin.ModelAdmin` on the admin of a model with a foreign key to the
Verwaltung (`verwaltung_field`, default "verwaltung"):

- the change list and every object URL show only rows of the user's Verwaltungen (any membership role; a row
  of another Verwaltung is "not found", as if it did not exist),
- the Verwaltung field offers only the Verwaltungen the user may act for (role "meldend"),
- change and delete are refused for rows of Verwaltungen the user may not act for (a "lesend" member sees
  them read-only).

Superusers and staff with `accounts.act_for_all_verwaltungen` (group "Monitoring") are not limited. The model
permissions (group "Kommune": view and change of rollout statuses) still apply on top.
"""

from organisations.models import Organisation

from .selectors import (
    acts_for_all_verwaltungen,
    member_verwaltung_ids_for,
    user_may_act_for,
    writable_verwaltung_ids,
)

__all__ = ["VerwaltungScopedAdminMixin", "visible_verwaltung_ids", "writable_verwaltung_ids"]

_VISIBLE_CACHE = "_accounts_visible_verwaltung_ids"


def visible_verwaltung_ids(request) -> set[int] | None:
    """The Verwaltungen whose rows the request's user sees in the admin (None: all). Cached on the request."""
    if not hasattr(request, _VISIBLE_CACHE):
        setattr(request, _VISIBLE_CACHE, member_verwaltung_ids_for(request.user))
    return getattr(request, _VISIBLE_CACHE)


class VerwaltungScopedAdminMixin:
    verwaltung_field = "verwaltung"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        ids = visible_verwaltung_ids(request)
        if ids is None:
            return queryset
        return queryset.filter(**{f"{self.verwaltung_field}_id__in": ids})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == self.verwaltung_field:
            ids = writable_verwaltung_ids(request.user)
            if ids is not None:
                kwargs["queryset"] = Organisation.objects.filter(pk__in=ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def may_act_for_object(self, request, obj) -> bool:
        if obj is None or acts_for_all_verwaltungen(request.user):
            return True
        return user_may_act_for(request.user, getattr(obj, f"{self.verwaltung_field}_id"))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.may_act_for_object(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.may_act_for_object(request, obj)
