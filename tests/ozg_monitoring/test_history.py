"""History in words (common/history.py): the formatter with real models, and every door that shows a change —
the OZG pages, the events API, the admin's history pages and list of status changes, the audit trail — says it
in German labels and values, without field names or codes."""

import csv
import datetime
import io
import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import AuditEntry
from common import history
from common.authorization import system_actor
from cooperations import services as cooperation_services
from cooperations.models import Agreement
from ozg_monitoring.history import describe_events, event_text
from ozg_monitoring.models import RolloutStatus, StatusEvent
from ozg_monitoring.services import rollout_status_update
from tests.cooperations.factories import AgreementFactory

from .factories import OzgLeistungFactory

pytestmark = pytest.mark.django_db

#: What must never reach a reader of the history: field names and stored codes.
RAW = re.compile(r"\b(stage|maturity_level|maturity_model|platform|ozg_cloud|in_umsetzung|planned_go_live|provider)\b")


def _planned_then_online(territory, *, provider=None):
    leistung = OzgLeistungFactory(name="Hundesteuer anmelden")
    status = rollout_status_update(
        leistung=leistung, verwaltung=territory.foehr, changes={"stage": "geplant"}, by=system_actor()
    )
    changes = {
        "stage": "online",
        "maturity_level": 3,
        "url": "https://foehr.example/hund",
        "platform": "ozg_cloud",
        "actual_go_live": "2025-03-01",
    }
    if provider is not None:
        changes["provider"] = provider.ars
    return rollout_status_update(status=status, changes=changes, by=system_actor())


# --- the formatter ------------------------------------------------------------------------------------------


def test_values_of_a_status_in_words():
    assert history.field_label(RolloutStatus, "stage") == "Umsetzungsstand"
    assert history.value_text(RolloutStatus, "stage", "in_umsetzung") == "in Umsetzung"
    assert history.value_text(RolloutStatus, "platform", "ozg_cloud") == "OZG-Cloud"
    assert history.value_text(RolloutStatus, "platform", "") == "nicht bekannt"
    assert history.value_text(RolloutStatus, "planned_go_live", "2025-07-01") == "01.07.2025"
    assert history.value_text(RolloutStatus, "planned_go_live", None) == "nicht bekannt"
    assert history.value_text(RolloutStatus, "note", "") == "–"
    assert history.value_text(RolloutStatus, "is_demo", True) == "ja"
    assert history.value_text(RolloutStatus, "provider", 999_999) == "nicht bekannt"  # a body deleted since


def test_a_reference_given_as_an_object_reads_as_its_text(territory):
    assert history.value_text(RolloutStatus, "provider", territory.nf) == str(territory.nf)
    assert history.value_text(RolloutStatus, "provider", territory.nf.pk) == str(territory.nf)  # looked up
    assert history.value_text(RolloutStatus, "provider", None) == "nicht bekannt"


def test_changes_between_two_states(territory):
    changes = history.describe(
        RolloutStatus,
        old={"stage": "geplant", "platform": "", "provider": None},
        new={"stage": "online", "platform": "ozg_cloud", "provider": territory.nf.pk},
    )
    # In the order of the model's fields, whatever the order of the stored values (jsonb sorts its keys).
    assert history.text(changes) == (
        "Umsetzungsstand: geplant → online verfügbar; Anbieter: nicht bekannt → Nordfriesland; "
        "Plattform: nicht bekannt → OZG-Cloud"
    )
    assert changes[0].as_dict() == {
        "feld": "stage",
        "bezeichnung": "Umsetzungsstand",
        "vorher": "geplant",
        "nachher": "online verfügbar",
        "text": "Umsetzungsstand: geplant → online verfügbar",
    }


def test_references_of_many_entries_in_one_query(territory, django_assert_num_queries):
    values = [{"provider": territory.nf.pk}, {"provider": territory.kiel.pk}, {"stage": "online"}]
    with django_assert_num_queries(1):
        related = history.related_labels(RolloutStatus, values)
    assert related == {"provider": {territory.nf.pk: str(territory.nf), territory.kiel.pk: str(territory.kiel)}}


def test_a_status_event_in_words(territory):
    status = _planned_then_online(territory, provider=territory.nf)
    created, changed = sorted(status.events.all(), key=lambda event: event.pk)
    assert event_text(created) == "angelegt: Umsetzungsstand: geplant; Reifegrad 0 nach Modell 2.0"
    assert event_text(changed) == (
        "Umsetzungsstand: geplant → online verfügbar; Reifegrad: 0 → 3; "
        "Adresse des Onlinedienstes: – → https://foehr.example/hund; "
        f"Anbieter: nicht bekannt → {territory.nf}; Plattform: nicht bekannt → OZG-Cloud; "
        "Tatsächlicher Start: nicht bekannt → 01.03.2025"
    )
    assert not RAW.search(event_text(changed))


def test_level_and_model_changed_together_read_as_one(territory):
    leistung = OzgLeistungFactory()
    status = rollout_status_update(
        leistung=leistung,
        verwaltung=territory.foehr,
        changes={"stage": "in_umsetzung", "maturity_model": "1.1", "maturity_level": 4},
        by=system_actor(),
    )
    rollout_status_update(status=status, changes={"maturity_model": "2.0", "maturity_level": 5}, by=system_actor())
    created, changed = sorted(status.events.all(), key=lambda event: event.pk)
    assert "Reifegrad 4 nach Modell 1.1" in event_text(created)
    assert event_text(changed) == "Reifegrad: 4 nach Modell 1.1 → 5 nach Modell 2.0"


