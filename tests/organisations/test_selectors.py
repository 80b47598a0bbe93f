"""Reads shared by pages, API and other apps (organisations/selectors.py, organisations/text.py)."""

import pytest
from django.core.exceptions import ValidationError

from organisations.models import Organisation
from organisations.selectors import body_detail, members_of_amt, parse_query, search_bodies, search_gemeinden
from organisations.text import search_name
from tests.organisations.factories import AmtFactory, AmtsangehoerigeGemeindeFactory

Kind = Organisation.Kind


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Heide, Stadt", "heide"),
        ("Stadt Heide", "heide"),
        ("Kiel, Landeshauptstadt", "kiel"),
        ("Amt Hüttener Berge", "huttener berge"),
        ("Huettener Berge", "huttener berge"),
        ("Föhr-Amrum", "fohr amrum"),
        ("Sachsenwald (Forstgutsbez.),gemfr.Geb.", "sachsenwald"),
        ("Kirchspielslandgemeinde Eider", "eider"),
    ],
)
def test_search_name(name, expected):
    assert search_name(name) == expected


@pytest.mark.parametrize(
    ("query", "kind", "value"),
    [
        ("24358", "plz", "24358"),
        (" 01058 ", "key", "01058"),
        ("010585890008", "key", "010585890008"),
        ("01058008", "key", "01058008"),
        ("Amt Hüttener Berge", "name", "huttener berge"),
    ],
)
def test_parse_query(query, kind, value):
    parsed = parse_query(query)
    assert (parsed.kind, parsed.value) == (kind, value)


@pytest.mark.parametrize("query", ["", "  ", "1", "123", "1234567", "0205", "0105858900081", "x", "a" * 101])
def test_parse_query_rejects_malformed_input(query):
    with pytest.raises(ValidationError) as error:
        parse_query(query)
    assert error.value.messages[0]


def test_search_gemeinden_returns_only_gemeinden_ranked(register, django_assert_num_queries):
    # an Amt of that name?, a Gemeinde of exactly that name?, anything as typed (else the closest names), the rows
    with django_assert_num_queries(4):
        results = list(search_gemeinden("Hürup"))
        names = [(body.name, body.kreis.name, body.verwaltung.display_name) for body in results]
    assert names[0] == ("Hürup", "Schleswig-Flensburg", "Amt Hürup")
    assert all(body.kind in Organisation.GEMEINDE_KINDS for body in results)
    assert results[0].search_rank == 0
    assert [body.search_rank for body in results] == sorted(body.search_rank for body in results)


def test_search_ranks_exact_then_prefix_then_contains(register):
    results = list(search_bodies("Berg"))
    ranks = [body.search_rank for body in results]
    assert ranks == sorted(ranks)
    assert {0, 1, 2} >= set(ranks) and 1 in ranks and 2 in ranks
    assert all("berg" in body.search_name for body in results)


def test_search_by_keys(register):
    assert [b.ars for b in search_bodies("010585890008")] == ["010585890008"]
    assert [b.ars for b in search_bodies("01058008")][0] == "010585890008"
    by_amt_key = list(search_bodies("010585890"))
    assert by_amt_key[0].ars == "010585890000" and len(by_amt_key) == 17
    assert search_bodies("01058")[0].ars == "010580000000"
    assert search_bodies("ITV.SH")[0].slug == "itvsh"


def test_body_detail_and_members(register, django_assert_num_queries):
    with django_assert_num_queries(1):
        body = body_detail("010585890008")
        assert (body.amt.name, body.kreis.name, body.verwaltung.name) == (
            "Amt Hüttener Berge",
            "Rendsburg-Eckernförde",
            "Amt Hüttener Berge",
        )
    assert body_detail("itvsh").kind == Kind.ANSTALT
    with pytest.raises(Organisation.DoesNotExist):
        body_detail("010585890009")
    with pytest.raises(ValidationError):
        body_detail("0105")
    amt = body_detail("010545488000")
    assert amt.member_count == 15
    assert len(members_of_amt(amt)) == 15


def test_members_of_amt_with_factories(db):
    amt = AmtFactory()
    AmtsangehoerigeGemeindeFactory.create_batch(3, amt=amt)
    AmtsangehoerigeGemeindeFactory()  # another Amt
    assert members_of_amt(amt).count() == 3
