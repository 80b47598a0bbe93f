import datetime

import pytest
from django.utils import timezone

from common.authorization import system_actor
from ozg_monitoring.models import StatusEvent, Zustaendigkeit, ZustaendigkeitAusnahme
from ozg_monitoring.services import rollout_status_update
from ozg_monitoring.services.zustaendigkeit import zustaendigkeit_save
from tests.cooperations.factories import signed_agreement
from tests.funding.factories import BudgetLineFactory, DrawdownFactory
from tests.organisations.factories import AmtFactory, KreisFactory, LandFactory
from tests.ozg_monitoring.factories import LeikaLeistungFactory, OzgLeistungFactory


def month_start(back: int) -> datetime.date:
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 - back
    return datetime.date(index // 12, index % 12 + 1, 1)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def opendata_root(settings, tmp_path):
    settings.OPENDATA_ROOT = tmp_path / "opendata"
    return settings.OPENDATA_ROOT


@pytest.fixture
def portal_data(db):
    """A small portal: Land, a Kreis with two Ämter, three Leistungen (one with two LeiKa keys), an agreement with
    two parties, two budget lines with drawdowns, and statuses with a history:
    Amt A / Leistung 1: created geplant three months ago, online two months ago (the 10th, 10:00);
    Amt B / Leistung 1: created in_umsetzung one month ago (the 20th); Amt A / Leistung 2: created now."""
    land = LandFactory()
    kreis = KreisFactory()
    amt_a, amt_b = AmtFactory(kreis=kreis), AmtFactory(kreis=kreis)
    first, second, third = OzgLeistungFactory(), OzgLeistungFactory(), OzgLeistungFactory()
    LeikaLeistungFactory(ozg_leistung=first)
    LeikaLeistungFactory(ozg_leistung=first)
    agreement = signed_agreement(partner=amt_a)
    line = BudgetLineFactory(agreement=agreement, fiscal_year=2025)
    BudgetLineFactory(fiscal_year=2026)
    DrawdownFactory(line=line, status="ausgezahlt")
    DrawdownFactory(line=line, status="freigegeben")

    history = rollout_status_update(changes={"stage": "geplant"}, leistung=first, verwaltung=amt_a, by=system_actor())
    rollout_status_update(
        status=history,
        changes={
            "stage": "online",
            "url": "https://dienst.example/a",
            "maturity_level": 3,
            "actual_go_live": month_start(2).replace(day=10),
        },
        by=system_actor(),
    )
    events = list(StatusEvent.objects.filter(status=history).order_by("id"))
    StatusEvent.objects.filter(pk=events[0].pk).unguarded(reason="Test").update(
        changed_at=at(month_start(3).replace(day=5))
    )
    StatusEvent.objects.filter(pk=events[1].pk).unguarded(reason="Test").update(
        changed_at=at(month_start(2).replace(day=10))
    )
    later = rollout_status_update(
        changes={"stage": "in_umsetzung", "maturity_level": 1},
        leistung=first,
        verwaltung=amt_b,
        by=system_actor(),
    )
    StatusEvent.objects.filter(status=later).unguarded(reason="Test").update(
        changed_at=at(month_start(1).replace(day=20))
    )
    rollout_status_update(changes={"stage": "geplant"}, leistung=second, verwaltung=amt_a, by=system_actor())
    sourced = {"basis": "§ 1 LMG", "source_url": "https://quelle.example/lmg", "checked_on": datetime.date(2026, 12, 1)}
    zustaendigkeit_save(entry=Zustaendigkeit(leistung=first, level="amt_gemeinde", **sourced), by=system_actor())
    zustaendigkeit_save(
        entry=ZustaendigkeitAusnahme(leistung=first, area=amt_a, level="kreis", handled_by=kreis, **sourced),
        by=system_actor(),
    )
    return {
        "land": land,
        "kreis": kreis,
        "amt_a": amt_a,
        "amt_b": amt_b,
        "leistungen": [first, second, third],
        "agreement": agreement,
        "line": line,
    }
