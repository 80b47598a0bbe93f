"""Every write path of the OZG status API, for a Kommune token: it writes for its own Verwaltungen only.

Write paths: PATCH /ozg/status/{id}/, POST /ozg/status/bulk/ (ozg_monitoring/api), POST /ozg/reconciliation/adopt/
(federal/api: adopting the Bund's record; the federal file import writes no status). PUT, DELETE and POST on the
status list are not offered (405). For each path: another
Verwaltung's status → 403 and the row unchanged; expired or revoked token → 401 with its message; read-only
token → 403; the own Verwaltung → 200 (so that the refusals are not just a broken endpoint). The Land's own
statuses: written by the group Monitoring, refused for Kommune tokens.
"""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiToken, VerwaltungMembership
from common.authorization import system_actor
from ozg_monitoring.models import RolloutStatus, StatusEvent
from tests.ozg_monitoring.conftest import _plain_static_storage, territory  # noqa: F401 - fixtures
from tests.ozg_monitoring.factories import RolloutStatusFactory

from .factories import StaffUserFactory, UserFactory, role_user

pytestmark = pytest.mark.django_db


def _patch(client, status):
    return client.patch(
        f"/api/v1/ozg/status/{status.pk}/", {"stage": "in_umsetzung", "version": status.version}, format="json"
    )


def _bulk(client, status):
    item = {"ozg_id": status.leistung.ozg_id, "ars": status.verwaltung.ars, "stage": "in_umsetzung"}
    return client.post("/api/v1/ozg/status/bulk/", {"items": [item]}, format="json")


def _adopt(client, status):
    """Adopting the Bund's "ok" from the reconciliation (POST /ozg/reconciliation/adopt/): a record set of kind file
    that says the pair is online; the status gets the Reifegrad that "online" needs first (adoption never sets it)."""
    import json

    from federal.services import federal_sync

    RolloutStatus.objects.filter(pk=status.pk).update(maturity_level=2)
    record = {
        "ars": status.verwaltung.ars,
        "ozgid": status.leistung.ozg_id,
        "url": "https://dienst.example/antrag",
        "online_status": "ok",
    }
    federal_sync(by=system_actor(), blobs=[("bund.json", json.dumps([record]).encode())])
    item = {"ars": status.verwaltung.ars, "ozg_id": status.leistung.ozg_id}
    return client.post("/api/v1/ozg/reconciliation/adopt/", {"items": [item]}, format="json")


WRITE_PATHS = {"patch": _patch, "bulk": _bulk, "adopt": _adopt}
paths = pytest.mark.parametrize("write", WRITE_PATHS.values(), ids=WRITE_PATHS.keys())


