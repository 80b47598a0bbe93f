"""The register's language: one ARS rule (organisations/keys.py) for every app, the named kind groups, the filters
`ArsFilter`/`ArsPrefixFilter` in every FilterSet, the one admin "Kreis" filter, and the register's selectors as the
only way other apps load bodies."""

import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from common.messages import message
from organisations import keys, selectors
from organisations.admin_filters import KreisListFilter
from organisations.models import Organisation
from tests.organisations.factories import (
    AmtFactory,
    AmtsangehoerigeGemeindeFactory,
    KreisFactory,
    LandFactory,
)

ROOT = Path(__file__).resolve().parents[2]
Kind = Organisation.Kind


@pytest.mark.parametrize(
    ("value", "ars", "prefix"),
    [
        ("010545488001", True, True),
        ("010000000000", True, True),
        ("01054", False, True),
        ("01", False, True),
        ("0", False, False),
        ("020000000000", False, False),  # another Land: the register holds Schleswig-Holstein only
        ("02058", False, False),
        ("0105454880011", False, False),  # 13 digits
        ("010545488001\n", False, False),  # a trailing line break (which `$` would let through)
        (" 010545488001", False, False),
        ("٠١٠٥٤٥٤٨٨٠٠١", False, False),  # Arabic-Indic digits (which `\d` would let through)
        ("01054548800¹", False, False),
        (10545488001, False, False),  # a number, not a key
        (None, False, False),
    ],
)
def test_one_rule_for_an_ars_and_a_prefix(value, ars, prefix):
    assert keys.is_ars(value) is ars
    assert keys.is_prefix(value) is prefix
    if not ars:
        with pytest.raises(ValidationError) as error:
            keys.validate_ars(value)
        assert error.value.messages == [message("organisations.ars_format")]
    if not prefix:
        with pytest.raises(ValidationError) as error:
            keys.validate_prefix(value)
        assert error.value.messages == [message("organisations.ars_prefix_format")]


def test_ags_kreis_key_and_parts_of_an_ars():
    assert keys.is_ags("01054001") and not keys.is_ags("02054001") and not keys.is_ags("0105400")
    assert keys.is_kreis_key("01054") and not keys.is_kreis_key("010540") and not keys.is_kreis_key("02054")
    assert keys.kreis_key("010545488001") == "01054" and keys.verband_key("010545488001") == "010545488"
    assert keys.ars_of_prefix("01054") == "010540000000"
    assert keys.parse_ars(" 010545488001 ") == "010545488001"
    with pytest.raises(ValidationError):
        keys.parse_prefix("0")


def test_the_model_validates_keys_with_the_same_rule(db):
    body = Organisation(kind=Kind.AMT, name="Amt X", slug="amt-x", ars="020545488000", ags="0205400")
    with pytest.raises(ValidationError) as error:
        body.full_clean()
    assert error.value.message_dict["ars"] == [message("organisations.ars_format")]
    assert error.value.message_dict["ags"] == [message("organisations.ags_format")]


#: Every filter of every app that takes a key of the register, with the message it answers for a key of another
#: Land: the same one everywhere (before, the OZG filters took any 12 digits).
KEY_FILTERS = [
    ("/api/v1/organisations/", "ars", "organisations.ars_format"),
    ("/api/v1/organisations/", "ars_prefix", "organisations.ars_prefix_format"),
    ("/api/v1/cooperations/agreements/", "party_ars", "organisations.ars_format"),
    ("/api/v1/cooperations/agreements/", "party_ars_prefix", "organisations.ars_prefix_format"),
    ("/api/v1/cooperations/measures/", "lead_ars", "organisations.ars_format"),
    ("/api/v1/ozg/status/", "ars", "organisations.ars_format"),
    ("/api/v1/ozg/status/", "ars_prefix", "organisations.ars_prefix_format"),
    ("/api/v1/ozg/history/", "ars", "organisations.ars_format"),
    ("/api/v1/ozg/history/", "ars_prefix", "organisations.ars_prefix_format"),
    ("/api/v1/ozg/export/dashboard/", "ars", "organisations.ars_format"),
    ("/api/v1/ozg/export/dashboard/", "ars_prefix", "organisations.ars_prefix_format"),
]


WRONG = {
    "organisations.ars_format": ["020000000000", "٠١٠٥٤٥٤٨٨٠٠١", "01054548800"],
    "organisations.ars_prefix_format": ["02054", "٠١٠٥٤", "0"],
}


@pytest.mark.parametrize(("url", "name", "code"), KEY_FILTERS)
def test_every_key_filter_refuses_keys_of_another_land_with_the_same_message(client, db, url, name, code):
    for value in WRONG[code]:
        response = client.get(url, {name: value})
        assert response.status_code == 400, (url, name, value)
        assert response.json()[name] == [message(code)]


@pytest.mark.parametrize(("url", "name", "code"), KEY_FILTERS)
def test_every_key_filter_takes_a_key_of_schleswig_holstein(client, db, url, name, code):
    value = "010545488001" if code == "organisations.ars_format" else "01054"
    expected = 301 if url == "/api/v1/ozg/export/dashboard/" else 200  # the old export: a redirect
    assert client.get(url, {name: value}).status_code == expected


def test_the_status_api_refuses_a_verwaltung_of_another_land_with_the_registers_message(db):
    from ozg_monitoring.services import status_input

    _values, errors = status_input({"ozg_id": 1, "ars": "020000000000", "stage": "geplant"}, item=True)
    assert errors == {"ars": [message("organisations.ars_format")]}
    _values, errors = status_input({"provider": "020000000000"})
    assert errors == {"provider": [message("organisations.ars_format")]}


