"""The staff tools: a new token's key is shown once and never again, tokens are revoked (not edited or
deleted), memberships are granted inline on the user and listed with filters by Kreis and kind."""

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.authentication import ApiTokenAuthentication
from accounts.models import ApiToken, VerwaltungMembership, hash_key
from common.authorization import system_actor
from tests.organisations.factories import (
    AmtFactory,
    AmtsangehoerigeGemeindeFactory,
    AmtsfreieGemeindeFactory,
    KreisFactory,
)

from .factories import StaffUserFactory, UserFactory, VerwaltungMembershipFactory, issue_token

pytestmark = pytest.mark.django_db

TOKEN_ADD = reverse("admin:accounts_apitoken_add")
TOKEN_LIST = reverse("admin:accounts_apitoken_changelist")
MEMBERSHIP_LIST = reverse("admin:accounts_verwaltungmembership_changelist")


def create_token_in_admin(admin_client, user, **extra):
    expires = timezone.localtime() + datetime.timedelta(days=30)
    data = {
        "name": "Fachverfahren Meldewesen",
        "user": user.pk,
        "scope": ApiToken.Scope.READ_WRITE,
        "expires_at_0": expires.date().isoformat(),
        "expires_at_1": "12:00:00",
        **extra,
    }
    return admin_client.post(TOKEN_ADD, data, follow=True)


def shown_key(response):
    """The key from the one-time message (the <code> element of the message)."""
    for message in response.context["messages"]:
        text = str(message)
        if "wird nur jetzt angezeigt" in text:
            return text.split("<code>")[1].split("</code>")[0]
    return None


def test_add_form_asks_name_user_scope_expiry(admin_client):
    response = admin_client.get(TOKEN_ADD)
    assert response.status_code == 200
    assert list(response.context["adminform"].form.fields) == ["name", "user", "scope", "expires_at"]


def test_create_shows_the_key_once_and_stores_only_its_hash(admin_client, admin_user):
    user = UserFactory()
    response = create_token_in_admin(admin_client, user)
    assert response.status_code == 200
    key = shown_key(response)
    assert key is not None and len(key) == 43
    assert response.content.decode().count(key) == 1
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.key_hash, token.prefix) == (
        user,
        "Fachverfahren Meldewesen",
        hash_key(key),
        key[:8],
    )
    assert token.expires_at is not None
    # never again: not in the list, not on the token's page, not in the admin log
    for url in (TOKEN_LIST, reverse("admin:accounts_apitoken_change", args=[token.pk])):
        page = admin_client.get(url).content.decode()
        assert key not in page and token.key_hash not in page
        assert f"{key[:8]}…" in page
    assert not any(key in entry.change_message for entry in LogEntry.objects.all())
    assert LogEntry.objects.get().object_id == str(token.pk)
    # the key works
    assert ApiTokenAuthentication().authenticate_credentials(key) == (user, token)


