"""Kommune users in the admin: only their own Verwaltungen' statuses are listed, offered and saved."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts import services
from accounts.models import VerwaltungMembership
from common.authorization import system_actor
from ozg_monitoring.models import ImportJob, StatusEvent
from tests.ozg_monitoring.conftest import _plain_static_storage, territory  # noqa: F401 - fixtures
from tests.ozg_monitoring.factories import OzgLeistungFactory, RolloutStatusFactory

from .factories import StaffUserFactory
from .helpers import verified_client_login

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:ozg_monitoring_rolloutstatus_changelist")


def change_url(status):
    return reverse("admin:ozg_monitoring_rolloutstatus_change", args=[status.pk])


FORM = {
    "stage": "in_umsetzung",
    "maturity_model": "2.0",
    "maturity_level": 1,
    "url": "",
    "provider": "",
    "provider_name": "",
    "platform": "",
    "planned_go_live": "",
    "actual_go_live": "",
    "note": "",
}


@pytest.fixture
def kommune(client, territory):  # noqa: F811
    """A Kommune user of Amt Föhr-Amrum (meldend) and Kreis Nordfriesland (lesend), logged in to the admin."""
    user = StaffUserFactory()
    user.groups.add(Group.objects.get(name="Kommune"))
    services.membership_grant(user=user, organisation=territory.foehr, by=system_actor())
    services.membership_grant(
        user=user, organisation=territory.nf, role=VerwaltungMembership.Role.LESEND, by=system_actor()
    )
    verified_client_login(client, user)
    client.user = user
    return client


def test_changelist_shows_own_verwaltungen_only(kommune, territory):  # noqa: F811
    own = RolloutStatusFactory(verwaltung=territory.foehr)
    read = RolloutStatusFactory(verwaltung=territory.nf)
    foreign = [RolloutStatusFactory(verwaltung=territory.husum), RolloutStatusFactory(verwaltung=territory.land)]
    response = kommune.get(CHANGELIST)
    assert response.status_code == 200
    assert {status.pk for status in response.context["cl"].result_list} == {own.pk, read.pk}
    assert foreign[0].pk not in {s.pk for s in response.context["cl"].result_list}


def test_kommune_changes_own_status(kommune, territory):  # noqa: F811
    own = RolloutStatusFactory(verwaltung=territory.foehr)
    response = kommune.post(change_url(own), FORM)
    assert response.status_code == 302
    own.refresh_from_db()
    assert (own.stage, own.version) == ("in_umsetzung", 2)
    assert StatusEvent.objects.get(status=own).changed_by == kommune.user


def test_other_verwaltungen_are_not_found_and_not_saved(kommune, territory):  # noqa: F811
    foreign = RolloutStatusFactory(verwaltung=territory.husum)
    assert kommune.get(change_url(foreign)).status_code == 302  # "does not exist", back to the index
    kommune.post(change_url(foreign), FORM)
    foreign.refresh_from_db()
    assert (foreign.stage, foreign.version) == ("geplant", 1)
    assert not StatusEvent.objects.exists()


def test_reading_membership_is_read_only(kommune, territory):  # noqa: F811
    read = RolloutStatusFactory(verwaltung=territory.nf)
    page = kommune.get(change_url(read))
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert kommune.post(change_url(read), FORM).status_code == 403
    read.refresh_from_db()
    assert (read.stage, read.version) == ("geplant", 1)


def test_bulk_action_refuses_other_verwaltungen(kommune, territory):  # noqa: F811
    own = RolloutStatusFactory(verwaltung=territory.foehr, stage="nicht_geplant")
    read = RolloutStatusFactory(verwaltung=territory.nf, stage="nicht_geplant")
    kommune.post(CHANGELIST, {"action": "mark_geplant", "_selected_action": [own.pk, read.pk], "apply": "1"})
    own.refresh_from_db()
    read.refresh_from_db()
    assert (own.stage, read.stage) == ("nicht_geplant", "nicht_geplant")  # all or nothing
    kommune.post(CHANGELIST, {"action": "mark_geplant", "_selected_action": [own.pk], "apply": "1"})
    own.refresh_from_db()
    assert own.stage == "geplant"


def test_verwaltung_choices_are_limited(kommune, territory):  # noqa: F811
    from django.contrib import admin

    from ozg_monitoring.models import RolloutStatus

    model_admin = admin.site.get_model_admin(RolloutStatus)
    request = type("Request", (), {"user": kommune.user})()
    field = model_admin.formfield_for_foreignkey(RolloutStatus._meta.get_field("verwaltung"), request)
    assert list(field.queryset) == [territory.foehr]
    monitoring = StaffUserFactory()
    monitoring.groups.add(Group.objects.get(name="Monitoring"))
    request.user = monitoring
    field = model_admin.formfield_for_foreignkey(RolloutStatus._meta.get_field("verwaltung"), request)
    assert territory.husum in field.queryset and territory.land in field.queryset


def test_history_lists_own_verwaltungen_only(client, territory):  # noqa: F811
    user = StaffUserFactory()
    user.groups.add(Group.objects.get(name="Kommune"))
    user.user_permissions.add(*Group.objects.get(name="Monitoring").permissions.filter(codename="view_statusevent"))
    services.membership_grant(user=user, organisation=territory.foehr, by=system_actor())
    verified_client_login(client, user)
    from ozg_monitoring.services import rollout_status_update

    leistung = OzgLeistungFactory()
    rollout_status_update(
        leistung=leistung, verwaltung=territory.foehr, changes={"stage": "geplant"}, by=system_actor()
    )
    rollout_status_update(
        leistung=leistung, verwaltung=territory.husum, changes={"stage": "geplant"}, by=system_actor()
    )
    response = client.get(reverse("admin:ozg_monitoring_statusevent_changelist"))
    assert [event.verwaltung_id for event in response.context["cl"].result_list] == [territory.foehr.pk]


def test_kommune_sees_no_foreign_import_job(kommune, territory):  # noqa: F811
    other = StaffUserFactory()
    job = ImportJob.objects.create(file=SimpleUploadedFile("x.csv", b"ozg_id,ars\n"), uploaded_by=other)
    # Kommune users see imports (their own): another's is not found (migration ozg_monitoring.0011)
    assert kommune.get(reverse("admin:ozg_monitoring_importjob_progress", args=[job.pk])).status_code == 404
    assert kommune.get(reverse("admin:ozg_monitoring_importjob_report", args=[job.pk])).status_code == 404


def test_kommune_admin_shows_only_statuses(kommune):
    response = kommune.get(reverse("admin:index"))
    models = {model["object_name"] for app in response.context["app_list"] for model in app["models"]}
    # its statuses, their history, broken links, its own imports and tokens
    assert models == {"RolloutStatus", "StatusEvent", "BrokenLink", "ImportJob", "ApiToken"}
