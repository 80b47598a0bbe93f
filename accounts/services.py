"""Writes of the accounts app: issuing and revoking API tokens, granting and removing memberships, and the
second factor (TOTP devices, backup codes, reset).

Every door (admin, management commands, later a self-service page) goes through these functions, so the
rules hold everywhere: the plaintext key exists only in the return value of `api_token_create`; a token
expires in the future; memberships bind users to Verwaltungen only.

No escalation (`user_change_errors`, also asked by the admin's user form): only superusers grant superuser
status, single permissions, membership of the group Administration, staff status without a role group, and
change, reset or issue tokens for superusers and members of Administration; nobody but a superuser changes their
own privileges; nobody changes the system actor. The group Administration manages users, memberships and tokens
within that.
"""

import datetime
import hashlib
import logging
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from common.authorization import ModelRules, Rule, is_system_actor, model_rules

from . import selectors
from .models import PREFIX_LENGTH, ApiToken, VerwaltungMembership, hash_key

logger = logging.getLogger(__name__)

#: last_used_at is written at most once per this interval and token (no write per request).
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)

#: The staff roles (groups made by the migrations). Staff status is given together with one of them.
ROLE_GROUPS = ("Redaktion", "Monitoring", "Finanzen", "Administration", "Kommune")
#: The role that manages accounts: only superusers grant it.
ADMINISTRATION_GROUP = "Administration"

TOKEN = model_rules("accounts.apitoken", _lazy("API-Token"))
MEMBERSHIP = model_rules("accounts.verwaltungmembership", _lazy("Zugehörigkeit zu einer Verwaltung"))
USER = model_rules("auth.user", _lazy("Benutzerkonto"))
SECOND_FACTOR_RESET = Rule(
    action=_lazy("Zweiten Faktor zurücksetzen"),
    perms=("otp_totp.delete_totpdevice", "otp_static.delete_staticdevice"),
)


def _superuser_only(user, obj):
    return None if user.is_superuser else _("Nur Superuser dürfen Gruppen und ihre Rechte ändern.")


#: Groups and their permissions: superusers only (a group's permissions are what every member holds).
GROUP_WRITE = Rule(action=_lazy("Gruppe ändern"), scope=_superuser_only)
GROUP = ModelRules(add=GROUP_WRITE, change=GROUP_WRITE, delete=GROUP_WRITE)


def is_privileged(user) -> bool:
    """Superusers and members of Administration: their accounts and tokens are managed by superusers only."""
    return bool(user.is_superuser or user.groups.filter(name=ADMINISTRATION_GROUP).exists())


def user_change_errors(*, by, user, changes: dict) -> dict:
    """Escalation rules for a new or changed account, as {field: [messages]} (empty: allowed).

    `user` is the account as saved (unsaved for a new one); `changes` holds the wanted values of any of
    `is_superuser`, `is_staff`, `is_active`, `groups` (Groups) and `user_permissions` (Permissions)."""
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    if is_system_actor(user):
        add(NON_FIELD_ERRORS, _("Das Systemkonto „system“ kann niemand ändern."))
        return errors
    if is_system_actor(by) or by.is_superuser:
        return errors
    saved = user.pk is not None
    old_groups = {group.name for group in user.groups.all()} if saved else set()
    old_perms = set(user.user_permissions.values_list("pk", flat=True)) if saved else set()
    if saved and user.is_superuser:
        add(NON_FIELD_ERRORS, _("Nur Superuser dürfen Superuser-Konten ändern."))
    if changes.get("is_superuser", user.is_superuser if saved else False) and not (saved and user.is_superuser):
        add("is_superuser", _("Nur Superuser dürfen den Superuser-Status vergeben."))
    new_groups = {group.name for group in changes["groups"]} if "groups" in changes else old_groups
    if ADMINISTRATION_GROUP in new_groups - old_groups:
        add("groups", _("Nur Superuser dürfen die Gruppe „Administration“ vergeben."))
    unknown = sorted(new_groups - old_groups - set(ROLE_GROUPS))
    if unknown:
        add(
            "groups",
            _("Nur Superuser dürfen Gruppen außerhalb der Rollen vergeben: %(groups)s.")
            % {"groups": ", ".join(unknown)},
        )
    if "user_permissions" in changes and {perm.pk for perm in changes["user_permissions"]} != old_perms:
        add("user_permissions", _("Einzelne Berechtigungen vergeben nur Superuser; bitte eine Rolle (Gruppe) wählen."))
    staff = changes.get("is_staff", user.is_staff if saved else False)
    if staff and not (new_groups & set(ROLE_GROUPS)):
        add(
            "is_staff",
            _(
                "Mitarbeiter-Status gibt es nur zusammen mit einer Rolle (Gruppe Redaktion, Monitoring, "
                "Finanzen, Administration oder Kommune); ohne Rolle vergibt ihn nur ein Superuser."
            ),
        )
    if saved and user.pk == by.pk:
        own = [
            name
            for name in ("is_staff", "is_superuser", "is_active")
            if name in changes and changes[name] != getattr(user, name)
        ]
        if own or new_groups != old_groups:
            add(NON_FIELD_ERRORS, _("Die eigenen Rechte (Rollen, Status) ändert nur ein Superuser."))
    if saved and is_privileged(user) and user.pk != by.pk and not user.is_superuser:
        add(NON_FIELD_ERRORS, _("Konten der Gruppe „Administration“ ändern nur Superuser."))
    return errors


