"""What is recorded: create, update and delete of agreements, statuses (single and bulk), drawdowns, users'
groups, tokens; secrets never; nothing after a rollback; entries cannot be changed or deleted."""

import datetime
import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import services as account_services
from audit.context import acting_as
from audit.models import Action, AuditEntry, Door
from audit.registry import REDACTED, WITHHELD
from common.authorization import system_actor
from cooperations import services as cooperation_services
from cooperations.models import Agreement
from funding import services as funding_services
from ozg_monitoring.models import RolloutStatus, Stage
from ozg_monitoring.services import rollout_status_bulk_upsert, rollout_status_update
from tests.accounts.factories import StaffUserFactory, UserFactory, issue_token, role_user
from tests.cooperations.factories import AgreementFactory
from tests.funding.factories import DrawdownFactory, finance_user
from tests.ozg_monitoring.factories import OzgLeistungFactory, RolloutStatusFactory

User = get_user_model()
pytestmark = pytest.mark.django_db


def test_agreement_create_update_delete_with_values_and_diffs(entries):
    editor = StaffUserFactory(username="redaktion1")
    with acting_as(user=editor):
        agreement = AgreementFactory(title="Vereinbarung A")
        cooperation_services.agreement_update(agreement=agreement, title="Vereinbarung B", by=system_actor())
        agreement_id = agreement.pk
        agreement.delete()
    created, changed, deleted = entries(content_type__model="agreement")
    assert (created.action, changed.action, deleted.action) == (Action.CREATED, Action.CHANGED, Action.DELETED)
    assert created.changes["title"] == "Vereinbarung A" and created.object_id == str(agreement_id)
    assert changed.changes == {"title": ["Vereinbarung A", "Vereinbarung B"]}
    assert deleted.changes["title"] == "Vereinbarung B" and deleted.object_label == "Vereinbarung B"
    assert {e.actor_id for e in (created, changed, deleted)} == {editor.pk}
    assert {e.actor_label for e in (created, changed, deleted)} == {"redaktion1"}
    assert {e.door for e in (created, changed, deleted)} == {Door.SYSTEM}


def test_a_save_without_changes_writes_no_entry(entries):
    agreement = AgreementFactory()
    before = len(entries())
    Agreement.objects.get(pk=agreement.pk).save()
    assert len(entries()) == before


def test_agreement_topics_are_an_assignment_change(entries):
    from cooperations.models import Topic

    topic = Topic.objects.create(name="Prüfthema Audit", slug="pruefthema-audit")
    agreement = AgreementFactory()
    agreement.topics.add(topic)
    agreement.topics.remove(topic)
    added, removed = entries(action=Action.M2M)
    assert added.changes == {"topics": {"added": ["Prüfthema Audit"]}}
    assert removed.changes == {"topics": {"removed": ["Prüfthema Audit"]}}


