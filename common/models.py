"""Abstract models shared by the apps: `AppendOnlyModel`, the base of every log whose entries are written once and
never changed or deleted (the audit trail, the history of the OZG statuses, the transitions of a drawdown), and
`ProvenanceFields`, where a fact a public page shows comes from."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .provenance import SourceKind


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses `update()` and `delete()` (and so `bulk_update()`), as the model refuses `save()` of an existing row
    and `delete()`: ValidationError with the model's German text.

    Not guarded, on purpose: deletions and `SET_NULL` updates that Django's deletion collector makes for a deleted
    parent row (it goes through `_base_manager`, a plain manager: a deleted status takes its history with it, a
    deleted user leaves entries without a link) and the test database's flush (TRUNCATE). On PostgreSQL the audit
    trail is guarded by a trigger as well (audit migration 0002).

    The one way to change or delete entries on purpose is `unguarded(reason=...)`. Its callers (keep this list
    complete): none in the portal's code; the tests backdate history entries with it (tests/opendata/conftest.py,
    tests/ozg_monitoring/test_services.py, tests/portal/test_privacy.py)."""

    def update(self, **kwargs):
        raise ValidationError(self.model.change_refused)

    def delete(self):
        raise ValidationError(self.model.delete_refused)

    def unguarded(self, *, reason: str) -> models.QuerySet:
        """The same rows as a plain QuerySet, whose `update()` and `delete()` work. `reason` says why (required,
        so that each caller names it where it calls)."""
        if not reason.strip():
            raise ValueError("unguarded() needs a reason")
        return models.QuerySet(model=self.model, query=self.query.chain(), using=self._db)


class AppendOnlyModel(models.Model):
    """A row is written once: `save()` of an existing (or pre-numbered) row and `delete()` raise, and so do the
    QuerySet's `update()` and `delete()` (`AppendOnlyQuerySet`). A model names its entries in the two texts."""

    change_refused = _("Einträge können nicht geändert werden.")
    delete_refused = _("Einträge können nicht gelöscht werden.")

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding or self.pk is not None:
            raise ValidationError(self.change_refused)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(self.delete_refused)


class ProvenanceFields(models.Model):
    """Where a fact comes from (`common.provenance.SourceKind`) and when that was recorded: stamped by the write
    services from the acting door and user (`audit.context.stamp_provenance`), never typed in a form."""

    source_kind = models.CharField(
        _("Herkunft"),
        max_length=20,
        choices=SourceKind.choices,
        blank=True,
        editable=False,
        help_text=_("Woher der Eintrag kommt (common/provenance.py); leer: nicht bekannt."),
    )
    source_at = models.DateTimeField(_("Stand der Herkunft"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True
