"""The audit trail in the admin: readable with the view permission, never addable, changeable or deletable (not
even by a superuser), a change list with a fixed number of queries, a readable table of changes, CSV export."""

import csv
import io
import itertools

import pytest
from django.contrib.auth.models import Group, Permission

from audit.context import acting_as
from audit.models import AuditEntry
from common.authorization import system_actor
from cooperations import services as cooperation_services
from tests.accounts.factories import StaffUserFactory, issue_token
from tests.cooperations.factories import AgreementFactory

pytestmark = pytest.mark.django_db
URL = "/admin/audit/auditentry/"
_numbers = itertools.count()


def _some_entries(n=3):
    for index in itertools.islice(_numbers, n):
        agreement = AgreementFactory(title=f"Vereinbarung {index}")
        cooperation_services.agreement_update(agreement=agreement, title=f"Vereinbarung {index}b", by=system_actor())
        Group.objects.create(name=f"Gruppe {index}")
        issue_token(name=f"Token {index}")


def test_superuser_cannot_add_change_or_delete(admin_client):
    _some_entries(1)
    entry = AuditEntry.objects.first()
    assert admin_client.get(f"{URL}add/").status_code == 403
    assert admin_client.post(f"{URL}add/", {"action": "created"}).status_code == 403
    assert admin_client.post(f"{URL}{entry.pk}/change/", {"object_label": "anders"}).status_code == 403
    assert admin_client.get(f"{URL}{entry.pk}/delete/").status_code == 403
    assert admin_client.post(f"{URL}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = admin_client.post(URL, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})
    assert bulk.status_code in (200, 302)  # the action does not exist: nothing happens
    assert AuditEntry.objects.get(pk=entry.pk).object_label == entry.object_label


def test_detail_is_read_only_and_shows_a_table_of_changes(admin_client):
    with acting_as(user=StaffUserFactory(username="redaktion2")):
        agreement = AgreementFactory(title="Alt")
        cooperation_services.agreement_update(agreement=agreement, title="Neu", by=system_actor())
    entry = AuditEntry.objects.filter(action="changed", content_type__model="agreement").get()
    page = admin_client.get(f"{URL}{entry.pk}/change/").content.decode()
    assert '<table class="audit-changes">' in page
    assert '<th scope="row">Titel</th><td>Alt</td><td>Neu</td>' in page
    assert "redaktion2" in page
    assert 'name="object_label"' not in page and 'name="_save"' not in page


def test_staff_need_the_view_permission(client, verified_login):
    _some_entries(1)
    staff = StaffUserFactory()
    verified_login(client, staff)
    assert client.get(URL).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_auditentry"))
    assert client.get(URL).status_code == 200


def test_changelist_costs_a_fixed_number_of_queries(admin_client, django_assert_num_queries):
    _some_entries(1)
    admin_client.get(URL)  # warm caches (content types, session)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(URL).status_code == 200
    _some_entries(8)
    assert AuditEntry.objects.count() > 40
    with django_assert_num_queries(len(few)):
        response = admin_client.get(URL)
    assert response.status_code == 200
    assert response.content.decode().count('class="field-action"') == min(AuditEntry.objects.count(), 100)


def test_filters_and_search(admin_client):
    _some_entries(2)
    by_door = admin_client.get(URL, {"door__exact": "system"})
    assert by_door.status_code == 200
    title = AuditEntry.objects.filter(action="changed").order_by("id").last().object_label
    other = AuditEntry.objects.filter(action="changed").order_by("id").first().object_label
    found = admin_client.get(URL, {"q": title}).content.decode()
    assert title in found and other not in found


def test_csv_export_of_selected_entries(admin_client):
    _some_entries(1)
    ids = list(AuditEntry.objects.values_list("pk", flat=True))
    response = admin_client.post(URL, {"action": "export_csv", "_selected_action": ids})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))  # SPREADSHEET
    assert rows[0][:5] == ["zeitpunkt", "benutzer", "zugang", "zugang_detail", "vorgang"]
    assert len(rows) == 1 + len(ids)
    assert any("cooperations.agreement" in row for row in rows)


# --- per object: the link "Audit-Protokoll" on every change form -----------------------------------------------


def _objects_in(response) -> set[tuple[str, str]]:
    """(model, object id) of the entries a change list page shows."""
    return {(entry.content_type.model, entry.object_id) for entry in response.context_data["cl"].result_list}


def test_agreement_history_covers_its_parties_obligations_measures_milestones_and_sources(admin_client, territory):
    from cooperations.models import AgreementParty, Milestone
    from tests.cooperations.factories import signed_agreement

    system = system_actor()
    agreement = signed_agreement(partner=territory.foehr)
    other = signed_agreement(partner=territory.husum)
    party = cooperation_services.party_add(
        agreement=agreement, organisation=territory.kiel, role="partnerkommune", by=system
    )
    obligation = cooperation_services.obligation_create(
        by=system, agreement=agreement, obligor=territory.foehr, title="Bericht"
    )
    measure = cooperation_services.measure_create(by=system, agreement=agreement, title="LoRaWAN-Pilot")
    milestone = cooperation_services.milestone_save(milestone=Milestone(measure=measure, title="Start"), by=system)
    source = cooperation_services.source_create(agreement=agreement, title="Mitteilung", publisher="Amt", by=system)
    removed_pk = party.pk
    cooperation_services.party_remove(party=party, by=system)  # gone, but its entries stay reachable

    page = admin_client.get(f"/admin/cooperations/agreement/{agreement.pk}/change/").content.decode()
    link = f"{URL}?objekt=cooperations.agreement%3A{agreement.pk}"
    assert f'href="{link}"' in page and "Audit-Protokoll" in page
    response = admin_client.get(link)
    assert response.status_code == 200
    shown = _objects_in(response)
    assert ("agreement", str(agreement.pk)) in shown and ("agreement", str(other.pk)) not in shown
    expected = {
        ("agreementparty", str(removed_pk)),
        ("obligation", str(obligation.pk)),
        ("measure", str(measure.pk)),
        ("milestone", str(milestone.pk)),
        ("source", str(source.pk)),
    }
    expected |= {
        ("agreementparty", str(pk))
        for pk in AgreementParty.objects.filter(agreement=agreement).values_list("pk", flat=True)
    }
    assert expected <= shown
    assert (
        not {
            ("agreementparty", str(pk))
            for pk in AgreementParty.objects.filter(agreement=other).values_list("pk", flat=True)
        }
        & shown
    )
    assert f"Vereinbarung: {agreement}" in response.content.decode()  # the active filter names the object
    deleted = [e for e in response.context_data["cl"].result_list if e.object_id == str(removed_pk)]
    assert {e.action for e in deleted} == {"created", "deleted"}


