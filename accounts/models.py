"""Who may act for which Verwaltung, and the API tokens users authenticate with.

- `VerwaltungMembership` binds a user to a Verwaltung (Kreis, kreisfreie Stadt, Amt, amtsfreie Gemeinde) with
  a role. Only the role "meldend" lets the user write for that Verwaltung (e.g. report its OZG rollout status);
  "lesend" records a contact who may read what is not public, but writes nothing.
- `ApiToken` is a named, revocable, optionally expiring key of a user. Only the SHA-256 of the key is stored
  (`key_hash`), together with its first 8 characters (`prefix`) so that staff can tell tokens apart. The key
  itself is shown once, when the token is created (see `services.api_token_create`), and never again.

Neither model has a public page, so neither has `get_absolute_url`; staff manage both in the admin.
"""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from organisations.models import Organisation

#: Length of the stored, displayable start of a key.
PREFIX_LENGTH = 8


def hash_key(key: str) -> str:
    """SHA-256 hex digest of a plaintext key: what is stored and looked up. The key carries 256 random bits
    (`secrets.token_urlsafe(32)`), so an unsalted fast hash is enough: there is nothing to brute-force."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class VerwaltungMembershipQuerySet(models.QuerySet):
    def writing(self):
        """Memberships that allow writing for the Verwaltung."""
        return self.filter(role__in=VerwaltungMembership.WRITE_ROLES)

    def of_active_users(self):
        return self.filter(user__is_active=True)


class VerwaltungMembership(models.Model):
    class Role(models.TextChoices):
        MELDEND = "meldend", _("meldend (darf für die Verwaltung schreiben)")
        LESEND = "lesend", _("lesend (nur lesen)")

    #: Roles that let a user act (write) for the Verwaltung.
    WRITE_ROLES = (Role.MELDEND,)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Benutzer"),
        on_delete=models.CASCADE,
        related_name="verwaltung_memberships",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("Verwaltung"),
        on_delete=models.CASCADE,
        related_name="account_memberships",
        limit_choices_to={"kind__in": Organisation.VERWALTUNG_KINDS},
        help_text=_("Kreis, kreisfreie Stadt, Amt oder amtsfreie Gemeinde."),
    )
    role = models.CharField(_("Rolle"), max_length=16, choices=Role.choices, default=Role.MELDEND)
    granted_at = models.DateTimeField(_("erteilt am"), default=timezone.now, editable=False)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("erteilt von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    history = HistoricalRecords()
    objects = VerwaltungMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("Zugehörigkeit zu einer Verwaltung")
        verbose_name_plural = _("Zugehörigkeiten zu Verwaltungen")
        permissions = [
            ("act_for_all_verwaltungen", _("Darf für alle Verwaltungen handeln")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                name="accounts_membership_unique_user_organisation",
                violation_error_message=_("Dieser Benutzer gehört dieser Verwaltung bereits an."),
            ),
            models.CheckConstraint(
                condition=Q(role__in=["meldend", "lesend"]),
                name="accounts_membership_role_valid",
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.organisation} ({self.get_role_display()})"

    def clean(self):
        if self.organisation_id and self.organisation.kind not in Organisation.VERWALTUNG_KINDS:
            raise ValidationError(
                {
                    "organisation": _(
                        "Benutzer können nur an Verwaltungen gebunden werden (Kreis, kreisfreie Stadt, Amt, "
                        "amtsfreie Gemeinde); „%(name)s“ ist keine."
                    )
                    % {"name": self.organisation}
                }
            )

    @property
    def may_write(self) -> bool:
        return self.role in self.WRITE_ROLES


class ApiTokenQuerySet(models.QuerySet):
    def active(self, now=None):
        """Tokens that authenticate right now: not revoked, not expired, of an active user."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, user__is_active=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )

    def expired(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__lte=now)

    def revoked(self):
        return self.filter(revoked_at__isnull=False)


