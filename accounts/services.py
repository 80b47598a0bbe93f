"""Writes of the accounts app: issuing and revoking API tokens, granting and removing memberships, and the
second factor (TOTP devices, backup codes, reset).

Every door (admin, management commands, later a self-service page) goes through these functions, so the
rules hold everywhere: the plaintext key exists only in the return value of `api_token_create`; a token
expires in the future; memberships bind users to Verwaltungen only.
"""

import datetime
import hashlib
import logging
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import PREFIX_LENGTH, ApiToken, VerwaltungMembership, hash_key

logger = logging.getLogger(__name__)

#: last_used_at is written at most once per this interval and token (no write per request).
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


def _new_key() -> str:
    return secrets.token_urlsafe(32)


def _set_history_user(instance, user) -> None:
    """Name the acting user in the history row; without one, simple_history takes the request's user."""
    if user is not None:
        instance._history_user = user


def api_token_check_new(*, user, name: str, expires_at=None, now=None) -> None:
    """The rules for a new token, also used by the admin's create form to show them as form errors."""
    now = now or timezone.now()
    errors = {}
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
def api_token_create(*, user, name: str, scope: str = ApiToken.Scope.READ_WRITE, expires_at=None):
    """Issue a token for `user`. Returns `(token, key)`; `key` is the plaintext, to be shown to the user once.
    Only its SHA-256 and its first 8 characters are stored."""
    now = timezone.now()
    api_token_check_new(user=user, name=name, expires_at=expires_at, now=now)
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
def api_token_revoke(*, token: ApiToken, by=None) -> bool:
    """Revoke a token for good. Idempotent: revoking a revoked token changes nothing and returns False."""
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
def membership_save(*, membership: VerwaltungMembership, by=None) -> VerwaltungMembership:
    """Save a new or changed membership (the admin's inline hands its instances here). Records who granted
    it and when, whenever the Verwaltung or the role is set or changed."""
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
    return membership


def membership_grant(*, user, organisation, role=VerwaltungMembership.Role.MELDEND, by=None) -> VerwaltungMembership:
    """Bind `user` to the Verwaltung `organisation` with `role` (or change the role of an existing binding)."""
    membership = VerwaltungMembership.objects.filter(user=user, organisation=organisation).first()
    if membership is None:
        membership = VerwaltungMembership(user=user, organisation=organisation)
    membership.role = role
    return membership_save(membership=membership, by=by)


@transaction.atomic
def membership_revoke(*, membership: VerwaltungMembership, by=None) -> None:
    """Remove a binding; the history keeps who removed it and when."""
    _set_history_user(membership, by)
    membership.delete()


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
    return "-".join(raw[i:i + 4] for i in range(0, BACKUP_CODE_LENGTH, 4))


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
def second_factor_reset(*, user, by=None) -> int:
    """Remove all second-factor devices of `user` (lost phone): at the next login the user sets up a new one.
    Sessions verified with a removed device lose their verification at their next request. Returns the number
    of devices removed."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    removed = TOTPDevice.objects.filter(user=user).delete()[1].get("otp_totp.TOTPDevice", 0)
    removed += StaticDevice.objects.filter(user=user).delete()[1].get("otp_static.StaticDevice", 0)
    logger.info("second factor reset: user id %s by user id %s, %d devices removed", user.pk,
                getattr(by, "pk", None), removed)
    return removed
