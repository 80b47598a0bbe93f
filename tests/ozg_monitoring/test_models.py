import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ozg_monitoring.models import RolloutStatus, Stage, StatusEvent

from .factories import OnlineStatusFactory, RolloutStatusFactory

pytestmark = pytest.mark.django_db


def test_maturity_range_is_enforced_per_model_by_the_database():
    status = RolloutStatusFactory(maturity_model="2.0", maturity_level=7)
    with pytest.raises(IntegrityError), transaction.atomic():
        RolloutStatus.objects.filter(pk=status.pk).update(maturity_model="1.1")
    status.refresh_from_db()
    assert (status.maturity_model, status.maturity_level) == ("2.0", 7)


def test_online_without_url_is_refused_by_the_database():
    status = OnlineStatusFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        RolloutStatus.objects.filter(pk=status.pk).update(url="")


def test_clean_names_each_broken_rule():
    status = RolloutStatusFactory.build(stage=Stage.ONLINE, maturity_model="1.1", maturity_level=1, url="")
    with pytest.raises(ValidationError) as error:
        status.clean()
    assert set(error.value.message_dict) == {"url", "maturity_level"}


def test_status_events_cannot_be_changed_or_deleted():
    status = RolloutStatusFactory()
    event = StatusEvent.objects.create(
        status=status, leistung=status.leistung, verwaltung=status.verwaltung, channel="admin", new_values={"a": 1}
    )
    event.new_values = {"a": 2}
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()
    assert StatusEvent.objects.get(pk=event.pk).new_values == {"a": 1}