class ApiToken(models.Model):
    class Scope(models.TextChoices):
        READ = "read", _("nur lesen")
        READ_WRITE = "read_write", _("lesen und schreiben")

    class Status(models.TextChoices):
        """Derived, not stored: see `status`."""

        ACTIVE = "aktiv", _("aktiv")
        EXPIRED = "abgelaufen", _("abgelaufen")
        REVOKED = "widerrufen", _("widerrufen")
        USER_INACTIVE = "konto_inaktiv", _("Konto deaktiviert")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Benutzer"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(
        _("Name"), max_length=100, help_text=_("Wofür das Token dient, z. B. „Fachverfahren Meldewesen“.")
    )
    prefix = models.CharField(
        _("Präfix"),
        max_length=PREFIX_LENGTH,
        editable=False,
        help_text=_("Die ersten 8 Zeichen des Schlüssels, um Tokens zu unterscheiden."),
    )
    key_hash = models.CharField(
        _("Hash des Schlüssels"), max_length=64, editable=False, help_text=_("SHA-256 des Schlüssels (hex).")
    )
    scope = models.CharField(_("Berechtigung"), max_length=16, choices=Scope.choices, default=Scope.READ_WRITE)
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(
        _("gültig bis"), null=True, blank=True, help_text=_("Leer lassen für ein Token ohne Ablaufdatum.")
    )
    revoked_at = models.DateTimeField(_("widerrufen am"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("widerrufen von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    last_used_at = models.DateTimeField(
        _("zuletzt benutzt"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Auf eine Minute genau: höchstens eine Aktualisierung pro Minute und Token."),
    )

    history = HistoricalRecords(excluded_fields=["key_hash", "last_used_at"])
    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API-Token")
        verbose_name_plural = _("API-Tokens")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["key_hash"], name="accounts_apitoken_unique_key_hash"),
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=Q(revoked_at__isnull=True),
                name="accounts_apitoken_unique_active_name_per_user",
                violation_error_message=_("Dieser Benutzer hat bereits ein nicht widerrufenes Token mit diesem Namen."),
            ),
            models.CheckConstraint(
                condition=Q(scope__in=["read", "read_write"]),
                name="accounts_apitoken_scope_valid",
            ),
            models.CheckConstraint(
                condition=Q(key_hash__regex=r"^[0-9a-f]{64}$"),
                name="accounts_apitoken_key_hash_sha256_hex",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("created_at")),
                name="accounts_apitoken_expires_after_created",
                violation_error_message=_("Das Ablaufdatum muss nach dem Anlegen liegen."),
            ),
            models.CheckConstraint(
                condition=Q(revoked_by__isnull=True) | Q(revoked_at__isnull=False),
                name="accounts_apitoken_revoked_by_needs_revoked_at",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def status_on(self, now=None) -> "ApiToken.Status":
        """Revoked wins over expired; a token of a deactivated user is shown as such."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at is not None and self.expires_at <= now:
            return self.Status.EXPIRED
        if not self.user.is_active:
            return self.Status.USER_INACTIVE
        return self.Status.ACTIVE

    @property
    def status(self) -> "ApiToken.Status":
        return self.status_on()

    @property
    def allows_write(self) -> bool:
        return self.scope == self.Scope.READ_WRITE


class NotificationPreference(models.Model):
    """A user's choice about one kind of mail (`accounts.notifications.KINDS`). No row means the default: the
    mail is wanted. Only mails the law lets a recipient decline have a kind here; a reminder about one's own
    responsibility is sent regardless."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Benutzer"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("Art der Benachrichtigung"), max_length=50)
    wants = models.BooleanField(_("erwünscht"), default=True)
    changed_at = models.DateTimeField(_("geändert am"), default=timezone.now)

    class Meta:
        verbose_name = _("Benachrichtigungswunsch")
        verbose_name_plural = _("Benachrichtigungswünsche")
        ordering = ["user", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="accounts_notificationpreference_once"),
        ]

    def __str__(self):
        return f"{self.user} · {self.kind}: {'ja' if self.wants else 'nein'}"
