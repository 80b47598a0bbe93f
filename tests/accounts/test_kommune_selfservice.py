"""Kommune self-service (issue 17, item 8): the history of its own statuses, its own status file (other
Verwaltungen' rows refused with the line named), what is stale, and no Kreis filter for a user of one Verwaltung."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import VerwaltungMembership
from common.authorization import system_actor
from common.messages import message
from ozg_monitoring.models import ImportJob, RolloutStatus, StatusEvent
from ozg_monitoring.services import rollout_status_update
from tests.ozg_monitoring.conftest import _plain_static_storage, territory  # noqa: F401 - fixtures
from tests.ozg_monitoring.factories import OzgLeistungFactory, RolloutStatusFactory

from .factories import StaffUserFactory
from .helpers import verified_client_login

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:ozg_monitoring_rolloutstatus_changelist")


def _kommune(client, organisation, role=VerwaltungMembership.Role.MELDEND):
    user = StaffUserFactory()
    user.groups.add(Group.objects.get(name="Kommune"))
    services.membership_grant(user=user, organisation=organisation, role=role, by=system_actor())
    verified_client_login(client, user)
    client.user = user
    return client


@pytest.fixture
def foehr(client, territory, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path
    return _kommune(client, territory.foehr)


@pytest.fixture
def upload_as(django_capture_on_commit_callbacks):
    def post(client, text):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("admin:ozg_monitoring_importjob_add"),
                {"file": SimpleUploadedFile("status.csv", text.encode(), content_type="text/csv")},
            )
        assert response.status_code == 302
        return ImportJob.objects.order_by("pk").last()

    return post


def test_kommune_reads_the_history_of_its_own_statuses(foehr, territory):  # noqa: F811
    leistung = OzgLeistungFactory()
    rollout_status_update(leistung=leistung, verwaltung=territory.foehr, changes={"stage": "geplant"}, by=foehr.user)
    rollout_status_update(
        leistung=leistung, verwaltung=territory.husum, changes={"stage": "geplant"}, by=system_actor()
    )
    response = foehr.get(reverse("admin:ozg_monitoring_statusevent_changelist"))
    assert response.status_code == 200
    assert [event.verwaltung_id for event in response.context["cl"].result_list] == [territory.foehr.pk]


def test_kommune_imports_its_own_file_and_other_rows_are_refused_by_line(foehr, territory, upload_as):  # noqa: F811
    own, other = OzgLeistungFactory(), OzgLeistungFactory()

    def upload(text):
        return upload_as(foehr, text)

    job = upload(
        f"ozg_id;ars;stage\n{own.ozg_id};{territory.foehr.ars};geplant\n{other.ozg_id};{territory.husum.ars};geplant\n"
    )
    assert (job.state, job.error_count) == ("failed", 1)
    assert job.errors_shown == [
        {
            "line": 3,
            "ozg_id": str(other.ozg_id),
            "ars": territory.husum.ars,
            "field": "ars",
            "message": message("ozg.verwaltung_forbidden"),
        }
    ]
    assert not RolloutStatus.objects.exists()
    page = foehr.get(job.get_absolute_url()).content.decode()
    assert "<td>3</td>" in page and message("ozg.verwaltung_forbidden") in page
    job = upload(f"ozg_id;ars;stage\n{own.ozg_id};{territory.foehr.ars};geplant\n")
    assert (job.state, job.created_count) == ("done", 1)
    assert StatusEvent.objects.get().changed_by == foehr.user


def test_a_reading_member_cannot_upload(client, territory):  # noqa: F811
    reader = _kommune(client, territory.foehr, role=VerwaltungMembership.Role.LESEND)
    assert reader.get(reverse("admin:ozg_monitoring_importjob_add")).status_code == 403


def test_kreis_filter_only_for_users_of_several_verwaltungen(foehr, territory):  # noqa: F811
    RolloutStatusFactory(verwaltung=territory.foehr)
    names = {getattr(spec, "parameter_name", None) for spec in foehr.get(CHANGELIST).context["cl"].filter_specs}
    assert "kreis" not in names and "aktualitaet" in names
    services.membership_grant(user=foehr.user, organisation=territory.husum, by=system_actor())
    specs = foehr.get(CHANGELIST).context["cl"].filter_specs
    assert "kreis" in {getattr(spec, "parameter_name", None) for spec in specs}


def test_kommune_finds_its_stale_statuses(foehr, territory, settings):  # noqa: F811
    settings.STALE_STATUS_MONTHS = 6
    stale, fresh = RolloutStatusFactory(verwaltung=territory.foehr), RolloutStatusFactory(verwaltung=territory.foehr)
    RolloutStatus.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - datetime.timedelta(days=200))
    response = foehr.get(CHANGELIST, {"aktualitaet": "veraltet"})
    assert [status.pk for status in response.context["cl"].result_list] == [stale.pk]
    assert fresh.pk not in {status.pk for status in response.context["cl"].result_list}


def test_kommune_sees_the_broken_links_of_its_own_verwaltungen(foehr, territory):  # noqa: F811
    from ozg_monitoring.models import LinkCheck

    own = RolloutStatusFactory(verwaltung=territory.foehr, url="https://foehr.example/a")
    foreign = RolloutStatusFactory(verwaltung=territory.husum, url="https://husum.example/a")
    for status in (own, foreign):
        LinkCheck.objects.create(status=status, url=status.url, ok=False, http_status=404, error="HTTP 404")
    response = foehr.get(reverse("admin:ozg_monitoring_brokenlink_changelist"))
    assert response.status_code == 200
    assert [check.status_id for check in response.context["cl"].result_list] == [own.pk]
