"""Through which door a change came: admin, API with a token (its prefix, never the key), API with a session,
management command, Celery task, shell; and who made it."""

import io

import pytest
from celery import shared_task
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import RequestFactory

from audit.context import acting_as, current_actor, request_context
from audit.models import Action, Door
from common.authorization import system_actor
from cooperations.models import Topic
from ozg_monitoring.models import Stage
from tests.accounts.factories import (
    StaffUserFactory,
    UserFactory,
    VerwaltungMembershipFactory,
    issue_token,
    kommune_user,
)
from tests.funding.factories import DrawdownFactory, finance_user
from tests.ozg_monitoring.factories import OzgLeistungFactory, RolloutStatusFactory

pytestmark = pytest.mark.django_db


@shared_task(name="tests.audit.create_topic")
def create_topic(name: str) -> int:
    return Topic.objects.create(name=name, slug=name.lower().replace(" ", "-")).pk


def test_admin_change_is_recorded_with_the_admin_door(admin_client, admin_user, entries):
    group = Group.objects.create(name="Redaktion-Test")
    response = admin_client.post(f"/admin/auth/group/{group.pk}/change/", {"name": "Redaktion-Neu", "permissions": []})
    assert response.status_code == 302, response.content[:500]
    entry = entries(content_type__model="group", action=Action.CHANGED)[-1]
    assert entry.changes == {"name": ["Redaktion-Test", "Redaktion-Neu"]}
    assert (entry.door, entry.actor_id, entry.actor_label) == (Door.ADMIN, admin_user.pk, admin_user.username)


