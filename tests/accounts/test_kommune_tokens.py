"""Kommune self-service of API tokens (issue 17, item 8): a Kommune user creates her own token with a scope of at
most her own rights, sees the key once, lists and revokes only her own tokens."""

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import services
from accounts.models import ApiToken, VerwaltungMembership
from common.authorization import system_actor
from tests.ozg_monitoring.conftest import _plain_static_storage, territory  # noqa: F401 - fixtures

from .factories import StaffUserFactory
from .helpers import verified_client_login

pytestmark = pytest.mark.django_db

ADD = reverse("admin:accounts_apitoken_add")
CHANGELIST = reverse("admin:accounts_apitoken_changelist")


def _kommune(client, organisation, role=VerwaltungMembership.Role.MELDEND):
    user = StaffUserFactory()
    user.groups.add(Group.objects.get(name="Kommune"))
    services.membership_grant(user=user, organisation=organisation, role=role, by=system_actor())
    verified_client_login(client, user)
    client.user = user
    return client


def test_kommune_creates_its_own_token_and_sees_the_key_once(client, territory):  # noqa: F811
    kommune = _kommune(client, territory.foehr)
    form = kommune.get(ADD)
    assert form.status_code == 200 and "user" not in form.context["adminform"].form.fields
    response = kommune.post(ADD, {"name": "Fachverfahren", "scope": "read_write", "expires_at": ""}, follow=True)
    token = ApiToken.objects.get()
    assert (token.user, token.scope, token.name) == (kommune.user, "read_write", "Fachverfahren")
    shown = " ".join(str(m) for m in response.context["messages"])
    assert "wird nur jetzt angezeigt" in shown and token.prefix in shown
    key = re.search(r"<code>([^<]+)</code>", shown).group(1)
    assert services.hash_key(key) == token.key_hash
    detail = kommune.get(reverse("admin:accounts_apitoken_change", args=[token.pk])).content.decode()
    assert key not in detail  # shown once, never again


def test_a_reading_member_gets_read_tokens_only(client, territory):  # noqa: F811
    reader = _kommune(client, territory.foehr, role=VerwaltungMembership.Role.LESEND)
    choices = [value for value, _label in reader.get(ADD).context["adminform"].form.fields["scope"].choices]
    assert choices == ["read"]
    response = reader.post(ADD, {"name": "Lesen", "scope": "read_write", "expires_at": ""})
    assert response.status_code == 200 and not ApiToken.objects.exists()  # a form error, nothing written
    reader.post(ADD, {"name": "Lesen", "scope": "read", "expires_at": ""})
    assert ApiToken.objects.get().scope == "read"


def test_kommune_lists_and_revokes_only_its_own_tokens(client, territory):  # noqa: F811
    kommune = _kommune(client, territory.foehr)
    own, _key = services.api_token_create_own(name="Eigenes", scope="read", by=kommune.user)
    other, _key = services.api_token_create(user=StaffUserFactory(), name="Fremd", by=system_actor())
    listed = kommune.get(CHANGELIST).context["cl"].result_list
    assert [token.pk for token in listed] == [own.pk]
    assert kommune.get(reverse("admin:accounts_apitoken_change", args=[other.pk])).status_code == 302  # not found
    kommune.post(CHANGELIST, {"action": "revoke_tokens", "_selected_action": [own.pk, other.pk]})
    own.refresh_from_db()
    other.refresh_from_db()
    assert own.revoked_at is not None and other.revoked_at is None


def test_users_without_a_verwaltung_issue_no_own_token(territory):  # noqa: F811
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.api_token_create_own(name="x", by=StaffUserFactory())
    assert not ApiToken.objects.exists()
