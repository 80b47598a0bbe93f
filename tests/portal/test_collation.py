"""Names sort in German order on the database in use (SQLite locally, PostgreSQL in CI) and in Python: umlauts
beside their base letter, not after Z."""

import pytest

from common.sql import german, german_key
from organisations.models import Organisation
from tests.organisations.factories import AmtFactory, AmtsangehoerigeGemeindeFactory, KreisFactory

NAMES = ["Bad Segeberg", "Ölmühle", "Apotheke", "Zarpen", "Oldenburg", "Ärztekammer", "Oeversee", "Übersee"]
GERMAN = ["Apotheke", "Ärztekammer", "Bad Segeberg", "Oeversee", "Oldenburg", "Ölmühle", "Übersee", "Zarpen"]


def test_german_key_in_python():
    assert sorted(NAMES, key=german_key) == GERMAN
    assert sorted(["müll", "Mull", "Müll"], key=german_key) == ["Mull", "müll", "Müll"]  # lower case first, as ICU


@pytest.mark.django_db
def test_german_order_on_the_database():
    kreis = KreisFactory(key="01054", name="Nordfriesland")
    amt = AmtFactory(kreis=kreis, verband_key="5488", name="Föhr-Amrum")
    for number, name in enumerate(NAMES, start=1):
        AmtsangehoerigeGemeindeFactory(amt=amt, number=f"{number:03d}", name=name)
    names = list(Organisation.objects.filter(amt=amt).order_by(german("name")).values_list("name", flat=True))
    assert names == GERMAN
    assert names.index("Ärztekammer") == names.index("Apotheke") + 1 < names.index("Bad Segeberg")
    assert names.index("Ölmühle") > names.index("Oldenburg")
    backwards = Organisation.objects.filter(amt=amt).order_by(german("name", descending=True))
    assert list(backwards.values_list("name", flat=True)) == GERMAN[::-1]