def test_single_status_update_costs_one_query_more_and_names_the_status(territory, entries, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from audit.context import suppressed

    status = RolloutStatusFactory(verwaltung=territory.foehr, leistung=OzgLeistungFactory(name="Wohngeld"))
    with suppressed(), CaptureQueriesContext(connection) as without_audit:
        rollout_status_update(status=status, changes={"note": "ohne Protokoll"}, by=system_actor())
    with django_assert_num_queries(len(without_audit) + 1) as captured:
        rollout_status_update(status=status, changes={"stage": Stage.IN_UMSETZUNG}, by=system_actor())
    assert sum("audit_auditentry" in query["sql"] for query in captured.captured_queries) == 1
    entry = entries(content_type__model="rolloutstatus")[-1]
    assert entry.action == Action.CHANGED
    assert entry.changes == {"stage": ["geplant", "in_umsetzung"]}
    assert entry.object_label == f"Wohngeld – {territory.foehr}"


def _items(leistungen, verwaltung, stage):
    return [{"ozg_id": leistung.ozg_id, "ars": verwaltung.ars, "stage": stage} for leistung in leistungen]


def test_bulk_upsert_of_100_statuses_adds_exactly_one_query(territory, entries, django_assert_num_queries, monkeypatch):
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    import ozg_monitoring.services.status as ozg_services

    leistungen = OzgLeistungFactory.create_batch(100)
    ContentType.objects.get_for_model(RolloutStatus, for_concrete_model=False)  # warm, as in a running process
    # The same write for two Verwaltungen: once with the audit call switched off, once with it.
    real = ozg_services.audit_record_many
    monkeypatch.setattr(ozg_services, "audit_record_many", lambda **kwargs: None)
    with CaptureQueriesContext(connection) as without_audit:
        rollout_status_bulk_upsert(items=_items(leistungen, territory.husum, Stage.GEPLANT), by=system_actor())
    monkeypatch.setattr(ozg_services, "audit_record_many", real)
    with django_assert_num_queries(len(without_audit) + 1) as captured:
        result = rollout_status_bulk_upsert(items=_items(leistungen, territory.foehr, Stage.GEPLANT), by=system_actor())
    assert sum("audit_auditentry" in query["sql"] for query in captured.captured_queries) == 1
    assert result.created == 100
    created = entries(content_type__model="rolloutstatus", action=Action.CREATED)
    assert len(created) == 100
    assert created[-1].changes["stage"] == "geplant" and created[-1].door == Door.SYSTEM

    statuses = RolloutStatus.objects.filter(verwaltung=territory.foehr).count()
    assert statuses == 100
    result = rollout_status_bulk_upsert(
        items=_items(leistungen, territory.foehr, Stage.IN_UMSETZUNG),
        by=role_user("Monitoring", username="monitoring1"),
    )
    changed = entries(content_type__model="rolloutstatus", action=Action.CHANGED)
    assert result.updated == 100 and len(changed) == 100
    assert changed[0].changes == {"stage": ["geplant", "in_umsetzung"]}
    assert {entry.actor_label for entry in changed} == {"monitoring1"}
    assert changed[0].object_label.endswith(f"– {territory.foehr}")


def test_drawdown_approval_records_status_and_approver(entries):
    drawdown = DrawdownFactory(status="geprueft", reviewed_by=UserFactory())
    approver = finance_user(username="finanzen1")
    with acting_as(user=approver):
        funding_services.drawdown_approve(drawdown=drawdown, by=approver)
    entry = entries(content_type__model="drawdown", action=Action.CHANGED)[-1]
    assert entry.changes["status"] == ["geprueft", "freigegeben"]
    assert entry.changes["approved_by"] == [None, approver.pk]
    assert entry.actor_label == "finanzen1"
    assert entries(content_type__model="drawdowntransition", action=Action.CREATED)[-1].changes["to_status"] == (
        "freigegeben"
    )


def test_user_groups_change_and_password_is_never_logged(entries):
    redaktion, _ = Group.objects.get_or_create(name="Redaktion")
    user = User.objects.create_user(
        "kommune1", "anna.beispiel@kommune.example", "ein-langes-passwort-2025", first_name="Anna"
    )
    user.groups.add(redaktion)
    user.set_password("noch-ein-langes-passwort-2025")
    user.save()
    created, assigned, changed = entries(content_type__model="user")
    assert created.changes["password"] == REDACTED
    assert created.changes["email"] == WITHHELD and created.changes["first_name"] == WITHHELD
    assert "last_login" not in created.changes
    assert assigned.action == Action.M2M and assigned.changes == {"groups": {"added": ["Redaktion"]}}
    assert changed.changes == {"password": [REDACTED, REDACTED]}
    text = json.dumps([e.changes for e in entries()]) + " ".join(e.object_label for e in entries())
    assert "pbkdf2" not in text and "anna.beispiel" not in text and "Anna" not in text


def test_group_side_change_is_recorded_on_the_user(entries):
    group = Group.objects.create(name="Finanzen-Test")
    user = UserFactory(username="kommune2")
    group.user_set.add(user)
    entry = entries(content_type__model="user", action=Action.M2M)[-1]
    assert entry.object_id == str(user.pk) and entry.changes == {"groups": {"added": ["Finanzen-Test"]}}


def test_token_issue_and_revoke_without_key_or_hash(entries):
    admin = role_user("Administration", username="administration1")
    token, key = issue_token(name="Fachverfahren")
    account_services.api_token_revoke(token=token, by=admin)
    created, revoked = entries(content_type__model="apitoken")
    assert created.changes["key_hash"] == REDACTED and created.changes["prefix"] == key[:8]
    assert set(revoked.changes) == {"revoked_at", "revoked_by"}
    assert revoked.changes["revoked_by"] == [None, admin.pk]
    assert revoked.actor_label == "administration1"  # from the service's history user
    text = json.dumps([e.changes for e in entries()])
    assert key not in text and token.key_hash not in text


def test_rolled_back_transaction_leaves_no_entry(entries):
    with pytest.raises(RuntimeError), transaction.atomic():
        AgreementFactory(title="Nie gespeichert")
        assert entries(content_type__model="agreement")
        raise RuntimeError
    assert entries(content_type__model="agreement") == []
    assert not Agreement.objects.exists()


def test_entries_cannot_be_changed_or_deleted(entries):
    AgreementFactory()
    entry = entries()[0]
    entry.object_label = "anders"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    with pytest.raises(ValidationError):
        AuditEntry.objects.all().delete()
    with pytest.raises(ValidationError):
        AuditEntry.objects.update(object_label="anders")
    assert AuditEntry.objects.get(pk=entry.pk).object_label != "anders"


def test_deleting_a_user_keeps_the_name_of_their_entries(entries):
    editor = StaffUserFactory(username="ehemalig")
    with acting_as(user=editor):
        AgreementFactory()
    editor.delete()
    entry = entries(content_type__model="agreement")[0]
    assert entry.actor_id is None and entry.actor_label == "ehemalig"


@pytest.mark.postgres
def test_postgres_trigger_refuses_sql_updates_and_deletes(entries):
    from django.db import connection
    from django.db.utils import DatabaseError

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    AgreementFactory()
    for sql in ("UPDATE audit_auditentry SET object_label = 'x'", "DELETE FROM audit_auditentry"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert entries()[0].object_label != "x"


def test_demo_like_suppressed_blocks_write_no_single_entries(entries):
    from audit.context import suppressed

    with suppressed():
        AgreementFactory()
    assert entries() == []


def test_dates_and_money_are_json_strings(entries):
    drawdown = DrawdownFactory()
    created = entries(content_type__model="drawdown")[-1]
    assert created.object_id == str(drawdown.pk)
    assert created.changes["amount"] == "1000.00"
    assert created.changes["requested_on"] == datetime.date(2025, 3, 1).isoformat()