def test_describing_a_page_of_events_costs_one_query(territory, django_assert_num_queries):
    for verwaltung in (territory.foehr, territory.husum, territory.kiel):
        leistung = OzgLeistungFactory()
        rollout_status_update(
            leistung=leistung,
            verwaltung=verwaltung,
            changes={"stage": "online", "maturity_level": 2, "url": "https://x.example", "provider": territory.nf.ars},
            by=system_actor(),
        )
    events = list(StatusEvent.objects.all())
    with django_assert_num_queries(1):
        described = describe_events(events)
    assert all(f"Anbieter: {territory.nf}" in event.changes_text for event in described)


# --- the doors ------------------------------------------------------------------------------------------------


def test_page_shows_the_history_in_words(client, territory):
    status = _planned_then_online(territory)
    html = client.get(reverse("ozg_monitoring:verwaltung_detail", args=[territory.foehr.ars])).content.decode()
    region = html[html.index('id="verlauf"') :]
    assert "Umsetzungsstand: geplant → online verfügbar; Reifegrad: 0 → 3" in region
    assert "Plattform: nicht bekannt → OZG-Cloud" in region
    assert not RAW.search(re.sub(r"<[^>]+>", " ", region))
    html = client.get(reverse("ozg_monitoring:leistung_detail", args=[status.leistung.ozg_id])).content.decode()
    assert "angelegt: Umsetzungsstand: geplant; Reifegrad 0 nach Modell 2.0" in html


def test_api_adds_the_history_in_words_and_keeps_the_raw_values(territory):
    status = _planned_then_online(territory, provider=territory.nf)
    body = APIClient().get(f"/api/v1/ozg/status/{status.pk}/history/").json()
    newest = body["results"][0]
    assert newest["new_values"]["stage"] == "online" and newest["new_values"]["platform"] == "ozg_cloud"
    assert newest["aenderung"].startswith("Umsetzungsstand: geplant → online verfügbar; Reifegrad: 0 → 3")
    assert not RAW.search(newest["aenderung"])
    by_field = {change["feld"]: change for change in newest["aenderungen"]}
    assert by_field["platform"] == {
        "feld": "platform",
        "bezeichnung": "Plattform",
        "vorher": "nicht bekannt",
        "nachher": "OZG-Cloud",
        "text": "Plattform: nicht bekannt → OZG-Cloud",
    }
    assert by_field["provider"]["nachher"] == str(territory.nf)
    listed = APIClient().get("/api/v1/ozg/history/", {"ars": territory.foehr.ars}).json()["results"]
    assert [item["aenderung"] for item in listed] == [
        newest["aenderung"],
        "angelegt: Umsetzungsstand: geplant; Reifegrad 0 nach Modell 2.0",
    ]


def test_admin_list_of_status_changes_in_words(admin_client, territory, plain_static_storage):
    _planned_then_online(territory)
    html = admin_client.get("/admin/ozg_monitoring/statusevent/").content.decode()
    assert "Umsetzungsstand: geplant → online verfügbar; Reifegrad: 0 → 3" in html
    event = StatusEvent.objects.filter(action="changed").get()
    detail = admin_client.get(f"/admin/ozg_monitoring/statusevent/{event.pk}/change/").content.decode()
    assert "Plattform: nicht bekannt → OZG-Cloud" in detail


def test_admin_history_page_in_words(admin_client, plain_static_storage):
    agreement = AgreementFactory(title="Kooperation Wyk")
    cooperation_services.agreement_update(
        agreement=agreement, status=Agreement.Status.IN_VERHANDLUNG, by=system_actor()
    )
    html = admin_client.get(f"/admin/cooperations/agreement/{agreement.pk}/history/").content.decode()
    table = html[html.index('id="change-history"') :]
    assert "Status:</strong>" in table
    assert "Entwurf" in table and "in Verhandlung" in table
    assert "in_verhandlung" not in table and "entwurf" not in table.replace("Entwurf", "")


def test_audit_entry_in_words(admin_client, territory, plain_static_storage):
    status = _planned_then_online(territory, provider=territory.nf)
    entry = AuditEntry.objects.filter(object_id=str(status.pk), action="changed").get()
    html = admin_client.get(f"/admin/audit/auditentry/{entry.pk}/change/").content.decode()
    table = html[html.index('class="audit-changes"') :]
    table = table[: table.index("</table>")]
    for words in ("Umsetzungsstand", "geplant", "online verfügbar", "Plattform", "OZG-Cloud", "01.03.2025"):
        assert words in table
    assert str(territory.nf) in table  # the provider by name, not by id
    assert not RAW.search(re.sub(r"<[^>]+>", " ", table))
    listing = admin_client.get("/admin/audit/auditentry/").content.decode()
    assert "Umsetzungsstand, Reifegrad" in listing
    export = admin_client.post("/admin/audit/auditentry/", {"action": "export_csv", "_selected_action": [entry.pk]})
    header, row = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    words = dict(zip(header, row, strict=True))["aenderungen_in_worten"]
    assert "Umsetzungsstand: geplant → online verfügbar" in words and "Plattform: nicht bekannt → OZG-Cloud" in words
    assert f"Anbieter: nicht bekannt → {territory.nf}" in words and not RAW.search(words)


def test_dates_and_times_in_words():
    assert history.value_text(AuditEntry, "when", "2025-03-01T10:30:00+00:00") == "01.03.2025 11:30"
    assert history.value_text(Agreement, "signed_on", datetime.date(2024, 5, 6)) == "06.05.2024"
