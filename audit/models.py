"""The cross-cutting, append-only audit trail: who changed what, when, and through which door.

simple_history keeps the full per-object history of some models (shown on each object's history page);
this log is the one place to ask "what happened in the portal?" across agreements, statuses, funding,
users, groups and tokens. Entries are written in the same transaction as the change they describe, hold no
secrets (see `registry.REDACTED_FIELDS`) and no personal data beyond the acting user's name, and cannot be
changed or deleted through the ORM (nor, on PostgreSQL, through SQL: see migration 0002).
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.models import AppendOnlyModel, AppendOnlyQuerySet
from common.provenance import Door  # the doors are part of the portal's one provenance vocabulary

#: Length of the stored str() of the changed object.
LABEL_LENGTH = 200


class Action(models.TextChoices):
    CREATED = "created", _("angelegt")
    CHANGED = "changed", _("geändert")
    DELETED = "deleted", _("gelöscht")
    M2M = "m2m", _("Zuordnung geändert")


class AuditEntryQuerySet(AppendOnlyQuerySet):
    def for_object(self, obj):
        return self.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))


class AuditEntry(AppendOnlyModel):
    when = models.DateTimeField(_("Zeitpunkt"), default=timezone.now)
    # Neither foreign key has an index of its own: audit_entry_actor_when and audit_entry_object begin with them.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Benutzer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    actor_label = models.CharField(
        _("Benutzername"),
        max_length=150,
        blank=True,
        help_text=_("Der Benutzername zum Zeitpunkt der Änderung; leer, wenn kein Benutzer handelte."),
    )
    door = models.CharField(_("Zugang"), max_length=12, choices=Door.choices)
    door_detail = models.CharField(
        _("Zugang im Einzelnen"),
        max_length=100,
        blank=True,
        help_text=_("Präfix des API-Tokens, Name des Befehls oder der Aufgabe."),
    )
    token_id = models.PositiveBigIntegerField(
        _("API-Token (ID)"), null=True, blank=True, help_text=_("Nur die ID, nie der Schlüssel oder sein Hash.")
    )
    action = models.CharField(_("Vorgang"), max_length=8, choices=Action.choices)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("Objektart"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    object_id = models.CharField(_("Objekt-ID"), max_length=64, blank=True)
    object_label = models.CharField(_("Objekt"), max_length=LABEL_LENGTH, blank=True)
    changes = models.JSONField(
        _("Änderungen"),
        default=dict,
        blank=True,
        help_text=_(
            "Bei Änderungen {Feld: [alt, neu]}, beim Anlegen und Löschen {Feld: Wert}, bei Zuordnungen "
            "{Feld: {added: [...], removed: [...]}}. Geheimnisse stehen nie hier."
        ),
    )

    objects = AuditEntryQuerySet.as_manager()

    change_refused = _("Einträge des Audit-Protokolls können nicht geändert werden.")
    delete_refused = _("Einträge des Audit-Protokolls können nicht gelöscht werden.")

    class Meta:
        verbose_name = _("Eintrag im Audit-Protokoll")
        verbose_name_plural = _("Einträge im Audit-Protokoll")
        ordering = ["-when", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="audit_entry_object"),
            models.Index(fields=["when"], name="audit_entry_when"),
            models.Index(fields=["actor", "when"], name="audit_entry_actor_when"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(door__in=Door.values), name="audit_entry_door_valid"),
            models.CheckConstraint(condition=models.Q(action__in=Action.values), name="audit_entry_action_valid"),
        ]

    def __str__(self):
        return f"{self.get_action_display()}: {self.object_label} ({self.when:%d.%m.%Y %H:%M})"