def token_client(user, **kwargs):
    _token, key = services.api_token_create(
        user=user, name=kwargs.pop("name", "Fachverfahren"), by=system_actor(), **kwargs
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.token = _token
    return client


def kommune_user(*verwaltungen, role=VerwaltungMembership.Role.MELDEND):
    """A Kommune account (group Kommune: it may write statuses) bound to `verwaltungen` with `role`."""
    user = UserFactory()
    user.groups.add(Group.objects.get(name="Kommune"))
    for verwaltung in verwaltungen:
        services.membership_grant(user=user, organisation=verwaltung, role=role, by=system_actor())
    return user


def snapshot(status):
    status.refresh_from_db()
    return (status.stage, status.version, status.url, StatusEvent.objects.filter(status=status).count())


@paths
def test_kommune_token_writes_its_own_verwaltung(territory, write):  # noqa: F811
    status = RolloutStatusFactory(verwaltung=territory.foehr)
    response = write(token_client(kommune_user(territory.foehr)), status)
    assert response.status_code == 200, response.content
    assert snapshot(status)[1] == 2


@paths
def test_kommune_token_cannot_change_another_verwaltungs_status(territory, write):  # noqa: F811
    foreign = RolloutStatusFactory(verwaltung=territory.husum)
    before = snapshot(foreign)
    response = write(token_client(kommune_user(territory.foehr)), foreign)
    assert response.status_code == 403, response.content
    assert snapshot(foreign) == before == ("geplant", 1, "", 0)


@paths
def test_reading_membership_does_not_write(territory, write):  # noqa: F811
    status = RolloutStatusFactory(verwaltung=territory.foehr)
    user = kommune_user(territory.foehr, role=VerwaltungMembership.Role.LESEND)
    assert write(token_client(user), status).status_code == 403
    assert snapshot(status) == ("geplant", 1, "", 0)


@paths
def test_expired_token_is_401_with_a_clear_message(territory, write):  # noqa: F811
    status = RolloutStatusFactory(verwaltung=territory.foehr)
    client = token_client(kommune_user(territory.foehr), expires_at=timezone.now() + datetime.timedelta(days=1))
    past = timezone.now() - datetime.timedelta(seconds=1)
    ApiToken.objects.filter(pk=client.token.pk).update(created_at=past - datetime.timedelta(days=30), expires_at=past)
    response = write(client, status)
    assert response.status_code == 401
    assert response.json()["detail"] == "Token abgelaufen."
    assert response["WWW-Authenticate"] == 'Token realm="api"'
    assert snapshot(status) == ("geplant", 1, "", 0)


@paths
def test_revoked_token_is_401(territory, write):  # noqa: F811
    status = RolloutStatusFactory(verwaltung=territory.foehr)
    client = token_client(kommune_user(territory.foehr))
    services.api_token_revoke(token=client.token, by=role_user("Administration"))
    response = write(client, status)
    assert response.status_code == 401 and response.json()["detail"] == "Token widerrufen."
    assert snapshot(status) == ("geplant", 1, "", 0)


@paths
def test_read_only_token_write_is_403(territory, write):  # noqa: F811
    status = RolloutStatusFactory(verwaltung=territory.foehr)
    client = token_client(kommune_user(territory.foehr), scope=ApiToken.Scope.READ)
    response = write(client, status)
    assert response.status_code == 403
    assert "nur lesen" in response.json()["detail"]
    assert snapshot(status) == ("geplant", 1, "", 0)


@pytest.mark.parametrize("write", [_patch, _bulk], ids=["patch", "bulk"])
def test_the_lands_statuses_are_written_by_monitoring_only(territory, write):  # noqa: F811
    status = RolloutStatusFactory(verwaltung=territory.land)
    kommune = token_client(kommune_user(territory.foehr, territory.nf))
    assert write(kommune, status).status_code == 403
    assert snapshot(status) == ("geplant", 1, "", 0)
    monitoring = StaffUserFactory()
    monitoring.groups.add(Group.objects.get(name="Monitoring"))
    response = write(token_client(monitoring), status)
    assert response.status_code == 200, response.content
    assert snapshot(status)[:2] == ("in_umsetzung", 2)


@pytest.mark.parametrize("method", ["put", "delete"])
def test_replacing_and_deleting_statuses_is_not_offered(territory, method):  # noqa: F811
    status = RolloutStatusFactory(verwaltung=territory.foehr)
    client = token_client(kommune_user(territory.foehr))
    data = {"stage": "in_umsetzung"} if method == "put" else None
    response = getattr(client, method)(f"/api/v1/ozg/status/{status.pk}/", data, format="json")
    assert response.status_code == 405
    assert RolloutStatus.objects.filter(pk=status.pk).exists() and snapshot(status) == ("geplant", 1, "", 0)


def test_creating_through_the_list_is_not_offered(territory):  # noqa: F811
    status = RolloutStatusFactory.build(verwaltung=territory.foehr)
    client = token_client(kommune_user(territory.foehr))
    response = client.post("/api/v1/ozg/status/", {"ozg_id": 1, "ars": territory.foehr.ars}, format="json")
    assert response.status_code == 405 and status.pk is None and not RolloutStatus.objects.exists()


def test_a_session_without_second_factor_cannot_write(territory, client):  # noqa: F811
    status = RolloutStatusFactory(verwaltung=territory.foehr)
    user = kommune_user(territory.foehr)
    user.is_staff = True
    user.save()
    client.force_login(user)  # password only
    response = client.patch(
        f"/api/v1/ozg/status/{status.pk}/", {"stage": "in_umsetzung"}, content_type="application/json"
    )
    assert response.status_code in (401, 403)
    assert snapshot(status) == ("geplant", 1, "", 0)
