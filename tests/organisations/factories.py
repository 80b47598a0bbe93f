"""factory_boy factories for the register (`organisations.Organisation`), shared by every app's tests.

Keys are valid (12-digit ARS starting with 01, 8-digit AGS) and unique within a test, and they are chosen
outside the key ranges of the shipped register, so factories and the real register (fixture `register`)
can be combined in one test:

- Kreise and kreisfreie Städte use Kreis numbers 63–99 (real: 01–04, 51–62),
- Ämter use Verband keys 6000–8999 (real: 5005–5996, 9014, 9105 and 0xxx for amtsfreie Gemeinden),
- Gemeinden use Gemeinde numbers 500–999 (real: up to 189).

Usage::

    amt = AmtFactory()                                    # with its own Kreis (and the Land)
    gemeinde = AmtsangehoerigeGemeindeFactory(amt=amt)    # kreis, verwaltung and parent follow the Amt
    itvsh = NonTerritorialFactory(kind=Organisation.Kind.ANSTALT, slug="itvsh", name="IT-Verbund SH")
"""

import datetime
import itertools
from decimal import Decimal

import factory

from organisations.models import LAND_ARS, Organisation

_kreis_numbers = itertools.count()
_verband_numbers = itertools.count()
_gemeinde_numbers = itertools.count()

TERRITORY_AS_OF = datetime.date(2025, 11, 30)


def next_kreis_key() -> str:
    """A 5-digit Kreis key 01063–01099 (wraps after 37 Kreise)."""
    return f"010{63 + next(_kreis_numbers) % 37:02d}"


def next_verband_key() -> str:
    """A 4-digit Verband key 6000–8999."""
    return f"{6000 + next(_verband_numbers) % 3000:04d}"


def next_gemeinde_number() -> str:
    """A 3-digit Gemeinde number 500–999."""
    return f"{500 + next(_gemeinde_numbers) % 500:03d}"


class LandFactory(factory.django.DjangoModelFactory):
    """The one Land (ARS 010000000000); created once per test and reused."""

    class Meta:
        model = Organisation
        django_get_or_create = ("ars",)

    kind = Organisation.Kind.LAND
    ars = LAND_ARS
    slug = LAND_ARS
    name = "Land Schleswig-Holstein"
    short_name = "SH"
    official_type = "Land"
    population = None
    territory_as_of = TERRITORY_AS_OF


class KreisFactory(factory.django.DjangoModelFactory):
    """A Kreis: parent is the Land, `kreis` and `verwaltung` are the Kreis itself."""

    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    class Params:
        key = factory.LazyFunction(next_kreis_key)

    kind = Organisation.Kind.KREIS
    ars = factory.LazyAttribute(lambda o: f"{o.key}0000000")
    ags = factory.LazyAttribute(lambda o: f"{o.key}000")
    slug = factory.SelfAttribute("ars")
    name = factory.LazyAttribute(lambda o: f"Testkreis {o.key[3:]}")
    official_type = "Kreis"
    seat = factory.LazyAttribute(lambda o: f"Kreisstadt {o.key[3:]}")
    parent = factory.SubFactory(LandFactory)
    population = 150_000
    area_km2 = Decimal("1200.00")
    territory_as_of = TERRITORY_AS_OF

    @factory.post_generation
    def self_references(obj, create, extracted, **kwargs):
        obj.kreis = obj
        obj.verwaltung = obj
        if create:
            obj.save(update_fields=["kreis", "verwaltung"])


class KreisfreieStadtFactory(KreisFactory):
    """A kreisfreie Stadt: Kreis and Gemeinde at once (one record, `kreis` = `verwaltung` = itself)."""

    kind = Organisation.Kind.KREISFREIE_STADT
    name = factory.LazyAttribute(lambda o: f"Teststadt {o.key[3:]}")
    official_type = "Kreisfreie Stadt"
    seat = ""
    postal_code = "24100"
    population = 90_000
    area_km2 = Decimal("70.00")