def test_api_token_door_names_the_token_by_prefix_and_id(client, territory, entries):
    user = kommune_user(username="kommune-foehr")
    VerwaltungMembershipFactory(user=user, organisation=territory.foehr)
    token, key = issue_token(user=user, name="Fachverfahren")
    status = RolloutStatusFactory(verwaltung=territory.foehr, leistung=OzgLeistungFactory())
    response = client.patch(
        f"/api/v1/ozg/status/{status.pk}/",
        {"stage": Stage.IN_UMSETZUNG, "version": 1},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert response.status_code == 200, response.content
    entry = entries(content_type__model="rolloutstatus", action=Action.CHANGED)[-1]
    assert entry.door == Door.API_TOKEN
    assert entry.door_detail == f"{token.prefix}…" and entry.token_id == token.pk
    assert (entry.actor_id, entry.actor_label) == (user.pk, "kommune-foehr")
    assert key not in str(entry.__dict__) and token.key_hash not in str(entry.__dict__)


def test_api_bulk_with_token_records_every_status_through_the_token_door(client, territory, entries):
    user = kommune_user()
    VerwaltungMembershipFactory(user=user, organisation=territory.foehr)
    token, key = issue_token(user=user)
    leistungen = OzgLeistungFactory.create_batch(3)
    items = [{"ozg_id": leistung.ozg_id, "ars": territory.foehr.ars, "stage": "geplant"} for leistung in leistungen]
    response = client.post(
        "/api/v1/ozg/status/bulk/", {"items": items}, content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert response.status_code == 200, response.content
    created = entries(content_type__model="rolloutstatus", action=Action.CREATED)
    assert len(created) == 3 and {(e.door, e.token_id) for e in created} == {(Door.API_TOKEN, token.pk)}


def test_api_session_door_for_a_drawdown_approval(client, verified_login, entries):
    approver = finance_user(username="finanzen-api")
    drawdown = DrawdownFactory(status="geprueft", reviewed_by=UserFactory())
    verified_login(client, approver)
    response = client.post(f"/api/v1/funding/drawdowns/{drawdown.pk}/approve/", {}, content_type="application/json")
    assert response.status_code == 200, response.content
    entry = entries(content_type__model="drawdown", action=Action.CHANGED)[-1]
    assert entry.changes["status"] == ["geprueft", "freigegeben"]
    assert (entry.door, entry.door_detail, entry.token_id) == (Door.API, "", None)
    assert entry.actor_label == "finanzen-api"


def test_management_command_door(entries, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "ein-sehr-langes-passwort-2025")
    call_command(
        "createsuperuser", "--noinput", username="betrieb", email="betrieb@itvsh.example", stdout=io.StringIO()
    )
    entry = entries(content_type__model="user", action=Action.CREATED)[-1]
    assert (entry.door, entry.door_detail, entry.object_label) == (Door.IMPORT, "createsuperuser", "betrieb")
    # A command acts as the system actor (common.authorization.system_actor), so every entry names who acted.
    assert (entry.actor_id, entry.actor_label) == (system_actor().pk, "system")


def test_celery_task_door_also_when_run_eagerly(entries):
    create_topic.delay("Thema aus Aufgabe")
    entry = entries(content_type__model="topic")[-1]
    assert (entry.door, entry.door_detail) == (Door.CELERY, "tests.audit.create_topic")
    assert entry.actor_label == "system"
    # After the task the context is what it was before.
    assert current_actor().door == Door.SYSTEM


def test_shell_door(entries):
    call_command("shell", command="from cooperations.models import Topic; Topic.objects.create(name='Shell', slug='s')")
    Topic.objects.create(name="Skript", slug="skript")
    shell, script = entries(content_type__model="topic")
    assert shell.door == script.door == Door.SYSTEM and shell.actor_id is None


def test_acting_as_names_user_and_door_for_services(entries):
    user = StaffUserFactory(username="importeur")
    with acting_as(user=user, door=Door.IMPORT, detail="csv"):
        Topic.objects.create(name="Import", slug="import")
    entry = entries(content_type__model="topic")[-1]
    assert (entry.door, entry.door_detail, entry.actor_label) == (Door.IMPORT, "csv", "importeur")


@pytest.mark.parametrize(
    ("path", "door"),
    [("/admin/cooperations/", Door.ADMIN), ("/api/v1/ozg/status/", Door.API), ("/kooperationen/", Door.WEB)],
)
def test_request_paths_map_to_doors(path, door):
    request = RequestFactory().post(path)
    request.user = StaffUserFactory()
    with request_context(request):
        actor = current_actor()
    assert actor.door == door and actor.user == request.user


def test_the_status_import_task_records_the_uploader_not_the_system(
    territory, entries, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ozg_monitoring.models import ImportJob
    from ozg_monitoring.services import import_job_create
    from tests.accounts.factories import role_user

    uploader = role_user("Monitoring", username="hochladende")  # the group that may import files
    leistung = OzgLeistungFactory()
    upload = SimpleUploadedFile(
        "stand.csv",
        f"ozg_id,ars,stage\n{leistung.ozg_id},{territory.foehr.ars},geplant\n".encode(),
        content_type="text/csv",
    )
    with django_capture_on_commit_callbacks(execute=True):  # the task runs once the upload is committed
        job = import_job_create(file=upload, by=uploader)
    assert ImportJob.objects.get(pk=job.pk).state == "done"
    status_entries = entries(content_type__model="rolloutstatus")
    assert len(status_entries) == 1
    entry = status_entries[0]
    assert (entry.door, entry.door_detail) == (Door.CELERY, "ozg_monitoring.import_job_process")
    assert (entry.actor_id, entry.actor_label) == (uploader.pk, "hochladende")


def test_scheduled_tasks_act_as_the_system_actor(entries):
    import datetime

    from cooperations.tasks import cooperations_daily
    from tests.cooperations.factories import signed_agreement

    signed_agreement(signed_on=datetime.date(2015, 1, 1), years=3)  # ended: the daily task closes it
    before = len(entries())
    cooperations_daily.delay()
    new = entries()[before:]
    assert new, "the daily task changed nothing"
    assert {(entry.door, entry.actor_label) for entry in new} == {(Door.CELERY, "system")}
    assert {entry.actor_id for entry in new} == {system_actor().pk}