def test_no_other_module_writes_an_ars_pattern():
    """The ARS rule is written in organisations/keys.py only (migrations keep their literals)."""
    # 12, 10, 2–12 digits (an ARS, its tail, a prefix), "01" at the start; the LeiKa key (99 + 12 digits) is no ARS
    shapes = re.compile(r"(?<!99)(?:\[0-9\]|\\d)\{(?:10|12|2,12|0,10|6)\}|01\[0-9\]|01\\d|\^01")
    found = []
    for path in ROOT.glob("*/**/*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {"tests", ".venv", "node_modules"} or "migrations" in relative.parts:
            continue
        if relative == Path("organisations/keys.py"):
            continue
        if shapes.search(path.read_text()):
            found.append(str(relative))
    assert found == []


def test_kind_groups_are_named_once():
    """The groups "Kreise und kreisfreie Städte" and "Verwaltungen and the Land" are spelled out in the model only."""
    spelled = re.compile(
        r"\(\s*(?:Organisation\.|self\.)?Kind\.KREIS,\s*(?:Organisation\.|self\.)?Kind\.KREISFREIE_STADT\s*\)"
        r"|\*(?:Organisation\.)?VERWALTUNG_KINDS,\s*(?:Organisation\.)?Kind\.LAND"
    )
    found = []
    for app in ("organisations", "accounts", "cooperations", "ozg_monitoring", "funding", "opendata", "audit"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or path == ROOT / "organisations" / "models.py":
                continue
            if spelled.search(path.read_text()):
                found.append(str(path.relative_to(ROOT)))
    # opendata's history replay is rewritten by the structure part of issue 13 (one replay for both apps).
    assert found in ([], ["opendata/selectors.py"])
    assert Organisation.KREISEBENE_KINDS == (Kind.KREIS, Kind.KREISFREIE_STADT)
    assert set(Organisation.VERWALTUNG_AND_LAND_KINDS) == {*Organisation.VERWALTUNG_KINDS, Kind.LAND}
    assert set(Organisation.GEMEINDEEBENE_KINDS) == {Kind.AMT, Kind.AMTSFREIE_GEMEINDE, Kind.KREISFREIE_STADT}


def test_ozg_monitoring_reads_the_register_through_its_selectors():
    found = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "ozg_monitoring").rglob("*.py")
        if "migrations" not in path.parts and "Organisation.objects" in path.read_text()
    ]
    assert found == []


def test_register_selectors(db):
    land = LandFactory()
    kreis = KreisFactory()
    amt = AmtFactory(kreis=kreis)
    gemeinde = AmtsangehoerigeGemeindeFactory(amt=amt)
    assert selectors.land() == land
    assert selectors.gemeinde_by_ars(gemeinde.ars) == gemeinde and selectors.gemeinde_by_ars(amt.ars) is None
    assert selectors.gemeinde_by_ars("junk") is None
    assert selectors.verwaltung_by_ars(amt.ars) == amt and selectors.verwaltung_by_ars(land.ars) == land
    assert selectors.verwaltung_by_ars(gemeinde.ars) is None
    assert selectors.body_by_key(f" {amt.ars} ") == amt and selectors.body_by_key(amt.slug) == amt
    assert selectors.body_by_key("Nicht da!") is None
    assert {body.pk for body in selectors.bodies_by_keys([amt.ars], [kreis.pk])} == {amt.pk, kreis.pk}
    assert selectors.bodies_by_keys() == []
    assert selectors.prefix_below(kreis) == kreis.ars[:5] and selectors.prefix_below(amt) == amt.ars[:9]
    assert selectors.prefix_below(gemeinde) is None and selectors.prefix_below(land) is None


def test_every_admin_kreis_filter_is_the_one_filter():
    """The register, the OZG statuses and the memberships list by Kreis with the same parameter and encoding."""
    from django.contrib import admin

    from accounts.models import VerwaltungMembership
    from ozg_monitoring.models import RolloutStatus

    paths = {}
    for model in (Organisation, RolloutStatus, VerwaltungMembership):
        filters = [f for f in admin.site._registry[model].list_filter if isinstance(f, type)]
        kreis = [f for f in filters if issubclass(f, KreisListFilter)]
        assert len(kreis) == 1 and kreis[0].parameter_name == "kreis"
        assert not [f for f in filters if f.__name__.startswith("Kreis") and not issubclass(f, KreisListFilter)]
        paths[model.__name__] = kreis[0].path
    assert paths == {"Organisation": "", "RolloutStatus": "verwaltung", "VerwaltungMembership": "organisation"}


def test_admin_kreis_filter_by_kreis_key(admin_client, db):
    kreis_a, kreis_b = KreisFactory(), KreisFactory()
    amt = AmtFactory(kreis=kreis_a)
    AmtFactory(kreis=kreis_b)
    url = "/admin/organisations/organisation/"

    def listed(value):
        return set(admin_client.get(url, {"kreis": value}).context["cl"].result_list)

    assert listed(kreis_a.ars[:5]) == {kreis_a, amt}
    assert len(listed("nonsense")) == len(listed(kreis_a.ars)) == Organisation.objects.count()  # ignored
    html = admin_client.get(url).content.decode()
    assert f"?kreis={kreis_a.ars[:5]}" in html