def test_user_history_covers_memberships_and_tokens(admin_client, territory):
    from accounts.services import membership_grant
    from tests.accounts.factories import kommune_user

    user, someone_else = kommune_user(username="frau-kommune"), kommune_user(username="herr-anders")
    membership = membership_grant(user=user, organisation=territory.foehr, by=system_actor())
    token, _key = issue_token(user=user, name="Fachverfahren")
    issue_token(user=someone_else, name="Anderes")
    page = admin_client.get(f"/admin/auth/user/{user.pk}/change/").content.decode()
    assert "Audit-Protokoll" in page
    shown = _objects_in(admin_client.get(URL, {"objekt": f"auth.user:{user.pk}"}))
    assert {("user", str(user.pk)), ("verwaltungmembership", str(membership.pk)), ("apitoken", str(token.pk))} <= shown
    assert ("user", str(someone_else.pk)) not in shown
    assert {model for model, _id in shown} == {"user", "verwaltungmembership", "apitoken"}


def test_budget_line_history_covers_its_drawdowns_and_their_transitions(admin_client):
    from funding.models import DrawdownTransition
    from funding.services import drawdown_request
    from tests.funding.factories import BudgetLineFactory, ensure_seed_data, finance_user

    ensure_seed_data()
    line, other = BudgetLineFactory(), BudgetLineFactory()
    drawdown = drawdown_request(line=line, amount="10.00", purpose_text="Zweck", by=finance_user())
    drawdown_request(line=other, amount="10.00", purpose_text="Anderes", by=finance_user())
    shown = _objects_in(admin_client.get(URL, {"objekt": f"funding.budgetline:{line.pk}"}))
    transition = DrawdownTransition.objects.get(drawdown=drawdown)
    assert {
        ("budgetline", str(line.pk)),
        ("drawdown", str(drawdown.pk)),
        ("drawdowntransition", str(transition.pk)),
    } <= shown
    assert ("budgetline", str(other.pk)) not in shown and len(shown) == 3


def test_the_object_filter_costs_a_fixed_number_of_queries(admin_client, territory, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.cooperations.factories import signed_agreement

    agreement = signed_agreement(partner=territory.foehr)
    # Two queries per kind of child that the object has (measures have milestones): none per entry.
    cooperation_services.measure_create(by=system_actor(), agreement=agreement, title="Erste Maßnahme")
    params = {"objekt": f"cooperations.agreement:{agreement.pk}"}
    admin_client.get(URL, params)  # warm caches
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(URL, params).status_code == 200
    expected = len(few.captured_queries)
    for index in range(5):
        cooperation_services.obligation_create(
            by=system_actor(), agreement=agreement, obligor=territory.foehr, title=f"Pflicht {index}"
        )
        cooperation_services.measure_create(by=system_actor(), agreement=agreement, title=f"Maßnahme {index}")
    with django_assert_num_queries(expected):
        response = admin_client.get(URL, params)
    assert len(_objects_in(response)) >= 11


def test_an_unknown_object_shows_no_entries(admin_client):
    _some_entries(1)
    for value in ("gibt.es:nicht", "cooperations.agreement:keine-zahl", "ohne-doppelpunkt"):
        response = admin_client.get(URL, {"objekt": value})
        assert response.status_code == 200 and not list(response.context_data["cl"].result_list), value


def test_the_link_is_shown_only_to_those_who_read_the_trail(client, verified_login):
    from tests.accounts.factories import role_user

    agreement = AgreementFactory(title="Vereinbarung ohne Einsicht")
    editor = role_user("Redaktion")
    verified_login(client, editor)
    page = client.get(f"/admin/cooperations/agreement/{agreement.pk}/change/")
    assert page.status_code == 200 and "Audit-Protokoll" not in page.content.decode()
    assert client.get(URL, {"objekt": f"cooperations.agreement:{agreement.pk}"}).status_code == 403


@pytest.mark.parametrize("group", ["Revision", "Administration"])
def test_revision_and_administration_read_and_export_but_never_write(client, verified_login, group):
    from tests.accounts.factories import role_user

    _some_entries(1)
    entry = AuditEntry.objects.first()
    verified_login(client, role_user(group))
    assert client.get(URL).status_code == 200
    assert client.get(f"{URL}{entry.pk}/change/").status_code == 200
    export = client.post(URL, {"action": "export_csv", "_selected_action": [entry.pk]})
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    assert client.get(f"{URL}add/").status_code == 403
    assert client.post(f"{URL}{entry.pk}/change/", {"object_label": "anders"}).status_code == 403
    assert client.post(f"{URL}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).object_label == entry.object_label
