"""Admin: saves through the services (rules as form errors), filters, CSV export action, history page."""

import pytest

from cooperations.models import Agreement

from .factories import AmtFactory, LandFactory, signed_agreement

pytestmark = pytest.mark.django_db
ADD = "/admin/cooperations/agreement/add/"


def _inline(prefix, rows=()):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


def _payload(**fields):
    data = {
        "slug": "admin-neu",
        "kind": "verwaltungskooperation",
        "title": "Admin neu",
        "status": "in_kraft",
        "signed_on": "2025-01-10",
        "signed_on_precision": "day",
        "effective_from_precision": "day",
        "term_kind": "years",
        "duration_years": "2",
    }
    data.update(fields)
    for prefix in ("signatories", "obligations", "measures", "amendments", "sources"):
        data.update(_inline(prefix))
    return data


def test_admin_enforces_party_rule_and_saves_with_two_parties(admin_client):
    land, amt = LandFactory(), AmtFactory()
    one = _payload(**_inline("parties", [{"organisation": str(land.pk), "role": "land"}]))
    response = admin_client.post(ADD, one)
    assert response.status_code == 200 and not Agreement.objects.exists()
    assert "mindestens zwei Parteien" in response.content.decode()
    two = _payload(
        **_inline(
            "parties",
            [{"organisation": str(land.pk), "role": "land"}, {"organisation": str(amt.pk), "role": "partnerkommune"}],
        )
    )
    response = admin_client.post(ADD, two)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    agreement = Agreement.objects.get(slug="admin-neu")
    assert agreement.parties.count() == 2 and str(agreement.term_end) == "2027-01-09"


def test_admin_rejects_in_kraft_without_date(admin_client):
    response = admin_client.post(ADD, _payload(signed_on="", **_inline("parties")))
    assert response.status_code == 200
    assert "ohne Unterzeichnungsdatum" in response.content.decode()


def test_changelist_filters_csv_and_history(admin_client):
    agreement = signed_agreement()
    changelist = "/admin/cooperations/agreement/"
    for params in (
        {"kind__exact": "verwaltungskooperation"},
        {"status__exact": "in_kraft"},
        {"term": "running"},
        {"q": "Kooperation"},
    ):
        response = admin_client.get(changelist, params)
        assert response.status_code == 200 and agreement.title in response.content.decode()
    response = admin_client.post(changelist, {"action": "export_csv", "_selected_action": [agreement.pk]})
    assert response["Content-Type"].startswith("text/csv") and agreement.slug in response.content.decode("utf-8-sig")
    history = admin_client.get(f"/admin/cooperations/agreement/{agreement.pk}/history/")
    assert history.status_code == 200
