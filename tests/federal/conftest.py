"""Fixtures of the federal tests: the small territory of the OZG tests, two OZG-Leistungen with a LeiKa-Leistung,
and the records a federal answer plants (one per rule and reason)."""

from types import SimpleNamespace

import pytest

from tests.ozg_monitoring.conftest import territory  # noqa: F401 - fixture
from tests.ozg_monitoring.factories import LeikaLeistungFactory, OzgLeistungFactory

from .fake_dashboard import dv

LEIKA_KEY = "99041006017000"
UNKNOWN_LEIKA = "99999999999999"


@pytest.fixture
def catalogue(db):
    hund = OzgLeistungFactory(ozg_id=10100, name="Hundehaltung")
    wohngeld = OzgLeistungFactory(ozg_id=10200, name="Wohngeld")
    leika = LeikaLeistungFactory(key=LEIKA_KEY, ozg_leistung=hund)
    return SimpleNamespace(hund=hund, wohngeld=wohngeld, leika=leika)


@pytest.fixture
def planted(territory, catalogue):  # noqa: F811 - the fixture imported above
    """Twelve records, each planting one case of the record rule: 3 kept, 5 kept-unresolved, 4 skipped."""
    t = territory
    records = [
        dv(t.foehr.ars, 10100),  # kept
        dv(t.alkersum.ars, 10100),  # kept: a Gemeinde in an Amt, linked to the Gemeinde
        dv(t.husum.ars, None, ars_name=None, aktiv=None),  # ozgid_null
        dv(t.nf.ars, 99999),  # ozgid_unknown
        dv(t.foehr.ars, 10200, leika_key=UNKNOWN_LEIKA),  # leika_unknown
        dv("010019999999", 10100, leika_key=None),  # ars_unknown (SH, not in the register)
        dv(t.kiel.ars, "abc"),  # ozgid_invalid
        dv("020000000000", 10100),  # outside_sh (Hamburg)
        dv("091620000000", 10200),  # outside_sh (München)
        dv(None, 10100),  # ars_missing
        dv("01234", 10100),  # ars_invalid
        dv(t.kiel.ars, 10200, leika_key=None, online_status="kaputt", url=None),  # kept, a value outside the spec
    ]
    return SimpleNamespace(records=records, kept=3, kept_unresolved=5, skipped=4)
