from organisations.models import LAND_ARS, Organisation
from tests.organisations.factories import (
    AmtFactory,
    AmtsangehoerigeGemeindeFactory,
    AmtsfreieGemeindeFactory,
    KreisFactory,
    KreisfreieStadtFactory,
    LandFactory,
    NonTerritorialFactory,
)


def test_factories_build_a_valid_consistent_hierarchy(db):
    gemeinde = AmtsangehoerigeGemeindeFactory()
    amt = gemeinde.amt
    kreis = amt.kreis
    assert gemeinde.verwaltung == amt and gemeinde.parent == amt and gemeinde.kreis == kreis
    assert amt.verwaltung == amt and amt.parent == kreis
    assert kreis.kreis == kreis and kreis.parent.ars == LAND_ARS
    assert gemeinde.ars.startswith(amt.ars[:9]) and amt.ars.startswith(kreis.ars[:5])
    assert gemeinde.ags == gemeinde.ars[:5] + gemeinde.ars[9:]
    stadt = KreisfreieStadtFactory()
    assert stadt.kreis == stadt and stadt.verwaltung == stadt and stadt.ars.endswith("0000000")
    frei = AmtsfreieGemeindeFactory(kreis=kreis)
    assert frei.verwaltung == frei and frei.kreis == kreis
    more = AmtsangehoerigeGemeindeFactory.create_batch(5, amt=amt)
    for body in [gemeinde, amt, kreis, stadt, frei, *more, LandFactory()]:
        body.full_clean()
    assert Organisation.objects.filter(kind="land").count() == 1
    assert Organisation.objects.below(amt.ars[:9]).count() == 7


def test_non_territorial_factory_reuses_slug(db):
    first = NonTerritorialFactory(kind=Organisation.Kind.ANSTALT, slug="itvsh", name="IT-Verbund Schleswig-Holstein")
    assert NonTerritorialFactory(slug="itvsh") == first
    assert first.ars is None
    first.full_clean()


def test_keys_stay_unique_across_many_rows(db):
    kreise = KreisFactory.create_batch(20)
    amt = AmtFactory(kreis=kreise[0])
    AmtsangehoerigeGemeindeFactory.create_batch(60, amt=amt)
    AmtsfreieGemeindeFactory.create_batch(10, kreis=kreise[0])
    assert Organisation.objects.values("ags").exclude(ags=None).distinct().count() == 20 + 70