def test_create_form_errors_change_nothing(admin_client):
    user = UserFactory()
    issue_token(user, name="Doppelt")
    response = admin_client.post(
        TOKEN_ADD,
        {"name": "Doppelt", "user": user.pk, "scope": "read", "expires_at_0": "2020-01-01", "expires_at_1": "12:00"},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["expires_at"] == ["Das Ablaufdatum muss in der Zukunft liegen."]
    assert errors["name"] == ["Dieser Benutzer hat bereits ein nicht widerrufenes Token mit diesem Namen."]
    assert ApiToken.objects.count() == 1


def test_token_page_is_read_only_and_tokens_cannot_be_deleted(admin_client):
    token, _ = issue_token()
    url = reverse("admin:accounts_apitoken_change", args=[token.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert list(response.context["adminform"].form.fields) == []  # everything read-only, no key_hash at all
    assert "key_hash" not in response.content.decode()
    before = ApiToken.objects.values().get(pk=token.pk)
    admin_client.post(url, {"name": "umbenannt", "scope": "read"})
    assert ApiToken.objects.values().get(pk=token.pk) == before
    assert admin_client.get(reverse("admin:accounts_apitoken_delete", args=[token.pk])).status_code == 403


def test_revoke_action(admin_client, admin_user):
    first, first_key = issue_token(name="eins")
    second, _ = issue_token(name="zwei")
    untouched, _ = issue_token(name="drei")
    response = admin_client.post(
        TOKEN_LIST, {"action": "revoke_tokens", "_selected_action": [first.pk, second.pk]}, follow=True
    )
    assert "2 von 2 ausgewählten Tokens widerrufen." in [str(m) for m in response.context["messages"]]
    assert ApiToken.objects.revoked().count() == 2
    first.refresh_from_db()
    assert first.revoked_by == admin_user and first.revoked_at is not None
    untouched.refresh_from_db()
    assert untouched.revoked_at is None
    # revoking again counts nothing and keeps the first revocation
    response = admin_client.post(TOKEN_LIST, {"action": "revoke_tokens", "_selected_action": [first.pk]}, follow=True)
    assert "0 von 1 ausgewählten Tokens widerrufen. 1 unverändert: schon vorher widerrufen." in [
        str(m) for m in response.context["messages"]
    ]
    page = admin_client.get(TOKEN_LIST + "?status=widerrufen").content.decode()
    assert page.count("widerrufen</td>") == 2


def test_revoke_needs_the_change_permission(client, verified_login):
    viewer = StaffUserFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_apitoken"))
    verified_login(client, viewer)
    token, _ = issue_token()
    assert "revoke_tokens" not in client.get(TOKEN_LIST).content.decode()
    client.post(TOKEN_LIST, {"action": "revoke_tokens", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_list_shows_status_and_costs_a_fixed_number_of_queries(admin_client):
    now = timezone.now()
    issue_token(name="aktiv")
    expired, _ = issue_token(name="alt", expires_at=now + datetime.timedelta(days=1))
    ApiToken.objects.filter(pk=expired.pk).update(
        created_at=now - datetime.timedelta(days=2), expires_at=now - datetime.timedelta(days=1)
    )
    revoked, _ = issue_token(name="weg")
    services.api_token_revoke(token=revoked, by=system_actor())
    response = admin_client.get(TOKEN_LIST)
    statuses = [admin_status(response, t) for t in response.context["cl"].result_list]
    assert sorted(statuses) == ["abgelaufen", "aktiv", "widerrufen"]
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(TOKEN_LIST).status_code == 200
        counts.append(len(queries))
        for n in range(10):
            issue_token(name=f"mehr {n}")
    # session, user, second-factor device, count, filtered count, rows with their users, …: the same for 3
    # and 13 tokens
    assert counts == [8, 8]
    assert ApiToken.objects.count() == 23


def admin_status(response, token):
    return response.context["cl"].model_admin.status_display(token)


def test_status_filter(admin_client):
    active, _ = issue_token(name="aktiv")
    revoked, _ = issue_token(name="weg")
    services.api_token_revoke(token=revoked, by=system_actor())
    listed = admin_client.get(TOKEN_LIST + "?status=aktiv").context["cl"].result_list
    assert list(listed) == [active]


# --- memberships -------------------------------------------------------------------------------------


def user_change_data(user, prefix="verwaltung_memberships", rows=(), initial=0):
    data = {
        "username": user.username,
        "email": user.email,
        "first_name": "",
        "last_name": "",
        "is_active": "on",
        "date_joined_0": "2025-01-02",
        "date_joined_1": "10:00:00",
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{field}": value for field, value in row.items()})
        data[f"{prefix}-{index}-user"] = user.pk
    return data


def test_memberships_inline_on_the_user_admin(admin_client, admin_user):
    user = UserFactory()
    amt = AmtFactory()
    url = reverse("admin:auth_user_change", args=[user.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert "Verwaltungen, für die der Benutzer handelt" in response.content.decode()
    response = admin_client.post(
        url, user_change_data(user, rows=[{"id": "", "organisation": amt.pk, "role": "meldend"}])
    )
    assert response.status_code == 302, response.context["errors"] if response.context else response
    membership = VerwaltungMembership.objects.get()
    assert (membership.user, membership.organisation, membership.granted_by) == (user, amt, admin_user)
    # remove it again
    response = admin_client.post(
        url,
        user_change_data(
            user, rows=[{"id": membership.pk, "organisation": amt.pk, "role": "meldend", "DELETE": "on"}], initial=1
        ),
    )
    assert response.status_code == 302
    assert VerwaltungMembership.objects.count() == 0
    assert VerwaltungMembership.history.filter(history_type="-").get().history_user == admin_user


def test_inline_offers_only_verwaltungen(admin_client):
    user = UserFactory()
    amt = AmtFactory()
    gemeinde = AmtsangehoerigeGemeindeFactory(amt=amt)
    response = admin_client.post(
        reverse("admin:auth_user_change", args=[user.pk]),
        user_change_data(user, rows=[{"id": "", "organisation": gemeinde.pk, "role": "meldend"}]),
    )
    assert response.status_code == 200  # form error
    assert VerwaltungMembership.objects.count() == 0


def test_membership_list_filters_by_kreis_and_kind(admin_client):
    kreis_a, kreis_b = KreisFactory(), KreisFactory()
    in_a = VerwaltungMembershipFactory(organisation=AmtFactory(kreis=kreis_a))
    amtsfrei_in_a = VerwaltungMembershipFactory(organisation=AmtsfreieGemeindeFactory(kreis=kreis_a))
    kreis_itself = VerwaltungMembershipFactory(organisation=kreis_a)
    VerwaltungMembershipFactory(organisation=AmtFactory(kreis=kreis_b))

    def listed(query):
        return set(admin_client.get(MEMBERSHIP_LIST + query).context["cl"].result_list)

    assert listed(f"?kreis={kreis_a.ars[:5]}") == {in_a, amtsfrei_in_a, kreis_itself}
    assert listed(f"?kreis={kreis_a.ars[:5]}&organisation__kind__exact=amt") == {in_a}
    assert len(listed("")) == 4
    assert len(listed("?kreis=keinzahl")) == 4


def test_membership_list_costs_a_fixed_number_of_queries(admin_client):
    kreis = KreisFactory()
    counts = []
    for _ in range(2):
        for _ in range(5):
            VerwaltungMembershipFactory(organisation=AmtFactory(kreis=kreis), granted_by=StaffUserFactory())
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(MEMBERSHIP_LIST)
        assert response.status_code == 200
        counts.append(len(queries))
    # the same for 5 and 10 memberships (users, Verwaltungen, Kreise, granting staff joined in)
    assert counts == [9, 9]  # one more than before the second factor: the session's device
    assert len(response.context["cl"].result_list) == 10