class AmtFactory(factory.django.DjangoModelFactory):
    """An Amt in a Kreis: ARS = Kreis key + Verband key + 000; `verwaltung` is the Amt itself."""

    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    class Params:
        verband_key = factory.LazyFunction(next_verband_key)

    kind = Organisation.Kind.AMT
    kreis = factory.SubFactory(KreisFactory)
    parent = factory.SelfAttribute("kreis")
    ars = factory.LazyAttribute(lambda o: f"{o.kreis.ars[:5]}{o.verband_key}000")
    slug = factory.SelfAttribute("ars")
    name = factory.LazyAttribute(lambda o: f"Testamt {o.verband_key}")
    official_type = "Amt"
    seat = factory.LazyAttribute(lambda o: f"Amtssitz {o.verband_key}")
    population = 10_000
    area_km2 = Decimal("150.00")
    territory_as_of = TERRITORY_AS_OF

    @factory.post_generation
    def self_references(obj, create, extracted, **kwargs):
        obj.verwaltung = obj
        if create:
            obj.save(update_fields=["verwaltung"])


class AmtsfreieGemeindeFactory(factory.django.DjangoModelFactory):
    """An amtsfreie Gemeinde: ARS = Kreis key + 0 + number + number (as Destatis does), `verwaltung` = itself."""

    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    class Params:
        number = factory.LazyFunction(next_gemeinde_number)

    kind = Organisation.Kind.AMTSFREIE_GEMEINDE
    kreis = factory.SubFactory(KreisFactory)
    parent = factory.SelfAttribute("kreis")
    ars = factory.LazyAttribute(lambda o: f"{o.kreis.ars[:5]}0{o.number}{o.number}")
    ags = factory.LazyAttribute(lambda o: f"{o.kreis.ars[:5]}{o.number}")
    slug = factory.SelfAttribute("ars")
    name = factory.LazyAttribute(lambda o: f"Amtsfreie Testgemeinde {o.kreis.ars[3:5]}-{o.number}")
    official_type = "Stadt"
    postal_code = "24800"
    population = 12_000
    area_km2 = Decimal("30.00")
    territory_as_of = TERRITORY_AS_OF

    @factory.post_generation
    def self_references(obj, create, extracted, **kwargs):
        obj.verwaltung = obj
        if create:
            obj.save(update_fields=["verwaltung"])


class AmtsangehoerigeGemeindeFactory(factory.django.DjangoModelFactory):
    """A Gemeinde in an Amt: `amt`, `verwaltung` and `parent` are the Amt, `kreis` is the Amt's Kreis."""

    class Meta:
        model = Organisation

    class Params:
        number = factory.LazyFunction(next_gemeinde_number)

    kind = Organisation.Kind.AMTSANGEHOERIGE_GEMEINDE
    amt = factory.SubFactory(AmtFactory)
    kreis = factory.SelfAttribute("amt.kreis")
    verwaltung = factory.SelfAttribute("amt")
    parent = factory.SelfAttribute("amt")
    ars = factory.LazyAttribute(lambda o: f"{o.amt.ars[:9]}{o.number}")
    ags = factory.LazyAttribute(lambda o: f"{o.amt.ars[:5]}{o.number}")
    slug = factory.SelfAttribute("ars")
    name = factory.LazyAttribute(lambda o: f"Testdorf {o.amt.ars[3:5]}-{o.number}")
    official_type = "Kreisangehörige Gemeinde"
    postal_code = "24811"
    population = 800
    area_km2 = Decimal("12.50")
    territory_as_of = TERRITORY_AS_OF


class NonTerritorialFactory(factory.django.DjangoModelFactory):
    """A body without territory (Landesbehörde, Anstalt, Verband, Kammer, Sonstige): no ARS/AGS.

    Pass `kind` and `slug` to match the bodies the importer creates, e.g. `slug="itvsh"`; it reuses an existing
    row with the same slug (get_or_create), so it also works next to the imported register.
    """

    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    kind = Organisation.Kind.SONSTIGE
    slug = factory.Sequence(lambda n: f"stelle-{n}")
    name = factory.LazyAttribute(lambda o: f"Stelle {o.slug}")
    ars = None
    ags = None