def _privileged_target(*, by, user, action) -> None:
    """Refuses an action on the account or tokens of a superuser or an Administration member, unless `by` is a
    superuser (or the system actor), or acts on her own account."""
    if is_system_actor(by) or by.is_superuser or (user.pk is not None and user.pk == by.pk):
        return
    if is_privileged(user):
        raise PermissionDenied(
            _("Keine Berechtigung: %(action)s für Superuser und Mitglieder der Administration nur durch Superuser.")
            % {"action": action}
        )


@transaction.atomic
def user_save(*, user, by, groups=None, user_permissions=None):
    """Saves a new or changed account with its groups (and single permissions), under the escalation rules.
    Raises PermissionDenied without the model permission, ValidationError naming the field otherwise."""
    USER.for_save(user).require(by)
    changes = {"is_superuser": user.is_superuser, "is_staff": user.is_staff, "is_active": user.is_active}
    saved = get_user_model().objects.filter(pk=user.pk).first() if user.pk else None
    if groups is not None:
        changes["groups"] = list(groups)
    if user_permissions is not None:
        changes["user_permissions"] = list(user_permissions)
    errors = user_change_errors(by=by, user=saved or user, changes=changes)
    if errors:
        raise ValidationError(errors)
    user.save()
    if groups is not None:
        user.groups.set(groups)
    if user_permissions is not None:
        user.user_permissions.set(user_permissions)
    return user


def _new_key() -> str:
    return secrets.token_urlsafe(32)


def _set_history_user(instance, user) -> None:
    """Name the acting user in the history row; without one, simple_history takes the request's user."""
    if user is not None:
        instance._history_user = user


