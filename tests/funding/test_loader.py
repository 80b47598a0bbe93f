import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from funding.models import BudgetLine, InKindContribution
from tests.organisations.factories import LandFactory

from .factories import agreement, itvsh

pytestmark = pytest.mark.django_db


@pytest.fixture
def founding_prerequisites():
    LandFactory()
    itvsh()
    agreement("absichtserklaerung-ozg-2018", "Absichtserklärung OZG 2018")
    agreement("entlastungsvereinbarung-2018", "Vereinbarung über finanzielle Entlastungsmaßnahmen (Anfang 2018)")
    agreement("kooperationsvereinbarung-land-itvsh-2025", "Kooperationsvereinbarung Land–ITV.SH 2025")


def load() -> str:
    out = io.StringIO()
    call_command("load_founding_funding", stdout=out)
    return out.getvalue()


def test_loads_founding_figures_as_stated(founding_prerequisites):
    output = load()
    assert "Haushaltspositionen 11 angelegt, 0 geändert, 0 unverändert" in output
    assert "Sachleistungen 1 angelegt" in output

    ae = BudgetLine.objects.get(key="ae2018-land-pro-jahr")
    assert (ae.fiscal_year, ae.year_is_stated, ae.planned_amount) == (None, False, Decimal("1500000.00"))
    # The source: pledged "im Rahmen der Vereinbarung über finanzielle Entlastungsmaßnahmen Anfang 2018".
    assert ae.agreement.slug == "entlastungsvereinbarung-2018"
    assert ae.source.body.ars == "010000000000" and ae.recipient.slug == "itvsh"
    assert "23.07.2018" in ae.source_citation

    kv = BudgetLine.objects.filter(agreement__slug="kooperationsvereinbarung-land-itvsh-2025")
    assert sorted(set(kv.values_list("fiscal_year", flat=True))) == [2025, 2026, 2027, 2028, 2029]
    land = kv.filter(source__slug="land")
    assert land.count() == 5
    assert all(
        line.amount_is_approximate
        and line.amount_wording == "knapp 3 Millionen Euro pro Jahr"
        and line.planned_amount == Decimal("3000000.00")
        for line in land
    )
    kommunen = kv.filter(source__slug="kommunen")
    assert [line.planned_amount for line in kommunen] == [Decimal("1700000.00")] * 5
    assert not any(line.year_is_stated for line in kv)
    assert kommunen.first().source.body is None  # collective source

    staff = InKindContribution.objects.get()
    assert (staff.people_count, staff.fte, staff.from_body.ars) == (2, None, "010000000000")
    assert staff.agreement.slug == "absichtserklaerung-ozg-2018"


def test_second_run_changes_nothing(founding_prerequisites):
    load()
    before = list(BudgetLine.objects.order_by("key").values_list("key", "updated_at"))
    history_before = BudgetLine.history.count()
    output = load()
    assert "Haushaltspositionen 0 angelegt, 0 geändert, 11 unverändert" in output
    assert "Sachleistungen 0 angelegt, 0 geändert, 1 unverändert" in output
    assert list(BudgetLine.objects.order_by("key").values_list("key", "updated_at")) == before
    assert BudgetLine.history.count() == history_before


def test_corrected_figure_is_restored(founding_prerequisites):
    load()
    BudgetLine.objects.filter(key="kv2025-land-2027").update(planned_amount=Decimal("1.00"))
    assert "0 angelegt, 1 geändert, 10 unverändert" in load()
    assert BudgetLine.objects.get(key="kv2025-land-2027").planned_amount == Decimal("3000000.00")


def test_fails_clearly_without_register():
    with pytest.raises(CommandError, match="import_register"):
        load()
    assert not BudgetLine.objects.exists()


def test_fails_clearly_without_agreements():
    LandFactory()
    itvsh()
    agreement("absichtserklaerung-ozg-2018")
    agreement("entlastungsvereinbarung-2018")
    with pytest.raises(CommandError, match="kooperationsvereinbarung-land-itvsh-2025.*load_founding_agreements"):
        load()
    assert not BudgetLine.objects.exists()
