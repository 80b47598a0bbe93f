"""Forms that fit the task (issue 17, item 4): organisations by autocomplete ("Name (Art, ARS)"), obligors, leads
and participants limited to the parties, the responsible person chosen by Redaktion, a chosen PDF not silently
lost, a late obligation "verspätet" at once, renewals, "ersetzt", an amendment that changes the term."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.test import Client

from common.authorization import system_actor
from cooperations import services
from cooperations.models import Agreement, Obligation
from tests.accounts.helpers import verified_client_login

from .factories import AmtFactory, KreisFactory, signed_agreement
from .test_admin import ADD, _inline, _payload

pytestmark = pytest.mark.django_db

ORGANISATIONS = "/admin/cooperations/agreement/organisationen/"
RESPONSIBLE = "/admin/cooperations/agreement/verantwortliche/"


@pytest.fixture
def redaktion(django_user_model):
    user = django_user_model.objects.create_user("redakteurin", email="red@itvsh.example", is_staff=True)
    user.groups.add(Group.objects.get(name="Redaktion"))
    return verified_client_login(Client(), user)


def test_organisation_autocomplete_labels_name_kind_and_ars_and_limits_to_parties(redaktion):
    agreement = signed_agreement(partner=AmtFactory(name="Hüttener Berge"))
    outsider = KreisFactory()
    amt = agreement.parties.get(role="partnerkommune").organisation
    everyone = redaktion.get(ORGANISATIONS, {"term": amt.ars[:9]}).json()
    assert f"Amt Hüttener Berge (Amt, {amt.ars})" in [row["text"] for row in everyone["results"]]
    parties = redaktion.get(ORGANISATIONS, {"agreement": agreement.pk}).json()["results"]
    assert {int(row["id"]) for row in parties} == set(agreement.parties.values_list("organisation_id", flat=True))
    assert str(outsider.pk) not in {row["id"] for row in parties}


def test_agreement_page_has_no_raw_id_popups_and_offers_the_autocompletes(admin_client):
    agreement = signed_agreement()
    services.obligation_create(
        agreement=agreement, obligor=agreement.parties.first().organisation, title="Bericht", by=system_actor()
    )
    page = admin_client.get(f"/admin/cooperations/agreement/{agreement.pk}/change/").content.decode()
    assert "vForeignKeyRawIdAdminField" not in page and "vManyToManyRawIdAdminField" not in page
    assert f"{ORGANISATIONS}?agreement={agreement.pk}" in page  # obligor, lead, participants: the parties
    assert RESPONSIBLE in page
    assert "Als Verlängerung anlegen" in page


def test_redaktion_can_search_and_set_the_responsible_person_without_user_rights(redaktion, django_user_model):
    owner = django_user_model.objects.create_user(
        "kpetersen", first_name="Karin", last_name="Petersen", email="kp@itvsh.example", is_staff=True
    )
    django_user_model.objects.create_user("buerger", email="b@example.org")  # not staff: not offered
    answer = redaktion.get(RESPONSIBLE, {"term": "peters"})
    assert answer.status_code == 200
    assert answer.json()["results"] == [{"id": str(owner.pk), "text": "Karin Petersen (kpetersen)"}]
    assert redaktion.get(RESPONSIBLE, {"term": "buerger"}).json()["results"] == []
    assert redaktion.get("/admin/auth/user/").status_code == 403  # still no user admin
    agreement = signed_agreement()
    page = redaktion.get(f"/admin/cooperations/agreement/{agreement.pk}/change/").content.decode()
    assert "„Redaktion“" in page and "abbestellen" in page  # the help text names the fallback group


def test_obligor_lead_and_participants_must_be_parties(register):
    agreement = signed_agreement()
    stranger = KreisFactory()
    party = agreement.parties.first().organisation
    with pytest.raises(ValidationError) as refused:
        services.obligation_create(agreement=agreement, obligor=stranger, title="x", by=system_actor())
    assert "keine Partei" in refused.value.message_dict["obligor"][0]
    with pytest.raises(ValidationError) as refused:
        services.measure_create(agreement=agreement, title="M", lead=stranger, by=system_actor())
    assert "keine Partei" in refused.value.message_dict["lead"][0]
    with pytest.raises(ValidationError) as refused:
        services.measure_create(agreement=agreement, title="M", participants=[party, stranger], by=system_actor())
    assert stranger.name in refused.value.message_dict["participants"][0]
    measure = services.measure_create(
        agreement=agreement, title="M", lead=party, participants=[party], by=system_actor()
    )
    assert list(measure.participants.all()) == [party]


def test_measure_participant_outside_the_parties_is_a_form_error_in_the_inline(admin_client):
    agreement = signed_agreement()
    stranger, party = KreisFactory(), agreement.parties.first().organisation
    data = _payload(
        slug=agreement.slug,
        title=agreement.title,
        signed_on="2024-01-10",
        duration_years="3",
        **{
            "parties-TOTAL_FORMS": "2",
            "parties-INITIAL_FORMS": "2",
            **{
                f"parties-{i}-{key}": value
                for i, p in enumerate(agreement.parties.all())
                for key, value in {
                    "id": str(p.pk),
                    "agreement": str(agreement.pk),
                    "organisation": str(p.organisation_id),
                    "role": p.role,
                }.items()
            },
        },
    )
    data.update(
        _inline(
            "measures",
            [
                {
                    "title": "Pilot",
                    "status": "geplant",
                    "weight": "1",
                    "position": "0",
                    "lead": str(party.pk),
                    "participants": [str(stranger.pk)],
                }
            ],
        )
    )
    response = admin_client.post(f"/admin/cooperations/agreement/{agreement.pk}/change/", data)
    assert response.status_code == 200
    assert "Beteiligt sein können nur Parteien" in response.content.decode()
    assert not agreement.measures.exists()


def test_chosen_pdf_after_a_refused_save_asks_to_choose_it_again(admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = _payload(**_inline("parties"))  # signed without parties: refused
    data.update(_inline("sources", [{"title": "Vertrag", "publisher": "Land", "kind": "vertragstext"}]))
    data["sources-0-file"] = SimpleUploadedFile("vertrag.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = admin_client.post(ADD, data)
    assert response.status_code == 200 and not Agreement.objects.exists()
    assert "Bitte die Datei erneut auswählen" in response.content.decode()


def test_obligation_saved_with_a_past_due_date_is_late_at_once():
    agreement = signed_agreement()
    party = agreement.parties.first().organisation
    late = services.obligation_create(
        agreement=agreement, obligor=party, title="Bericht", due_on=datetime.date(2025, 1, 1), by=system_actor()
    )
    future = services.obligation_create(
        agreement=agreement, obligor=party, title="Plan", due_on=datetime.date(2099, 1, 1), by=system_actor()
    )
    done = services.obligation_create(
        agreement=agreement,
        obligor=party,
        title="Erledigt",
        due_on=datetime.date(2025, 1, 1),
        status="erfuellt",
        by=system_actor(),
    )
    assert (late.status, future.status, done.status) == ("verspaetet", "offen", "erfuellt")


def test_renewal_copies_parts_and_the_predecessor_is_replaced_when_it_takes_effect(admin_client):
    old = signed_agreement(signed_on=datetime.date(2021, 1, 1), years=5, summary="Zusammenarbeit")
    party = old.parties.first().organisation
    services.signatory_add(agreement=old, name="Daniel Günther", function="Ministerpräsident", by=system_actor())
    services.obligation_create(
        agreement=old, obligor=party, title="Jahresbericht", due_on=datetime.date(2023, 3, 1), by=system_actor()
    )
    assert admin_client.get(f"/admin/cooperations/agreement/{old.pk}/verlaengerung/").status_code == 200
    response = admin_client.post(f"/admin/cooperations/agreement/{old.pk}/verlaengerung/")
    renewal = Agreement.objects.get(predecessor=old)
    assert response.status_code == 302 and response["Location"].endswith(f"/{renewal.pk}/change/")
    assert (renewal.status, renewal.term_kind, renewal.duration_years) == ("entwurf", "years", 5)
    assert sorted(renewal.parties.values_list("organisation_id", "role")) == sorted(
        old.parties.values_list("organisation_id", "role")
    )
    assert list(renewal.signatories.values_list("name", flat=True)) == ["Daniel Günther"]
    assert list(renewal.obligations.values_list("title", "due_on", "status")) == [("Jahresbericht", None, "offen")]
    # A second renewal of the same agreement is refused with the reason.
    again = admin_client.post(f"/admin/cooperations/agreement/{old.pk}/verlaengerung/")
    assert again.status_code == 200 and "bereits eine Nachfolgerin" in again.content.decode()
    # The renewal takes effect: the predecessor becomes "ersetzt" on save.
    services.agreement_update(
        agreement=renewal, status="in_kraft", signed_on=datetime.date(2025, 12, 1), by=system_actor()
    )
    old.refresh_from_db()
    assert old.status == Agreement.Status.ERSETZT and "Verlängerung" in old.derived["status"]


def test_daily_run_replaces_the_predecessor_once_the_successor_starts():
    old = signed_agreement(signed_on=datetime.date(2021, 1, 1), years=5)
    new = signed_agreement(
        signed_on=datetime.date(2025, 11, 1), years=5, effective_from=datetime.date(2030, 1, 1), predecessor=old
    )
    old.refresh_from_db()
    assert old.status == "in_kraft"
    before = services.cooperations_daily(today=datetime.date(2029, 12, 31), by=system_actor())
    assert before["replaced"] == 0
    after = services.cooperations_daily(today=datetime.date(2030, 1, 1), by=system_actor())
    old.refresh_from_db()
    assert after["replaced"] == 1 and old.status == "ersetzt" and new.status == "in_kraft"
    assert services.cooperations_daily(today=datetime.date(2030, 1, 2), by=system_actor())["replaced"] == 0


def test_amendment_that_changes_the_term_updates_it():
    agreement = signed_agreement(signed_on=datetime.date(2024, 1, 10), years=3)
    amendment = services.amendment_save(
        amendment=agreement.amendments.model(
            agreement=agreement,
            title="1. Änderung",
            dated_on=datetime.date(2026, 6, 1),
            term_end_on=datetime.date(2028, 12, 31),
        ),
        by=system_actor(),
    )
    agreement.refresh_from_db()
    assert (agreement.term_kind, agreement.term_end) == ("fixed_end", datetime.date(2028, 12, 31))
    amendment.term_end_on = datetime.date(2023, 1, 1)  # before the start: refused on the amendment's field
    with pytest.raises(ValidationError) as refused:
        services.amendment_save(amendment=amendment, by=system_actor())
    assert "term_end_on" in refused.value.message_dict
    assert Obligation.objects.count() == 0


def test_party_fields_of_an_existing_agreement_offer_only_its_parties(admin_client):
    agreement = signed_agreement()
    stranger = KreisFactory()
    party = agreement.parties.first().organisation
    services.obligation_create(agreement=agreement, obligor=party, title="Bericht", by=system_actor())
    services.measure_create(agreement=agreement, title="Pilot", lead=party, participants=[party], by=system_actor())
    parties = set(agreement.parties.values_list("organisation_id", flat=True))
    page = admin_client.get(f"/admin/cooperations/agreement/{agreement.pk}/change/")
    fields = [
        ((name, inline.formset.prefix), set(form.fields[name].queryset.values_list("pk", flat=True)))
        for inline in page.context["inline_admin_formsets"]
        for form in [*inline.formset.forms, inline.formset.empty_form]
        for name in ("obligor", "lead", "participants")
        if name in form.fields
    ]
    assert {key for key, _offered in fields} == {
        ("obligor", "obligations"),
        ("lead", "measures"),
        ("participants", "measures"),
    }
    assert all(offered == parties for _key, offered in fields) and stranger.pk not in parties
    # the measure's and the obligation's own pages too
    for url in (
        f"/admin/cooperations/measure/{agreement.measures.get().pk}/change/",
        f"/admin/cooperations/obligation/{agreement.obligations.get().pk}/change/",
    ):
        form = admin_client.get(url).context["adminform"].form
        for name in {"lead", "participants", "obligor"} & set(form.fields):
            assert set(form.fields[name].queryset.values_list("pk", flat=True)) == parties
    # a new agreement's fields read the whole register (its parties are not known yet; the rule decides on save)
    add = admin_client.get(ADD)
    obligor = next(i for i in add.context["inline_admin_formsets"] if i.formset.prefix == "obligations")
    assert stranger.pk in set(obligor.formset.empty_form.fields["obligor"].queryset.values_list("pk", flat=True))


def test_a_non_party_obligor_is_refused_by_the_service_rule_on_the_field(admin_client):
    agreement = signed_agreement()
    stranger = KreisFactory()
    obligation = services.obligation_create(
        agreement=agreement, obligor=agreement.parties.first().organisation, title="Bericht", by=system_actor()
    )
    data = {
        "agreement": str(agreement.pk),
        "title": "Bericht",
        "obligor": str(stranger.pk),
        "status": obligation.status,
        "description": "",
    }
    response = admin_client.post(f"/admin/cooperations/obligation/{obligation.pk}/change/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "keine Partei" in errors["obligor"][0]  # the service's message, not "Wählen Sie eine gültige Auswahl"
    obligation.refresh_from_db()
    assert obligation.obligor_id != stranger.pk
