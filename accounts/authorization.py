"""The Verwaltung scope of writes by Kommune accounts, for a `common.authorization.Rule`."""

from collections.abc import Callable

from common.messages import message


def verwaltung_scope(verwaltung_id_of: Callable) -> Callable:
    """A Rule scope for writes of one Verwaltung's data: the user must be able to act for the Verwaltung that
    `verwaltung_id_of(obj)` names (see `accounts.selectors.writable_verwaltung_ids`). Without an object: the
    user must be able to act for at least one Verwaltung."""

    def scope(user, obj):
        from .selectors import writable_verwaltung_ids

        ids = writable_verwaltung_ids(user)
        if ids is None:
            return None
        if obj is None:
            if ids:
                return None
            return message("accounts.no_reporting_verwaltung")
        if verwaltung_id_of(obj) in ids:
            return None
        return message("accounts.foreign_verwaltung")

    return scope
