"""Services of accounts: tokens are stored hashed, issued with rules, revoked for good; memberships bind
users to Verwaltungen only."""

import datetime
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from accounts import services
from accounts.models import ApiToken, VerwaltungMembership
from common.authorization import system_actor
from organisations.models import Organisation
from tests.organisations.factories import AmtFactory, AmtsangehoerigeGemeindeFactory, KreisFactory

from .factories import UserFactory, issue_token, role_user

pytestmark = pytest.mark.django_db


def test_token_stores_hash_and_prefix_not_the_key():
    user = UserFactory()
    token, key = services.api_token_create(user=user, name="Fachverfahren", by=system_actor())
    token.refresh_from_db()
    assert len(key) == 43  # secrets.token_urlsafe(32)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:8]
    assert token.scope == ApiToken.Scope.READ_WRITE
    stored = [str(value) for value in ApiToken.objects.values_list(flat=False).get(pk=token.pk)]
    assert key not in stored
    history = token.history.get()
    assert not hasattr(history, "key_hash")
    assert str(token) == f"Fachverfahren ({key[:8]}…)"


def test_two_tokens_get_different_keys():
    user = UserFactory()
    _, first = issue_token(user, name="a")
    _, second = issue_token(user, name="b")
    assert first != second


def test_token_rules():
    user = UserFactory()
    past = timezone.now() - datetime.timedelta(minutes=1)
    with pytest.raises(ValidationError) as error:
        services.api_token_create(user=user, name="x", expires_at=past, by=system_actor())
    assert "expires_at" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.api_token_create(user=user, name="x", scope="admin", by=system_actor())
    assert "scope" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.api_token_create(user=user, name="  ", by=system_actor())
    assert "name" in error.value.message_dict
    inactive = UserFactory(is_active=False)
    with pytest.raises(ValidationError) as error:
        services.api_token_create(user=inactive, name="x", by=system_actor())
    assert "user" in error.value.message_dict
    assert ApiToken.objects.count() == 0


def test_token_name_unique_per_user_among_unrevoked_tokens():
    user = UserFactory()
    token, _ = issue_token(user, name="Meldewesen")
    with pytest.raises(ValidationError) as error:
        issue_token(user, name="Meldewesen")
    assert error.value.message_dict["name"] == [
        "Dieser Benutzer hat bereits ein nicht widerrufenes Token mit diesem Namen."
    ]
    issue_token(UserFactory(), name="Meldewesen")  # another user may
    services.api_token_revoke(token=token, by=system_actor())
    issue_token(user, name="Meldewesen")  # after revoking, the name is free again
    assert ApiToken.objects.filter(user=user, name="Meldewesen").count() == 2


def test_database_refuses_a_plaintext_in_key_hash():
    token, key = issue_token()
    with pytest.raises(IntegrityError):
        ApiToken.objects.filter(pk=token.pk).update(key_hash=key)


def test_revoke_records_who_and_when_and_is_idempotent():
    staff = role_user("Administration")
    token, _ = issue_token()
    assert services.api_token_revoke(token=token, by=staff) is True
    token.refresh_from_db()
    first_revoked_at = token.revoked_at
    assert first_revoked_at is not None and token.revoked_by == staff
    assert token.status == ApiToken.Status.REVOKED
    assert token.history.latest().history_user == staff
    assert services.api_token_revoke(token=token, by=role_user("Administration")) is False
    token.refresh_from_db()
    assert (token.revoked_at, token.revoked_by) == (first_revoked_at, staff)


def test_status_and_querysets():
    now = timezone.now()
    active, _ = issue_token(name="aktiv")
    expiring, _ = issue_token(name="läuft ab", expires_at=now + datetime.timedelta(days=1))
    revoked, _ = issue_token(name="widerrufen")
    services.api_token_revoke(token=revoked, by=system_actor())
    of_inactive, _ = issue_token(name="inaktiv")
    of_inactive.user.is_active = False
    of_inactive.user.save()
    later = now + datetime.timedelta(days=2)
    assert set(ApiToken.objects.active(now=now)) == {active, expiring}
    assert set(ApiToken.objects.active(now=later)) == {active}
    assert set(ApiToken.objects.expired(now=later)) == {expiring}
    assert set(ApiToken.objects.revoked()) == {revoked}
    revoked.refresh_from_db()
    assert expiring.status_on(later) == ApiToken.Status.EXPIRED
    assert revoked.status == ApiToken.Status.REVOKED
    assert of_inactive.status == ApiToken.Status.USER_INACTIVE
    assert active.status == ApiToken.Status.ACTIVE


def test_mark_used_writes_at_most_once_a_minute():
    token, _ = issue_token()
    now = timezone.now()
    assert services.api_token_mark_used(token=token, now=now) is True
    assert services.api_token_mark_used(token=token, now=now + datetime.timedelta(seconds=59)) is False
    stale_copy = ApiToken.objects.get(pk=token.pk)
    stale_copy.last_used_at = None  # another process that loaded the token before the write
    assert services.api_token_mark_used(token=stale_copy, now=now + datetime.timedelta(seconds=30)) is False
    assert services.api_token_mark_used(token=token, now=now + datetime.timedelta(seconds=60)) is True
    token.refresh_from_db()
    assert token.last_used_at == now + datetime.timedelta(seconds=60)


@pytest.mark.parametrize("factory", [KreisFactory, AmtFactory], ids=["kreis", "amt"])
def test_membership_grant_binds_to_a_verwaltung(factory):
    staff = role_user("Administration")
    user = UserFactory()
    verwaltung = factory()
    membership = services.membership_grant(user=user, organisation=verwaltung, by=staff)
    assert (membership.role, membership.granted_by) == (VerwaltungMembership.Role.MELDEND, staff)
    assert membership.granted_at is not None
    changed = services.membership_grant(user=user, organisation=verwaltung, role="lesend", by=staff)
    assert changed.pk == membership.pk and changed.role == "lesend"
    assert VerwaltungMembership.objects.count() == 1
    assert membership.history.count() == 2


def test_membership_refuses_bodies_that_are_not_verwaltungen():
    user = UserFactory()
    gemeinde = AmtsangehoerigeGemeindeFactory()
    land = Organisation.objects.get(kind=Organisation.Kind.LAND)
    for organisation in (gemeinde, land):
        with pytest.raises(ValidationError) as error:
            services.membership_grant(user=user, organisation=organisation, by=system_actor())
        assert "keine" in error.value.message_dict["organisation"][0]
    assert VerwaltungMembership.objects.count() == 0


def test_membership_save_keeps_grant_data_when_nothing_changed():
    staff, other_staff = role_user("Administration"), role_user("Administration")
    membership = services.membership_grant(user=UserFactory(), organisation=AmtFactory(), by=staff)
    granted_at = membership.granted_at
    services.membership_save(membership=membership, by=other_staff)
    membership.refresh_from_db()
    assert (membership.granted_at, membership.granted_by) == (granted_at, staff)
    membership.organisation = AmtFactory()
    services.membership_save(membership=membership, by=other_staff)
    membership.refresh_from_db()
    assert membership.granted_by == other_staff


def test_membership_revoke_deletes_and_keeps_history():
    staff = role_user("Administration")
    membership = services.membership_grant(user=UserFactory(), organisation=AmtFactory(), by=staff)
    services.membership_revoke(membership=membership, by=staff)
    assert VerwaltungMembership.objects.count() == 0
    assert VerwaltungMembership.history.filter(history_type="-").get().history_user == staff
