"""Fixtures of the OZG tests: a small territory with the real keys of Nordfriesland and Amt Föhr-Amrum."""

from types import SimpleNamespace

import pytest

from organisations.models import Organisation
from tests.organisations.factories import (
    AmtFactory,
    AmtsangehoerigeGemeindeFactory,
    AmtsfreieGemeindeFactory,
    KreisFactory,
    KreisfreieStadtFactory,
    LandFactory,
)


@pytest.fixture
def territory(db):
    """Land; Kreis Nordfriesland (01054) with Amt Föhr-Amrum (010545488000), its Gemeinde Alkersum and the
    amtsfreie Stadt Husum; kreisfreie Stadt Kiel (01002)."""
    land = LandFactory()
    nf = KreisFactory(key="01054", name="Nordfriesland", population=170_000)
    foehr = AmtFactory(kreis=nf, verband_key="5488", name="Föhr-Amrum", population=8_500)
    alkersum = AmtsangehoerigeGemeindeFactory(amt=foehr, number="005", name="Alkersum", postal_code="25938")
    husum = AmtsfreieGemeindeFactory(kreis=nf, number="058", name="Husum", population=23_000)
    kiel = KreisfreieStadtFactory(key="01002", name="Kiel, Landeshauptstadt", population=250_000)
    assert foehr.ars == "010545488000" and nf.ars == "010540000000"
    return SimpleNamespace(
        land=land, nf=nf, foehr=foehr, alkersum=alkersum, husum=husum, kiel=kiel, orgs=Organisation.objects.all()
    )


@pytest.fixture(autouse=True)
def _plain_static_storage(plain_static_storage):
    """Every OZG test renders with plain static files (tests/conftest.py)."""
