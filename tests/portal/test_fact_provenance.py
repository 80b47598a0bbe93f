"""Provenance of agreements and money lines (issue 14, point 1): the founding loaders stamp "Gründungsdokument",
a staff write through any door stamps "ITV.SH-Redaktion" and when, a recomputation of a derived value does not
restamp, and pages, API and open data name it."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from rest_framework.test import APIClient

from common.provenance import SourceKind
from cooperations import services as cooperation_services
from cooperations.models import Agreement, Wahlperiode
from funding.models import BudgetLine, InKindContribution
from opendata.datasets import AGREEMENTS, FUNDING
from opendata.selectors import agreements_rows, funding_rows
from tests.accounts.helpers import verified_client_login
from tests.organisations.fixtures import register  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db
RENEWAL = "kooperationsvereinbarung-land-itvsh-2025"


@pytest.fixture
def founding(register):  # noqa: F811 - the fixture above
    call_command("load_founding_agreements", stdout=io.StringIO())
    call_command("load_founding_funding", stdout=io.StringIO())


@pytest.fixture
def redaktion(django_user_model):
    user = django_user_model.objects.create_user("redakteurin", is_staff=True)
    user.groups.add(Group.objects.get(name="Redaktion"))
    return django_user_model.objects.get(pk=user.pk)


def test_loaders_stamp_the_founding_documents(founding):
    kinds = {
        *Agreement.objects.values_list("source_kind", flat=True),
        *BudgetLine.objects.values_list("source_kind", flat=True),
        *InKindContribution.objects.values_list("source_kind", flat=True),
    }
    assert kinds == {SourceKind.GRUENDUNGSDOKUMENT}
    assert not Agreement.objects.filter(source_at__isnull=True).exists()
    assert not BudgetLine.objects.filter(source_at__isnull=True).exists()


def test_a_rerun_stamps_untouched_records_loaded_before_provenance(founding):
    Agreement.objects.update(source_kind="", source_at=None)
    BudgetLine.objects.update(source_kind="", source_at=None)
    InKindContribution.objects.update(source_kind="", source_at=None)
    call_command("load_founding_agreements", stdout=io.StringIO())
    call_command("load_founding_funding", stdout=io.StringIO())
    assert set(Agreement.objects.values_list("source_kind", flat=True)) == {SourceKind.GRUENDUNGSDOKUMENT}
    assert set(BudgetLine.objects.values_list("source_kind", flat=True)) == {SourceKind.GRUENDUNGSDOKUMENT}
    assert set(InKindContribution.objects.values_list("source_kind", flat=True)) == {SourceKind.GRUENDUNGSDOKUMENT}


def test_a_staff_edit_through_the_api_is_redaktion_and_survives_a_rerun(founding, redaktion):
    client = APIClient()
    client.force_authenticate(redaktion)
    response = client.patch(f"/api/v1/cooperations/agreements/{RENEWAL}/", {"summary": "Korrigiert"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["source_kind"] == SourceKind.REDAKTION and response.json()["source_at"]
    call_command("load_founding_agreements", stdout=io.StringIO())
    assert Agreement.objects.get(slug=RENEWAL).source_kind == SourceKind.REDAKTION


def test_a_budget_line_saved_in_the_admin_is_redaktion(founding, client, django_user_model):
    verified_client_login(client, django_user_model.objects.create_superuser("chefin", password="geheim-und-lang-1"))
    line = BudgetLine.objects.filter(fiscal_year__isnull=False).order_by("pk").first()
    data = {
        "title": line.title,
        "source": line.source_id,
        "recipient": line.recipient_id,
        "agreement": line.agreement_id,
        "purpose": line.purpose_id,
        "status": line.status,
        "fiscal_year": line.fiscal_year,
        "planned_amount": str(line.planned_amount).replace(".", ","),  # German notation in the admin
        "note": "Nachgetragen",
        "drawdowns-TOTAL_FORMS": 0,
        "drawdowns-INITIAL_FORMS": 0,
        "drawdowns-MIN_NUM_FORMS": 0,
        "drawdowns-MAX_NUM_FORMS": 1000,
    }
    response = client.post(f"/admin/funding/budgetline/{line.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    line.refresh_from_db()
    assert line.note == "Nachgetragen" and line.source_kind == SourceKind.REDAKTION


def test_recomputing_a_derived_term_does_not_restamp(founding, django_user_model):
    chefin = django_user_model.objects.create_superuser("chefin", password="geheim-und-lang-1")
    period = Wahlperiode.objects.filter(agreements__isnull=False).first()
    stamped = {a.pk: (a.source_kind, a.source_at) for a in period.agreements.all()}
    assert stamped
    cooperation_services.wahlperiode_update(wahlperiode=period, by=chefin, note="Ende bestätigt")
    assert {a.pk: (a.source_kind, a.source_at) for a in period.agreements.all()} == stamped


def test_pages_api_and_open_data_name_the_provenance(founding, client):
    detail = client.get(Agreement.objects.get(slug=RENEWAL).get_absolute_url()).content.decode()
    assert "Quelle: Gründungsdokument, Stand " in detail
    overview = client.get("/finanzierung/").content.decode()
    lines = BudgetLine.objects.count() + InKindContribution.objects.count()
    assert overview.count("Quelle: Gründungsdokument, Stand ") == lines
    api = client.get("/api/v1/funding/lines/").json()
    assert {row["source_kind"] for row in api["results"]} == {SourceKind.GRUENDUNGSDOKUMENT}
    for dataset, rows in ((AGREEMENTS, agreements_rows()), (FUNDING, funding_rows())):
        names = [column.name for column in dataset.columns]
        kinds = {row[names.index("herkunft")] for row in rows}
        assert kinds == {SourceKind.GRUENDUNGSDOKUMENT}, dataset.slug


def test_an_in_kind_contribution_saved_in_the_admin_is_redaktion(founding, client, django_user_model):
    verified_client_login(client, django_user_model.objects.create_superuser("chefin", password="geheim-und-lang-1"))
    item = InKindContribution.objects.order_by("pk").first()
    data = {
        "kind": item.kind,
        "title": item.title,
        "from_body": item.from_body_id,
        "recipient": item.recipient_id,
        "agreement": item.agreement_id or "",
        "people_count": item.people_count if item.people_count is not None else "",
        "fte": "" if item.fte is None else str(item.fte),
        "period_note": item.period_note,
        "wording": item.wording,
        "note": "Nachgetragen",
        "source_citation": item.source_citation,
        "source_url": item.source_url,
    }
    response = client.post(f"/admin/funding/inkindcontribution/{item.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    item.refresh_from_db()
    assert item.note == "Nachgetragen" and item.source_kind == SourceKind.REDAKTION
