"""The founding-content loader: facts of the documents, idempotent, fails clearly without the register."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from cooperations.models import Agreement, AgreementParty, Measure, Obligation, Signatory, Source
from cooperations.selectors import agreement_by_slug

SLUGS = {
    "itvsh-gesetz-2018",
    "kooperationsvereinbarung-land-itvsh-erste",
    "kooperationsvereinbarung-land-itvsh-2025",
    "absichtserklaerung-ozg-2018",
    "verwaltungskooperation-huettener-berge-2018",
    "verwaltungskooperation-foehr-amrum-2024",
    "entlastungsvereinbarung-2018",
}


def _counts():
    return [model.objects.count() for model in (Agreement, AgreementParty, Signatory, Obligation, Measure, Source)]


def test_loader_needs_the_register(db):
    with pytest.raises(CommandError, match="import_register"):
        call_command("load_founding_agreements", stdout=io.StringIO())
    assert Agreement.objects.count() == 0


def test_loader_loads_seven_records_and_is_idempotent(register):
    call_command("load_founding_agreements", stdout=io.StringIO())
    first = _counts()
    assert set(Agreement.objects.values_list("slug", flat=True)) == SLUGS
    assert first == [7, 20, 6, 18, 10, 9]
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
    first = agreement_by_slug("kooperationsvereinbarung-land-itvsh-erste")
    assert renewal.predecessor == first and first.successor == renewal
    assert renewal.signed_on is None and renewal.signed_date_unknown
    assert first.signed_on is None and "Unterzeichnungsdatum" in first.unknowns_note
    assert first.status == Agreement.Status.ERSETZT and "„ersten fünf Kooperationsjahren“" in first.derived["status"]
    assert first.term_start is None and first.term_end is None
    assert renewal.term_end == datetime.date(2029, 12, 31)
    assert sorted(renewal.signatories.values_list("name", flat=True)) == ["Dirk Schrödter", "Marc Ziertmann"]

    foehr = agreement_by_slug("verwaltungskooperation-foehr-amrum-2024")
    assert foehr.duration_years == 3 and foehr.term_end is None
    assert foehr.measures.count() == 5
    assert foehr.announced_on == datetime.date(2024, 5, 13)

    ozg = agreement_by_slug("absichtserklaerung-ozg-2018")
    assert set(ozg.parties.values_list("organisation__slug", flat=True)) >= {"ihk-sh", "hwk-sh", "shgt"}
    assert ozg.parties.count() == 6
    assert ozg.status == Agreement.Status.UNBEKANNT and "Zieljahr 2022" in ozg.unknowns_note
    joint = ozg.obligations.filter(title__startswith="Die bisherigen Strukturen")
    assert set(joint.values_list("obligor__slug", flat=True)) == {"010000000000", "staedteverband-sh", "shgt", "shlkt"}
    # No source reports progress: every founding obligation and measure is "Stand nicht erfasst".
    assert set(Obligation.objects.values_list("status", flat=True)) == {Obligation.Status.NICHT_ERFASST}
    assert set(Measure.objects.values_list("status", flat=True)) == {Measure.Status.NICHT_ERFASST}

    law = agreement_by_slug("itvsh-gesetz-2018")
    assert (law.kind, law.status, law.signed_date_unknown, law.effective_from) == (
        "gesetzentwurf",
        "unbekannt",
        False,
        None,
    )
    assert law.sources.count() == 2
    relief = agreement_by_slug("entlastungsvereinbarung-2018")
    assert relief.status == Agreement.Status.UNBEKANNT and relief.parties.count() == 1
    assert "Anfang 2018" in relief.unknowns_note
    # Sources carry publisher/date/title; no document gives a URL, so none is invented.
    assert Source.objects.exclude(url="").count() == 0
    assert all(source.publisher for source in Source.objects.all())


def test_loader_corrects_untouched_records_and_keeps_edited_ones(register, django_user_model):
    """A database loaded with the earlier facts: the old slug is renamed, untouched records take the sourced
    facts, a record staff edited keeps the edit."""
    from cooperations import services
    from tests.accounts.factories import role_user

    call_command("load_founding_agreements", stdout=io.StringIO())
    first = agreement_by_slug("kooperationsvereinbarung-land-itvsh-erste")
    Agreement.objects.filter(pk=first.pk).update(slug="kooperationsvereinbarung-land-itvsh-2019", derived={})
    law = agreement_by_slug("itvsh-gesetz-2018")
    Agreement.objects.filter(pk=law.pk).update(kind="gesetz")
    foehr = agreement_by_slug("verwaltungskooperation-foehr-amrum-2024")
    editor = role_user("Redaktion")
    services.agreement_update(agreement=foehr, by=editor, summary="Von der Redaktion ergänzt.")
    foehr.history.filter(history_user__isnull=True).update(history_user=editor)
    Agreement.objects.filter(pk=foehr.pk).update(title="Alter Titel")

    out = io.StringIO()
    call_command("load_founding_agreements", stdout=out)
    assert not Agreement.objects.filter(slug="kooperationsvereinbarung-land-itvsh-2019").exists()
    first.refresh_from_db()
    assert first.slug == "kooperationsvereinbarung-land-itvsh-erste" and "status" in first.derived
    law.refresh_from_db()
    assert law.kind == "gesetzentwurf"
    foehr.refresh_from_db()
    assert foehr.title == "Alter Titel" and foehr.summary == "Von der Redaktion ergänzt."
    assert "an die Quellen angepasst: kooperationsvereinbarung-land-itvsh-erste" in out.getvalue()
    assert Agreement.objects.count() == 7
    second = io.StringIO()
    call_command("load_founding_agreements", stdout=second)
    assert "angepasst" not in second.getvalue()
