"""Every rule of issue 3, through the services (the one door admin, API and loader share)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from common.authorization import system_actor
from cooperations import services
from cooperations.models import Agreement, Measure, Wahlperiode
from cooperations.selectors import weighted_progress

from .factories import AgreementFactory, AmtFactory, LandFactory, signed_agreement

pytestmark = pytest.mark.django_db


def _errors(excinfo) -> dict:
    return excinfo.value.message_dict


def test_effective_date_not_before_signing():
    with pytest.raises(ValidationError) as excinfo:
        signed_agreement(signed_on=datetime.date(2024, 5, 1), effective_from=datetime.date(2024, 4, 30))
    assert "effective_from" in _errors(excinfo)
    agreement = signed_agreement(signed_on=datetime.date(2024, 5, 1), effective_from=datetime.date(2024, 5, 1))
    assert agreement.term_start == datetime.date(2024, 5, 1)


def test_effective_year_precision_compares_by_year():
    agreement = signed_agreement(
        signed_on=datetime.date(2024, 12, 10), effective_from=datetime.date(2024, 1, 1), effective_from_precision="year"
    )
    assert agreement.pk
    with pytest.raises(ValidationError):
        signed_agreement(
            signed_on=datetime.date(2024, 12, 10),
            effective_from=datetime.date(2023, 1, 1),
            effective_from_precision="year",
        )


def test_end_after_start():
    with pytest.raises(ValidationError) as excinfo:
        signed_agreement(term_kind="fixed_end", end_on=datetime.date(2024, 1, 10), duration_years=None)
    assert "end_on" in _errors(excinfo)
    agreement = signed_agreement(term_kind="fixed_end", end_on=datetime.date(2024, 1, 11), duration_years=None)
    assert agreement.term_end == datetime.date(2024, 1, 11)


def test_in_kraft_requires_signing_date():
    land, amt = LandFactory(), AmtFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.agreement_create(
            slug="ohne-datum",
            kind="sonstige",
            title="Ohne Datum",
            status=Agreement.Status.IN_KRAFT,
            parties=[(land, "land"), (amt, "partnerkommune")],
            by=system_actor(),
        )
    assert "status" in _errors(excinfo)
    assert "Unterzeichnungsdatum" in _errors(excinfo)["status"][0]
    assert not Agreement.objects.exists()


def test_signed_agreement_needs_two_parties():
    with pytest.raises(ValidationError) as excinfo:
        services.agreement_create(
            slug="eine-partei",
            kind="sonstige",
            title="Eine Partei",
            status="entwurf",
            signed_on=datetime.date(2024, 1, 1),
            parties=[(LandFactory(), "land")],
            by=system_actor(),
        )
    assert "parties" in _errors(excinfo)
    agreement = signed_agreement()
    with pytest.raises(ValidationError):
        services.party_remove(party=agreement.parties.first(), by=system_actor())
    assert agreement.parties.count() == 2


def test_draft_without_parties_is_fine():
    assert AgreementFactory().parties.count() == 0


def test_progress_between_0_and_100():
    agreement = signed_agreement()
    with pytest.raises(ValidationError) as excinfo:
        services.measure_create(agreement=agreement, title="Zu viel", progress=101, by=system_actor())
    assert "progress" in _errors(excinfo)
    measure = services.measure_create(agreement=agreement, title="Genau", progress=100, by=system_actor())
    assert measure.progress == 100


def test_measure_dates_inside_term_unless_follow_up():
    agreement = signed_agreement(signed_on=datetime.date(2024, 1, 10), years=3)  # term until 2027-01-09
    assert agreement.term_end == datetime.date(2027, 1, 9)
    with pytest.raises(ValidationError) as excinfo:
        services.measure_create(
            agreement=agreement, title="Zu spät", end_on=datetime.date(2027, 1, 10), by=system_actor()
        )
    assert "end_on" in _errors(excinfo)
    with pytest.raises(ValidationError):
        services.measure_create(
            agreement=agreement, title="Zu früh", start_on=datetime.date(2024, 1, 9), by=system_actor()
        )
    follow_up = services.measure_create(
        agreement=agreement, title="Folge", end_on=datetime.date(2028, 1, 1), is_follow_up=True, by=system_actor()
    )
    assert follow_up.pk


def test_shortening_the_term_cannot_strand_a_measure():
    agreement = signed_agreement(signed_on=datetime.date(2024, 1, 10), years=3)
    services.measure_create(agreement=agreement, title="Spät", end_on=datetime.date(2026, 12, 1), by=system_actor())
    with pytest.raises(ValidationError):
        services.agreement_update(agreement=agreement, duration_years=1, by=system_actor())


def test_wahlperiode_end_is_derived_and_follows_a_correction():
    period = Wahlperiode.objects.get(number=19)
    agreement = signed_agreement(
        signed_on=datetime.date(2018, 5, 4), term_kind="wahlperiode", wahlperiode=period, duration_years=None
    )
    assert agreement.term_end == datetime.date(2022, 6, 6)
    services.wahlperiode_update(wahlperiode=period, end=datetime.date(2022, 6, 30), by=system_actor())
    agreement.refresh_from_db()
    assert agreement.term_end == datetime.date(2022, 6, 30)


def test_seeded_wahlperioden():
    assert list(Wahlperiode.objects.values_list("number", "start", "end")) == [
        (18, datetime.date(2012, 6, 5), datetime.date(2017, 6, 5)),
        (19, datetime.date(2017, 6, 6), datetime.date(2022, 6, 6)),
        (20, datetime.date(2022, 6, 7), None),
    ]


def test_obligor_must_be_a_party():
    agreement = signed_agreement()
    with pytest.raises(ValidationError) as excinfo:
        services.obligation_create(agreement=agreement, obligor=AmtFactory(), title="Fremd", by=system_actor())
    assert "obligor" in _errors(excinfo)


def test_weighted_progress_explained():
    agreement = signed_agreement()
    services.measure_create(agreement=agreement, title="A", progress=100, weight=3, by=system_actor())
    services.measure_create(agreement=agreement, title="B", progress=20, weight=1, by=system_actor())
    services.measure_create(agreement=agreement, title="C", progress=None, weight=5, by=system_actor())
    services.measure_create(
        agreement=agreement, title="D", progress=90, weight=2, status=Measure.Status.ABGEBROCHEN, by=system_actor()
    )
    result = weighted_progress(agreement.measures.all())
    assert result["value"] == 80  # (100*3 + 20*1) / 4
    assert result["weighted_sum"] == 320 and result["total_weight"] == 4
    assert [row["counted"] for row in result["rows"]] == [True, True, False, False]


def test_history_records_changes():
    agreement = signed_agreement()
    services.agreement_update(agreement=agreement, title="Neuer Titel", by=system_actor())
    assert agreement.history.count() == 2
    assert agreement.history.first().title == "Neuer Titel"


def test_source_accepts_pdf_rejects_other_and_oversize(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    agreement = signed_agreement()
    pdf = SimpleUploadedFile("vertrag.pdf", b"%PDF-1.7\n%test\n", content_type="application/pdf")
    source = services.source_create(agreement=agreement, title="Vertrag", publisher="Land", file=pdf, by=system_actor())
    assert source.file.name.startswith("cooperations/sources/")
    assert (tmp_path / source.file.name).exists()

    fake = SimpleUploadedFile("vertrag.pdf", b"<html>kein pdf</html>", content_type="application/pdf")
    with pytest.raises(ValidationError) as excinfo:
        services.source_create(agreement=agreement, title="Falsch", publisher="Land", file=fake, by=system_actor())
    assert "file" in _errors(excinfo)

    settings.COOPERATIONS_SOURCE_MAX_BYTES = 1024
    big = SimpleUploadedFile("gross.pdf", b"%PDF-" + b"0" * 2000, content_type="application/pdf")
    with pytest.raises(ValidationError) as excinfo:
        services.source_create(agreement=agreement, title="Groß", publisher="Land", file=big, by=system_actor())
    assert "zu groß" in _errors(excinfo)["file"][0]
    assert agreement.sources.count() == 1