def api_token_check_new(*, user, name: str, by, expires_at=None, now=None) -> None:
    """The rules for a new token, also used by the admin's create form to show them as form errors."""
    now = now or timezone.now()
    errors = {}
    if user is not None:
        try:
            _privileged_target(by=by, user=user, action=_("API-Token anlegen"))
        except PermissionDenied as error:
            errors["user"] = str(error)
    if expires_at is not None and expires_at <= now:
        errors["expires_at"] = _("Das Ablaufdatum muss in der Zukunft liegen.")
    if user is not None and not user.is_active:
        errors["user"] = _("Für deaktivierte Benutzer können keine Tokens angelegt werden.")
    name = (name or "").strip()
    if user is not None and name and ApiToken.objects.filter(user=user, name=name, revoked_at__isnull=True).exists():
        errors["name"] = _("Dieser Benutzer hat bereits ein nicht widerrufenes Token mit diesem Namen.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def api_token_create(*, user, name: str, by, scope: str = ApiToken.Scope.READ_WRITE, expires_at=None):
    """Issue a token for `user`. Returns `(token, key)`; `key` is the plaintext, to be shown to the user once.
    Only its SHA-256 and its first 8 characters are stored. A token acts as its user: tokens for superusers and
    members of Administration are issued by superusers only."""
    TOKEN.add.require(by)
    now = timezone.now()
    api_token_check_new(user=user, name=name, expires_at=expires_at, now=now, by=by)
    key = _new_key()
    token = ApiToken(
        user=user,
        name=(name or "").strip(),
        scope=scope,
        expires_at=expires_at,
        created_at=now,
        prefix=key[:PREFIX_LENGTH],
        key_hash=hash_key(key),
    )
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by) -> bool:
    """Revoke a token for good. Idempotent: revoking a revoked token changes nothing and returns False. Everyone
    may revoke her own tokens; others' need the permission."""
    if token.user_id != getattr(by, "pk", None):
        TOKEN.change.require(by)
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return False
    token.revoked_at = timezone.now()
    token.revoked_by = by
    _set_history_user(token, by)
    token.save(update_fields=["revoked_at", "revoked_by"])
    return True


def api_token_mark_used(*, token: ApiToken, now=None) -> bool:
    """Record that a token was used, at most once per `LAST_USED_RESOLUTION`. One UPDATE, no history row,
    no model save (called on every authenticated API request). Returns whether it wrote."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return False
    # The condition in the UPDATE keeps concurrent requests from writing twice within the interval.
    written = (
        ApiToken.objects.filter(pk=token.pk)
        .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION))
        .update(last_used_at=now)
    )
    token.last_used_at = now
    return bool(written)


@transaction.atomic
def membership_save(*, membership: VerwaltungMembership, by) -> VerwaltungMembership:
    """Save a new or changed membership (the admin's inline hands its instances here). Records who granted
    it and when, whenever the Verwaltung or the role is set or changed."""
    MEMBERSHIP.for_save(membership).require(by)
    if membership.organisation_id and not membership.organisation.is_verwaltung:
        membership.clean()  # raises the clear message before the generic "not a valid choice"
    changed = membership.pk is None
    if not changed:
        before = VerwaltungMembership.objects.filter(pk=membership.pk).values("organisation_id", "role").first()
        changed = before != {"organisation_id": membership.organisation_id, "role": membership.role}
    if changed:
        membership.granted_at = timezone.now()
        membership.granted_by = by
    membership.full_clean()
    _set_history_user(membership, by)
    membership.save()
    selectors.forget(membership.user)
    return membership


def membership_grant(*, user, organisation, by, role=VerwaltungMembership.Role.MELDEND) -> VerwaltungMembership:
    """Bind `user` to the Verwaltung `organisation` with `role` (or change the role of an existing binding)."""
    membership = VerwaltungMembership.objects.filter(user=user, organisation=organisation).first()
    if membership is None:
        membership = VerwaltungMembership(user=user, organisation=organisation)
    membership.role = role
    saved = membership_save(membership=membership, by=by)
    selectors.forget(user)
    return saved


@transaction.atomic
def membership_revoke(*, membership: VerwaltungMembership, by) -> None:
    """Remove a binding; the history keeps who removed it and when."""
    MEMBERSHIP.delete.require(by)
    _set_history_user(membership, by)
    membership.delete()
    selectors.forget(membership.user)


# --- Second factor (django-otp) --------------------------------------------------------------------------

#: How many backup codes a staff member gets (each works once).
BACKUP_CODE_COUNT = 10
#: Random characters per backup code (base32: 5 bits each, so 60 bits), shown in groups of four.
BACKUP_CODE_LENGTH = 12
TOTP_DEVICE_NAME = "Authenticator-App"
BACKUP_DEVICE_NAME = "Notfallcodes"


def backup_code_normalise(code: str) -> str:
    """What the user typed, without spaces and hyphens, in lower case."""
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def backup_code_digest(code: str) -> str:
    """What otp_static stores and looks up instead of the code: the first 16 hex digits of the SHA-256 of the
    normalised code (its token field holds 16 characters). A code carries 60 random bits, so, as with the API
    keys, an unsalted hash is enough; the plaintext exists only in the page that shows the codes once."""
    return hashlib.sha256(backup_code_normalise(code).encode("ascii", "ignore")).hexdigest()[:16]


def _new_backup_code() -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    raw = "".join(secrets.choice(alphabet) for _ in range(BACKUP_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, BACKUP_CODE_LENGTH, 4))


@transaction.atomic
def totp_device_start(*, user):
    """The user's unconfirmed TOTP device (a new secret the first time); the setup page shows its QR code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, device) -> list[str]:
    """Mark a TOTP device as confirmed (after the user typed a valid code from it); drop any other unconfirmed
    device of the user. Returns the user's new backup codes (plaintext, to be shown once)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user_id=device.user_id, confirmed=False).exclude(pk=device.pk).delete()
    return backup_codes_create(user=device.user)


@transaction.atomic
def backup_codes_create(*, user) -> list[str]:
    """Replace the user's backup codes with BACKUP_CODE_COUNT new ones. Only their digests are stored (see
    `backup_code_digest`); the returned plaintext codes are shown once and never again."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    device = StaticDevice.objects.filter(user=user).order_by("pk").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    elif not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.token_set.all().delete()
    codes = [_new_backup_code() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=backup_code_digest(code)) for code in codes])
    return codes


