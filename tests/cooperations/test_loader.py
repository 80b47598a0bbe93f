"""The founding-content loader: facts of the documents, idempotent, fails clearly without the register."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from cooperations.models import Agreement, AgreementParty, Measure, Obligation, Signatory, Source
from cooperations.selectors import agreement_by_slug

SLUGS = {
    "itvsh-gesetz-2018",
    "kooperationsvereinbarung-land-itvsh-2019",
    "kooperationsvereinbarung-land-itvsh-2025",
    "absichtserklaerung-ozg-2018",
    "verwaltungskooperation-huettener-berge-2018",
    "verwaltungskooperation-foehr-amrum-2024",
}


def _counts():
    return [model.objects.count() for model in (Agreement, AgreementParty, Signatory, Obligation, Measure, Source)]


def test_loader_needs_the_register(db):
    with pytest.raises(CommandError, match="import_register"):
        call_command("load_founding_agreements", stdout=io.StringIO())
    assert Agreement.objects.count() == 0


def test_loader_loads_six_records_and_is_idempotent(register):
    call_command("load_founding_agreements", stdout=io.StringIO())
    first = _counts()
    assert set(Agreement.objects.values_list("slug", flat=True)) == SLUGS
    assert first == [6, 19, 6, 13, 10, 7]
    call_command("load_founding_agreements", stdout=io.StringIO())
    assert _counts() == first


def test_loader_states_the_documented_facts(register):
    call_command("load_founding_agreements", stdout=io.StringIO())
    huetten = agreement_by_slug("verwaltungskooperation-huettener-berge-2018")
    assert huetten.signed_on == datetime.date(2018, 5, 4)
    assert huetten.wahlperiode.number == 19
    assert huetten.term_end == datetime.date(2022, 6, 6)
    assert huetten.status == Agreement.Status.AUSGELAUFEN
    assert sorted(huetten.signatories.values_list("name", flat=True)) == ["Andreas Betz", "Robert Habeck"]
    assert set(huetten.parties.values_list("organisation__ars", flat=True)) == {"010000000000", "010585890000"}

    renewal = agreement_by_slug("kooperationsvereinbarung-land-itvsh-2025")
    first = agreement_by_slug("kooperationsvereinbarung-land-itvsh-2019")
    assert renewal.predecessor == first and first.successor == renewal
    assert renewal.signed_on is None and renewal.signed_date_unknown
    assert first.signed_on is None and "Unterzeichnungsdatum" in first.unknowns_note
    assert first.status == Agreement.Status.ERSETZT
    assert renewal.term_end == datetime.date(2029, 12, 31)
    assert sorted(renewal.signatories.values_list("name", flat=True)) == ["Dirk Schrödter", "Marc Ziertmann"]

    foehr = agreement_by_slug("verwaltungskooperation-foehr-amrum-2024")
    assert foehr.duration_years == 3 and foehr.term_end is None
    assert foehr.measures.count() == 5
    assert foehr.announced_on == datetime.date(2024, 5, 13)

    ozg = agreement_by_slug("absichtserklaerung-ozg-2018")
    assert set(ozg.parties.values_list("organisation__slug", flat=True)) >= {"ihk-sh", "hwk-sh", "shgt"}
    assert ozg.parties.count() == 6
    # Sources carry publisher/date/title; no document gives a URL, so none is invented.
    assert Source.objects.exclude(url="").count() == 0
    assert all(source.publisher for source in Source.objects.all())
