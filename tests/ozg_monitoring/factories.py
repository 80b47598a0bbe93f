"""factory_boy factories for the OZG catalogue and rollout status (Organisation factories: tests/organisations)."""

import itertools

import factory

from ozg_monitoring.models import (
    ExecutingLevel,
    Lebenslage,
    LeikaLeistung,
    OzgLeistung,
    RolloutStatus,
    Stage,
    Themenfeld,
)

_ids = itertools.count(1)


class ThemenfeldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Themenfeld

    catalogue_id = factory.LazyFunction(lambda: 100 + next(_ids))
    name = factory.Sequence(lambda n: f"Themenfeld {n}")


class LebenslageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lebenslage

    catalogue_id = factory.LazyFunction(lambda: 100 + next(_ids))
    name = factory.Sequence(lambda n: f"Lebenslage {n}")
    themenfeld = factory.SubFactory(ThemenfeldFactory)


class OzgLeistungFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OzgLeistung

    ozg_id = factory.LazyFunction(lambda: 20000 + next(_ids))
    name = factory.Sequence(lambda n: f"Leistung {n}")
    lebenslage = factory.SubFactory(LebenslageFactory)
    themenfeld = factory.SelfAttribute("lebenslage.themenfeld")
    level = ExecutingLevel.AMT_GEMEINDE
    # A level set by staff: the lookup trusts it (a merely derived level would read "noch nicht erfasst").
    level_source = OzgLeistung.LevelSource.MANUAL


class RolloutStatusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RolloutStatus

    leistung = factory.SubFactory(OzgLeistungFactory)
    verwaltung = factory.SubFactory("tests.organisations.factories.AmtFactory")
    stage = Stage.GEPLANT
    maturity_model = RolloutStatus.MaturityModel.V2_0
    maturity_level = 0


class OnlineStatusFactory(RolloutStatusFactory):
    stage = Stage.ONLINE
    maturity_level = 3
    url = factory.Sequence(lambda n: f"https://dienst.example/{n}")


class LeikaLeistungFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeikaLeistung

    key = factory.Sequence(lambda n: f"99{n:012d}")
    name = factory.Sequence(lambda n: f"LeiKa-Leistung {n}")
    leika_type = "2/3"
    ozg_leistung = factory.SubFactory(OzgLeistungFactory)
    catalogue_row = factory.Sequence(lambda n: n + 2)
