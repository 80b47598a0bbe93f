"""One append-only base model (common.models.AppendOnlyModel) for the three logs: the audit trail, the history of the
OZG statuses and the transitions of a drawdown. No save of an existing row, no delete, no QuerySet update or delete;
the deletion collector's cascades still work, and `unguarded(reason=...)` is the one named escape."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from audit.models import AuditEntry
from common.authorization import system_actor
from common.models import AppendOnlyModel, AppendOnlyQuerySet
from funding import services as funding_services
from funding.models import DrawdownTransition
from ozg_monitoring.models import RolloutStatus, StatusEvent
from tests.funding.factories import BudgetLineFactory, finance_user
from tests.ozg_monitoring.factories import RolloutStatusFactory

pytestmark = pytest.mark.django_db

LOGS = [AuditEntry, StatusEvent, DrawdownTransition]


@pytest.fixture
def entries():
    """One entry in each log."""
    status = RolloutStatusFactory()
    event = StatusEvent.objects.create(
        status=status, leistung=status.leistung, verwaltung=status.verwaltung, channel="admin", new_values={"a": 1}
    )
    drawdown = funding_services.drawdown_request(
        line=BudgetLineFactory(), amount="10.00", purpose_text="Beratung", by=finance_user(username="antrag")
    )
    return {
        StatusEvent: event,
        DrawdownTransition: drawdown.transitions.get(),
        AuditEntry: AuditEntry.objects.order_by("-id").first(),
    }


def test_the_three_logs_share_the_base():
    for model in LOGS:
        assert issubclass(model, AppendOnlyModel), model
        assert isinstance(model.objects.all(), AppendOnlyQuerySet), model
        # no log restates the guard by hand
        assert not {"save", "delete"} & set(vars(model)), model


#: A text field of each log, to try to change.
FIELD = {AuditEntry: "object_label", StatusEvent: "channel", DrawdownTransition: "reason"}


@pytest.mark.parametrize("model", LOGS, ids=lambda model: model.__name__)
def test_no_door_changes_or_deletes_an_entry(entries, model):
    entry = entries[model]
    field = FIELD[model]
    changed, deleted = str(model.change_refused), str(model.delete_refused)
    before = model.objects.filter(pk=entry.pk).values().get()
    setattr(entry, field, "x")
    with pytest.raises(ValidationError, match=changed):
        entry.save()
    with pytest.raises(ValidationError, match=deleted):
        entry.delete()
    with pytest.raises(ValidationError, match=changed):
        model.objects.filter(pk=entry.pk).update(**{field: "x"})
    with pytest.raises(ValidationError, match=changed):
        model.objects.update(**{field: "x"})
    with pytest.raises(ValidationError, match=changed), transaction.atomic():  # bulk_update has no savepoint
        model.objects.bulk_update([entry], [field])
    with pytest.raises(ValidationError, match=deleted):
        model.objects.filter(pk=entry.pk).delete()
    with pytest.raises(ValidationError, match=deleted):
        model.objects.all().delete()
    copy = model.objects.get(pk=entry.pk)
    copy._state.adding = True  # looks new, but carries the number of a stored row
    with pytest.raises(ValidationError, match=changed):
        copy.save()
    assert model.objects.filter(pk=entry.pk).values().get() == before


def test_status_event_queryset_delete_raises(entries):
    """The hole of issue 13: `StatusEvent.objects.filter(...).delete()` deleted history."""
    event = entries[StatusEvent]
    with pytest.raises(ValidationError):
        StatusEvent.objects.filter(status=event.status).delete()
    assert StatusEvent.objects.filter(pk=event.pk).exists()


def test_a_deleted_status_takes_its_history_with_it(entries):
    """Cascades of the deletion collector are not the log's own delete (the demo remover deletes statuses)."""
    event = entries[StatusEvent]
    with transaction.atomic():
        RolloutStatus.objects.filter(pk=event.status_id).delete()
    assert not StatusEvent.objects.filter(pk=event.pk).exists()


def test_the_one_escape_needs_a_reason(entries):
    event = entries[StatusEvent]
    with pytest.raises(ValueError):
        StatusEvent.objects.filter(pk=event.pk).unguarded(reason=" ")
    changed = StatusEvent.objects.filter(pk=event.pk).unguarded(reason="Test").update(channel="api")
    assert changed == 1 and StatusEvent.objects.get(pk=event.pk).channel == "api"
    assert StatusEvent.objects.filter(pk=event.pk).unguarded(reason="Test").delete()[0] == 1


def test_writing_through_the_services_still_appends(entries):
    status = entries[StatusEvent].status
    from ozg_monitoring.services import rollout_status_update

    before = StatusEvent.objects.count()
    rollout_status_update(
        status=status,
        changes={"stage": "in_umsetzung", "note": "weiter"},
        by=system_actor(),
    )
    assert StatusEvent.objects.count() == before + 1
