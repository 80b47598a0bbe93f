"""factory_boy factories for agreements and their parts. Parties come from the register's factories."""

import datetime

import factory

from common.authorization import system_actor
from cooperations import services
from cooperations.models import Agreement, AgreementParty, Measure, Obligation, Source
from tests.organisations.factories import AmtFactory, KreisFactory, LandFactory, NonTerritorialFactory  # noqa: F401


class AgreementFactory(factory.django.DjangoModelFactory):
    """A draft agreement (no parties needed). Use `signed_agreement()` for one in force with two parties."""

    class Meta:
        model = Agreement
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"vereinbarung-{n}")
    kind = Agreement.Kind.KOOPERATIONSVEREINBARUNG
    title = factory.Sequence(lambda n: f"Testvereinbarung {n}")
    status = Agreement.Status.ENTWURF
    term_kind = Agreement.TermKind.UNKNOWN

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        topics = kwargs.pop("topics", [])
        kwargs.setdefault("by", system_actor())
        return services.agreement_create(topics=topics, **kwargs)


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgreementParty

    agreement = factory.SubFactory(AgreementFactory)
    organisation = factory.SubFactory(AmtFactory)
    role = AgreementParty.Role.PARTNERKOMMUNE


def signed_agreement(*, partner=None, signed_on=datetime.date(2024, 1, 10), years=3, **fields) -> Agreement:
    """An agreement in force, signed on `signed_on`, running `years` years, between the Land and `partner`."""
    land = LandFactory()
    partner = partner or AmtFactory()
    defaults = {
        "slug": f"signed-{partner.slug}-{Agreement.objects.count()}",
        "kind": Agreement.Kind.VERWALTUNGSKOOPERATION,
        "title": f"Kooperation Land – {partner.name} {Agreement.objects.count()}",
        "status": Agreement.Status.IN_KRAFT,
        "signed_on": signed_on,
        "term_kind": Agreement.TermKind.YEARS,
        "duration_years": years,
    }
    defaults.update(fields)
    defaults.setdefault("by", system_actor())
    return services.agreement_create(
        parties=[(land, AgreementParty.Role.LAND), (partner, AgreementParty.Role.PARTNERKOMMUNE)], **defaults
    )


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measure

    agreement = factory.SubFactory(AgreementFactory)
    title = factory.Sequence(lambda n: f"Maßnahme {n}")
    progress = 0
    weight = 1


class ObligationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Obligation

    title = factory.Sequence(lambda n: f"Pflicht {n}")


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    agreement = factory.SubFactory(AgreementFactory)
    title = factory.Sequence(lambda n: f"Quelle {n}")
    publisher = "Staatskanzlei Schleswig-Holstein"
