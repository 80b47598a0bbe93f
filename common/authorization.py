"""Who may do what: the one place where a write's permission and object scope are decided.

(Lives in `common`, below every app, so that the register too can name its rules; the Verwaltung scope of
Kommune accounts is `accounts.authorization.verwaltung_scope`.)

A `Rule` names a write in German ("Vereinbarung anlegen"), the Django permission(s) it needs and, where the write
concerns data of one Verwaltung, the scope check. Every write service calls `RULE.require(by, obj)` first, so the
rule holds whichever door the write came through; the API's permission policy (`itvsh_portal.permissions`) and
the admin ask the same rule (`allows`, `denial`) before they validate anything, so a refused write answers 403,
never a 400 with field errors.

The acting user is always passed as `by`. Commands, loaders and Celery tasks act as the **system actor**
(`system_actor()`): a user named "system" that is inactive and has no usable password, so it can never sign in
nor use a token, but passes every rule. The audit trail and the history name it like any other user.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _lazy

from common.messages import message

#: The user name of the system actor (commands, loaders, tasks).
SYSTEM_USERNAME = "system"


def system_actor():
    """The system actor, created on first use (also by the migration `accounts.0003_system_actor_and_group_rights`)."""
    user, _created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={
            "is_active": False,
            "is_staff": False,
            "is_superuser": False,
            "first_name": "System",
            "password": "!",
        },  # "!": Django's unusable password
    )
    return user


def is_system_actor(user) -> bool:
    """True only for the inactive user "system": an activated or renamed copy is an ordinary user."""
    return (
        user is not None
        and getattr(user, "pk", None) is not None
        and getattr(user, "username", None) == SYSTEM_USERNAME
        and not user.is_active
    )


def is_acting_user(user) -> bool:
    """A user that may act at all: signed in and active, or the system actor."""
    if is_system_actor(user):
        return True
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


@dataclass(frozen=True)
class Rule:
    """One kind of write: its German name, the permissions it needs, and optionally a scope.

    - `perms`: all of them are needed (`any_perm=True`: one of them is enough).
    - `scope(user, obj)`: called with `obj=None` for "could this user do it for anything at all?" (the API asks
      this before it reads the request body) and with the object for "for this one?". Returns a German reason
      when it refuses, or None.
    """

    action: str
    perms: tuple[str, ...] = ()
    any_perm: bool = False
    scope: Callable | None = field(default=None, compare=False)

    def denial(self, user, obj=None) -> str | None:
        """Why `user` may not do this (to `obj`), in German; None when allowed."""
        if is_system_actor(user):
            return None
        if not is_acting_user(user):
            return message("rules.not_acting") % {"action": self.action}
        if self.perms:
            held = [user.has_perm(perm) for perm in self.perms]
            if not (any(held) if self.any_perm else all(held)):
                return message("rules.denied") % {"action": self.action}
        if self.scope is not None:
            return self.scope(user, obj)
        return None

    def allows(self, user, obj=None) -> bool:
        return self.denial(user, obj) is None

    def require(self, user, obj=None) -> None:
        """Raises PermissionDenied with the German reason unless allowed."""
        reason = self.denial(user, obj)
        if reason is not None:
            raise PermissionDenied(reason)


@dataclass(frozen=True)
class ModelRules:
    """The add, change and delete rules of one model, from its Django permissions."""

    add: Rule
    change: Rule
    delete: Rule

    def for_save(self, obj) -> Rule:
        """`add` for an object not saved yet, else `change`."""
        return self.add if obj.pk is None or obj._state.adding else self.change


def model_rules(model_label: str, noun) -> ModelRules:
    """`model_rules("cooperations.measure", _("Maßnahme"))`: Rules "Maßnahme anlegen/ändern/löschen" that need
    cooperations.add_measure, change_measure and delete_measure."""
    app_label, model_name = model_label.split(".")
    texts = {"add": _lazy("{} anlegen"), "change": _lazy("{} ändern"), "delete": _lazy("{} löschen")}
    return ModelRules(
        **{
            op: Rule(action=format_lazy(text, noun), perms=(f"{app_label}.{op}_{model_name}",))
            for op, text in texts.items()
        }
    )
