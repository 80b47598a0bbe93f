import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

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


def _event_checked_now(status, verwaltung):
    """A history entry of `status` naming `verwaltung`, its keys checked at once (PostgreSQL checks them at commit,
    which the test's transaction never reaches)."""
    StatusEvent.objects.create(
        status=status, leistung=status.leistung, verwaltung=verwaltung, channel="admin", new_values={}
    )
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="Den Schlüssel des Paares prüft nur PostgreSQL")
def test_a_history_entry_names_the_pair_of_a_status_or_the_database_refuses_it():
    status, other = RolloutStatusFactory(), RolloutStatusFactory()
    # The other status's Verwaltung with this status's Leistung: a pair no status has (migration 0019).
    with pytest.raises(IntegrityError), transaction.atomic():
        _event_checked_now(status, other.verwaltung)
    assert not StatusEvent.objects.filter(status=status).exists()
    _event_checked_now(status, status.verwaltung)
    assert StatusEvent.objects.filter(status=status).count() == 1


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


def test_migration_0002_fills_the_source_kind_from_channel_and_author(django_user_model):
    """Rows written before the source kind was stored get the one their public label was computed from."""
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Group

    from common.authorization import system_actor
    from tests.accounts.factories import kommune_user

    migration = importlib.import_module("ozg_monitoring.migrations.0002_provenance")
    monitoring = django_user_model.objects.create_user("mon", is_staff=True)
    monitoring.groups.add(Group.objects.get(name="Monitoring"))
    superuser = django_user_model.objects.create_user("boss", is_superuser=True)
    kommune = kommune_user()
    authors = {
        "demo": ("demo", None),
        "import": ("import", kommune),
        "monitoring": ("admin", monitoring),
        "superuser": ("api", superuser),
        "system": ("api", system_actor()),
        "kommune": ("api", kommune),
        "deleted": ("admin", None),
    }
    statuses = {}
    for who, (channel, author) in authors.items():
        status = RolloutStatusFactory(is_demo=who == "demo")
        StatusEvent.objects.create(
            status=status, leistung=status.leistung, verwaltung=status.verwaltung, channel=channel, changed_by=author
        )
        statuses[who] = status
    without_history = RolloutStatusFactory(is_demo=True)
    assert set(StatusEvent.objects.values_list("source_kind", flat=True)) == {""}  # as before the migration
    assert set(RolloutStatus.objects.values_list("source_kind", "source_at")) == {("", None)}

    migration.forwards(apps, None)

    expected = {
        "demo": "demo",
        "import": "import",
        "monitoring": "redaktion",
        "superuser": "redaktion",
        "system": "redaktion",
        "kommune": "kommune",
        "deleted": "",
    }
    assert {who: StatusEvent.objects.get(status=status).source_kind for who, status in statuses.items()} == expected
    assert {who: RolloutStatus.objects.get(pk=status.pk).source_kind for who, status in statuses.items()} == expected
    event = StatusEvent.objects.get(status=statuses["kommune"])
    assert RolloutStatus.objects.get(pk=statuses["kommune"].pk).source_at == event.changed_at
    without_history.refresh_from_db()
    assert (without_history.source_kind, without_history.source_at) == ("demo", without_history.updated_at)