@transaction.atomic
def second_factor_reset(*, user, by) -> int:
    """Remove all second-factor devices of `user` (lost phone): at the next login the user sets up a new one.
    Sessions verified with a removed device lose their verification at their next request. Returns the number
    of devices removed."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    SECOND_FACTOR_RESET.require(by)
    _privileged_target(by=by, user=user, action=_("Zweiten Faktor zurücksetzen"))
    removed = TOTPDevice.objects.filter(user=user).delete()[1].get("otp_totp.TOTPDevice", 0)
    removed += StaticDevice.objects.filter(user=user).delete()[1].get("otp_static.StaticDevice", 0)
    logger.info(
        "second factor reset: user id %s by user id %s, %d devices removed", user.pk, getattr(by, "pk", None), removed
    )
    return removed


# --- own API tokens (Kommune self-service) -----------------------------------------------------------------


def may_issue_own_token(user) -> bool:
    """A Kommune user (staff bound to at least one Verwaltung) manages her own tokens without the Administration."""
    from .selectors import member_verwaltung_ids_for

    if is_system_actor(user) or user is None or not user.is_authenticated or not user.is_active or not user.is_staff:
        return False
    return bool(member_verwaltung_ids_for(user))


def own_token_scopes(user) -> list[str]:
    """The scopes of a token the user may give herself: at most her own rights (writing only where she reports)."""
    from .selectors import writable_verwaltung_ids

    allowed = writable_verwaltung_ids(user)
    return [ApiToken.Scope.READ, ApiToken.Scope.READ_WRITE] if allowed is None or allowed else [ApiToken.Scope.READ]


@transaction.atomic
def api_token_create_own(*, name: str, by, scope: str = ApiToken.Scope.READ, expires_at=None):
    """A token for `by` herself (Kommune self-service). Returns `(token, key)` like `api_token_create`; the scope
    is at most her own rights. She revokes it with `api_token_revoke` (her own tokens need no permission)."""
    if not may_issue_own_token(by):
        raise PermissionDenied(_("Eigene API-Tokens legen Konten an, die einer Verwaltung zugeordnet sind."))
    if scope not in own_token_scopes(by):
        raise ValidationError(
            {"scope": _("Ein Token kann nicht mehr, als Sie dürfen: Sie melden für keine Verwaltung, nur „nur lesen“.")}
        )
    api_token_check_new(user=by, name=name, expires_at=expires_at, by=by)
    key = _new_key()
    token = ApiToken(
        user=by,
        name=(name or "").strip(),
        scope=scope,
        expires_at=expires_at,
        created_at=timezone.now(),
        prefix=key[:PREFIX_LENGTH],
        key_hash=hash_key(key),
    )
    token.full_clean()
    token.save()
    return token, key
