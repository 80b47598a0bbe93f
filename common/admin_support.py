"""Admin support shared by every app: a service's refusal is shown on the form, never as a 500 or a 403.

Admin forms check the services' rules in their `clean()` (the pattern of `DrawdownAddForm.clean` calling
`services.check_available`), so that messages appear on the right field or inline row. A rule that the service
still refuses when saving (a race, a rule that spans inlines) would otherwise escape the admin as a 500 and lose
what was typed: `ServiceErrorsAdminMixin` catches the `ValidationError`, lets the transaction roll back, and
renders the form once more with the typed data and the service's message on its field.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from . import history

_PENDING = "_service_validation_error"


def add_service_errors(form, error: ValidationError, *, prefix: str = "") -> None:
    """Puts the messages of a service's ValidationError on the form: on the field they name where the form has
    it, else above the form (with the field's label where the service named one)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            if field in form.fields:
                if field not in form.errors:
                    form.add_error(field, messages)
            else:
                label = "" if field == NON_FIELD_ERRORS else f"{prefix}{field}: "
                form.add_error(None, [f"{label}{message}" for message in messages])
    else:
        form.add_error(None, error.messages)


class ServiceErrorsAdminMixin:
    """Goes before `admin.ModelAdmin`. See the module docstring.

    `rule_errors(request, form)` is the hook for the service's rule check of the form's instance as typed
    ({field: [messages]}, e.g. `services.obligation_rule_errors(form.instance)`); its messages go on the fields.
    `rules` (a `common.authorization.ModelRules`) makes the admin's add, change and delete permission the
    service's Rule, so the admin never offers what the service would refuse."""

    rules = None

    def rule_errors(self, request, form) -> dict:
        return {}

    def has_add_permission(self, request, *args):
        allowed = super().has_add_permission(request, *args)
        return allowed and (self.rules is None or self.rules.add.allows(request.user))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (self.rules is None or self.rules.change.allows(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (self.rules is None or self.rules.delete.allows(request.user, obj))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            if request.method != "POST" or hasattr(request, _PENDING):
                raise
            setattr(request, _PENDING, error)  # the atomic block of the first pass has rolled back
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class ServiceErrorsForm(form_class):
            def _post_clean(self):
                super()._post_clean()
                if not self.errors:  # the rules need the fields they read; typing errors come first
                    for field, messages in model_admin.rule_errors(request, self).items():
                        self.add_error(field if field in self.fields else None, messages)
                pending = getattr(request, _PENDING, None)
                if pending is not None:
                    add_service_errors(self, pending)

        ServiceErrorsForm.__name__ = form_class.__name__
        return ServiceErrorsForm


class ReadOnlyAdminMixin:
    """For logs and records that their own process writes (link checks, federal record sets): staff read them in
    the admin and never add, change or delete them there."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- history pages in words ------------------------------------------------------------------------------------


class _HistoryInWords(HistoricalRecordContextHelper):
    """django-simple-history's "Änderungen" column through `common.history`: labels and values as a person reads
    them (a choice's label, "ja"/"nein", 01.02.2025, "nicht bekannt"), never a field name or code."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if field.many_to_many:
            return super().prepare_delta_change_value(change, value)
        return history.value_text(self.model, change.field, value)

    def stringify_delta_change_values(self, change, old, new):
        if isinstance(old, list) or isinstance(new, list):
            old = history.value_text(self.model, change.field, [str(item) for item in old or []])
            new = history.value_text(self.model, change.field, [str(item) for item in new or []])
        return super().stringify_delta_change_values(change, old, new)


class HistoryAdmin(SimpleHistoryAdmin):
    """The admin of a model with simple_history: its history page says every change in words."""

    def get_historical_record_context_helper(self, request, historical_record):
        return _HistoryInWords(self.model, historical_record)


# --- bulk actions: everything selected, or exactly how many and why not the rest --------------------------------

BULK_EXAMPLES = 3


def bulk_result(
    model_admin, request, *, selected: int, done: int, what: str, items: str = "", refused=(), unchanged=None
) -> None:
    """The one message of a bulk action: how many of the `selected` rows it changed (`what`: what was done, e.g.
    "geprüft"; `items`: the rows in the dative plural, e.g. "Mittelabrufen"), and for every other one why not:
    `refused` is a list of (label of the row, reason), grouped by reason with up to three examples; `unchanged`
    maps a reason to a count (rows that needed no change). Success when none was refused, a warning when some
    were, an error when all were."""
    from django.contrib import messages
    from django.utils.translation import gettext as _

    parts = [
        _("%(done)d von %(selected)d ausgewählten %(items)s %(what)s.")
        % {"done": done, "selected": selected, "items": items or _("Einträgen"), "what": what}
    ]
    by_reason: dict[str, list[str]] = {}
    for label, reason in refused:
        by_reason.setdefault(str(reason), []).append(str(label))
    for reason, labels in by_reason.items():
        examples = ", ".join(labels[:BULK_EXAMPLES]) + (", …" if len(labels) > BULK_EXAMPLES else "")
        reason = reason if reason.endswith((".", "!", "?")) else reason + "."
        parts.append(
            _("%(n)d nicht (%(examples)s): %(reason)s") % {"n": len(labels), "reason": reason, "examples": examples}
        )
    for reason, count in (unchanged or {}).items():
        if count:
            parts.append(_("%(n)d unverändert: %(reason)s.") % {"n": count, "reason": reason})
    level = messages.SUCCESS if not refused else (messages.WARNING if done else messages.ERROR)
    model_admin.message_user(request, " ".join(parts), level)
