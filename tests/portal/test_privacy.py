"""Public outputs never show login names or personal data: who changed something appears as a role or body.

The world: statuses changed by a superuser, a Monitoring user (who also holds a membership: acting for all
wins), a Kommune user of Amt Föhr-Amrum, a file import (uploaded by that Kommune user) and demo data; a drawdown
requested and approved by finance staff; an agreement with a responsible staff member. Every public output that
shows history or "geändert von" (and every other download the portal offers) is fetched anonymously and searched
for each user's login name, e-mail address and names; the labels must be there instead.
"""

import datetime
import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import membership_grant
from audit.context import acting_as
from common.authorization import system_actor
from common.provenance import Door, SourceKind
from ozg_monitoring.models import RolloutStatus, StatusEvent
from ozg_monitoring.services import rollout_status_bulk_upsert, rollout_status_update
from tests.ozg_monitoring.factories import OzgLeistungFactory

pytestmark = pytest.mark.django_db

User = get_user_model()

PEOPLE = {
    # role: (username, first name, last name)
    "superuser": ("hq-superuser-ulla", "Ulla", "Quaxenbrink"),
    "monitoring": ("mon-jens-pries", "Jens", "Priesbergmann"),
    "kommune": ("foehr-frauke", "Frauke", "Ketelsenhoff"),
    "finanzen": ("fin-antragstellerin", "Bettina", "Zahlbrecht"),
    "freigabe": ("fin-freigeber", "Olaf", "Freigabusch"),
    "redaktion": ("red-verantwortlich", "Rita", "Redlichsen"),
}
LABEL_ITVSH = "ITV.SH"
LABEL_KOMMUNE = "Kommune: Amt Föhr-Amrum"
LABEL_IMPORT = "Datei-Import"
LABEL_DEMO = "Beispieldaten"


def _person(role, group=None, **fields):
    username, first, last = PEOPLE[role]
    user = User.objects.create_user(
        username, email=f"{username}@personal.example", first_name=first, last_name=last, is_staff=True, **fields
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def forbidden_strings() -> list[str]:
    strings = []
    for username, first, last in PEOPLE.values():
        strings += [username, f"{username}@personal.example", first, last]
    return strings + [system_actor().get_username() + "@", "personal.example"]


def assert_nothing_personal(where: str, text: str) -> None:
    found = [value for value in forbidden_strings() if value.lower() in text.lower()]
    assert not found, f"{where} shows {found}"


@pytest.fixture
def world(territory):
    people = {
        "superuser": _person("superuser", is_superuser=True),
        "monitoring": _person("monitoring", "Monitoring"),
        "kommune": _person("kommune", "Kommune"),
        "finanzen": _person("finanzen", "Finanzen"),
        "freigabe": _person("freigabe", "Finanzen"),
        "redaktion": _person("redaktion", "Redaktion"),
    }
    system = system_actor()
    membership_grant(user=people["kommune"], organisation=territory.foehr, by=system)
    membership_grant(user=people["monitoring"], organisation=territory.foehr, by=system)  # still ITV.SH

    by_superuser, by_monitoring, by_kommune, by_import, by_demo = (OzgLeistungFactory() for _ in range(5))
    statuses = {
        "superuser": rollout_status_update(
            leistung=by_superuser,
            verwaltung=territory.husum,
            changes={"stage": "geplant"},
            by=people["superuser"],
        ),
        "monitoring": rollout_status_update(
            leistung=by_monitoring,
            verwaltung=territory.foehr,
            changes={"stage": "geplant"},
            by=people["monitoring"],
        ),
        "kommune": rollout_status_update(
            leistung=by_kommune,
            verwaltung=territory.foehr,
            changes={"stage": "geplant"},
            by=people["kommune"],
        ),
    }
    with acting_as(source=SourceKind.DEMO):  # as the demo loader declares it: a demo row
        statuses["demo"] = rollout_status_update(
            leistung=by_demo, verwaltung=territory.kiel, changes={"stage": "in_umsetzung"}, by=system
        )
    assert statuses["demo"].is_demo
    # The Kommune user changes her status once more in the admin; the import is her uploaded file.
    with acting_as(door=Door.ADMIN):
        rollout_status_update(status=statuses["kommune"], changes={"stage": "in_umsetzung"}, by=people["kommune"])
    with acting_as(source=SourceKind.IMPORT):  # as the CSV import declares it
        rollout_status_bulk_upsert(
            items=[{"ozg_id": by_import.ozg_id, "ars": territory.foehr.ars, "stage": "geplant"}],
            by=people["kommune"],
        )
    statuses["import"] = RolloutStatus.objects.get(leistung=by_import)

    from cooperations.models import Agreement
    from funding.services import drawdown_approve, drawdown_request, drawdown_review
    from tests.cooperations.factories import signed_agreement
    from tests.funding.factories import BudgetLineFactory, ensure_seed_data

    agreement = signed_agreement(partner=territory.foehr)
    Agreement.objects.filter(pk=agreement.pk).update(responsible=people["redaktion"])
    ensure_seed_data()
    line = BudgetLineFactory(agreement=agreement, fiscal_year=timezone.localdate().year)
    drawdown = drawdown_request(line=line, amount="100.00", purpose_text="Geschäftsstelle", by=people["finanzen"])
    drawdown = drawdown_review(drawdown=drawdown, by=people["freigabe"])
    drawdown_approve(drawdown=drawdown, by=people["superuser"])

    # The history lies before this month's snapshot day, so that the published snapshot holds every status.
    earlier = datetime.timedelta(days=40)
    for event in StatusEvent.objects.all():
        StatusEvent.objects.filter(pk=event.pk).unguarded(reason="Test").update(changed_at=event.changed_at - earlier)
    for status in RolloutStatus.objects.all():
        RolloutStatus.objects.filter(pk=status.pk).update(
            created_at=status.created_at - earlier, updated_at=status.updated_at - earlier
        )
    from opendata.services import snapshot_publish

    snapshot_publish(date=timezone.localdate())
    leistungen = {
        "superuser": by_superuser,
        "monitoring": by_monitoring,
        "kommune": by_kommune,
        "import": by_import,
        "demo": by_demo,
    }
    return territory, people, statuses, leistungen, agreement


EXPECTED = {
    "superuser": LABEL_ITVSH,
    "monitoring": LABEL_ITVSH,
    "kommune": LABEL_KOMMUNE,
    "import": LABEL_IMPORT,
    "demo": LABEL_DEMO,
}


def _all_results(client, url) -> list[dict]:
    rows, page = [], client.get(url, {"page_size": 1000})
    assert page.status_code == 200, (url, page.content[:300])
    assert_nothing_personal(url, page.content.decode())
    rows += page.json()["results"]
    return rows


def test_api_history_shows_roles_and_bodies_never_people(world):
    territory, people, statuses, leistungen, _agreement = world
    api = APIClient()
    statewide = _all_results(api, "/api/v1/ozg/history/")
    assert len(statewide) == StatusEvent.objects.count() == 6
    by_status = {}
    for row in statewide:
        by_status.setdefault(row["status"], set()).add(row["changed_by"])
    assert by_status == {statuses[who].pk: {label} for who, label in EXPECTED.items()}
    for who, label in EXPECTED.items():
        per_status = _all_results(api, f"/api/v1/ozg/status/{statuses[who].pk}/history/")
        per_leistung = _all_results(api, f"/api/v1/ozg/leistungen/{leistungen[who].ozg_id}/history/")
        assert per_status and {row["changed_by"] for row in per_status} == {label}
        assert per_leistung == per_status
    # Filtered lists and the status reads say nothing personal either.
    _all_results(api, f"/api/v1/ozg/history/?ars={territory.foehr.ars}")
    _all_results(api, "/api/v1/ozg/status/")
    for status in statuses.values():
        assert_nothing_personal("status", api.get(f"/api/v1/ozg/status/{status.pk}/").content.decode())


def test_api_field_stays_and_is_documented_in_the_schema(world):
    schema = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    field = schema["components"]["schemas"]["Event"]["properties"]["changed_by"]
    assert field["type"] == "string" and "nie als Person" in field["description"]


def test_pages_show_the_labels_and_no_people(client, world, warm_notices):
    territory, people, statuses, leistungen, agreement = world
    pages = {f"/ozg/leistungen/{leistungen[who].ozg_id}/": label for who, label in EXPECTED.items()}
    for path, label in pages.items():
        html = client.get(path).content.decode()
        assert "Geändert von" in html and label in html, path
        assert_nothing_personal(path, html)
    foehr = client.get(f"/ozg/verwaltungen/{territory.foehr.ars}/").content.decode()
    assert LABEL_KOMMUNE in foehr and LABEL_IMPORT in foehr and LABEL_ITVSH in foehr  # Kommune, import, Monitoring
    assert LABEL_ITVSH in client.get(f"/ozg/verwaltungen/{territory.husum.ars}/").content.decode()
    assert LABEL_DEMO in client.get(f"/ozg/verwaltungen/{territory.kiel.ars}/").content.decode()
    others = [
        "/",
        "/ozg/",
        "/ozg/leistungen/",
        "/ozg/umsetzungsstaende/",
        "/ozg/leistungen/?export=csv",
        "/ozg/umsetzungsstaende/?export=csv",
        f"/ozg/verwaltungen/{territory.foehr.ars}/",
        f"/ozg/verwaltungen/{territory.kiel.ars}/",
        f"/ozg/online-erledigen/{territory.alkersum.ars}/",
        "/kooperationen/",
        "/kooperationen/zeitleiste/",
        f"/kooperationen/{agreement.slug}/",
        "/finanzierung/",
        "/finanzierung/finanzierung.csv",
        f"/kommunen/{territory.foehr.ars}/",
    ]
    for path in others:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_nothing_personal(path, response.content.decode())


def test_funding_and_cooperations_api_show_no_people_to_the_public(world):
    _territory, _people, _statuses, _leistungen, agreement = world
    api = APIClient()
    drawdowns = api.get("/api/v1/funding/drawdowns/").json()["results"]
    assert len(drawdowns) == 1 and "requested_by" not in drawdowns[0] and "transitions" not in drawdowns[0]
    for path in [
        "/api/v1/funding/drawdowns/",
        f"/api/v1/funding/drawdowns/{drawdowns[0]['id']}/",
        "/api/v1/funding/lines/",
        "/api/v1/funding/in-kind/",
        "/api/v1/funding/summary/",
        "/api/v1/cooperations/agreements/",
        f"/api/v1/cooperations/agreements/{agreement.slug}/",
        "/api/v1/cooperations/measures/",
    ]:
        response = api.get(path)
        assert response.status_code == 200, path
        assert_nothing_personal(path, response.content.decode())


def test_open_data_downloads_snapshots_and_catalogue_show_no_people(client, world):
    from opendata.datasets import CURRENT_DATASETS, DATASETS

    paths = [
        "/opendata/",
        "/opendata/catalog.ttl",
        "/opendata/catalog.jsonld",
        "/opendata/ozg-status/latest.csv",
        "/opendata/ozg-status/latest.json",
    ]
    paths += [f"/opendata/{slug}/" for slug in DATASETS]
    for dataset in CURRENT_DATASETS:
        paths += [f"/opendata/{dataset.slug}.csv", f"/opendata/{dataset.slug}.json"]
    bodies = {}
    for path in paths:
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        body = b"".join(response.streaming_content) if response.streaming else response.content
        bodies[path] = body.decode("utf-8-sig")
        assert_nothing_personal(path, bodies[path])
    # The month was published with the statuses of every kind of actor in it.
    assert len(json.loads(bodies["/opendata/ozg-status/latest.json"])["rows"]) == 5


def test_a_kommune_user_who_lost_her_membership_still_wrote_as_kommune(world):
    """Only members can write for a Verwaltung: her earlier changes stay the Kommune's, never her name."""
    territory, people, statuses, _leistungen, _agreement = world
    from accounts.models import VerwaltungMembership

    VerwaltungMembership.objects.filter(user=people["kommune"]).delete()
    rows = APIClient().get(f"/api/v1/ozg/status/{statuses['kommune'].pk}/history/").json()["results"]
    assert [row["changed_by"] for row in rows] == [LABEL_KOMMUNE, LABEL_KOMMUNE]


def test_the_label_of_an_event_loaded_on_its_own(world, django_assert_num_queries):
    """The label is read from the source kind stored with the event: no query for the author's rights."""
    _territory, _people, statuses, _leistungen, _agreement = world
    event = StatusEvent.objects.select_related("verwaltung").filter(status=statuses["kommune"]).first()
    with django_assert_num_queries(0):
        assert event.public_actor == LABEL_KOMMUNE
    event = StatusEvent.objects.select_related("verwaltung").get(status=statuses["superuser"])
    with django_assert_num_queries(0):
        assert event.public_actor == LABEL_ITVSH


def test_the_source_kind_is_stored_when_written_and_survives_a_change_of_rights(world):
    """Who a history entry names is what the author was when she wrote: a Kommune user who joins Monitoring later
    does not turn her earlier changes into the ITV.SH's, nor does a Monitoring user who leaves it."""
    _territory, people, statuses, _leistungen, _agreement = world
    assert {who: RolloutStatus.objects.get(pk=status.pk).source_kind for who, status in statuses.items()} == {
        "superuser": SourceKind.REDAKTION,
        "monitoring": SourceKind.REDAKTION,
        "kommune": SourceKind.KOMMUNE,
        "import": SourceKind.IMPORT,
        "demo": SourceKind.DEMO,
    }
    people["kommune"].groups.add(Group.objects.get(name="Monitoring"))
    people["monitoring"].groups.clear()
    api = APIClient()
    for who, label in (("kommune", LABEL_KOMMUNE), ("monitoring", LABEL_ITVSH)):
        rows = api.get(f"/api/v1/ozg/status/{statuses[who].pk}/history/").json()["results"]
        assert rows and {row["changed_by"] for row in rows} == {label}


def test_a_deleted_account_is_not_known(world):
    territory, people, statuses, _leistungen, _agreement = world
    people["monitoring"].delete()
    rows = APIClient().get(f"/api/v1/ozg/status/{statuses['monitoring'].pk}/history/").json()["results"]
    assert [row["changed_by"] for row in rows] == ["nicht bekannt"]


def test_history_lists_cost_a_fixed_number_of_queries(world, django_assert_num_queries):
    territory, people, statuses, leistungen, _agreement = world
    api = APIClient()
    with django_assert_num_queries(2):  # count + one page, with the labels' subqueries inside it
        small = api.get("/api/v1/ozg/history/").json()
    for day in range(10):  # more events by every kind of actor
        for who in ("superuser", "monitoring", "kommune"):
            rollout_status_update(
                status=RolloutStatus.objects.get(pk=statuses[who].pk),
                changes={"planned_go_live": datetime.date(2027, 1, day + 1)},
                by=people[who],
            )
    with django_assert_num_queries(2):
        large = api.get("/api/v1/ozg/history/").json()
    assert large["count"] == small["count"] + 30
    assert {row["changed_by"] for row in large["results"]} == {LABEL_ITVSH, LABEL_KOMMUNE, LABEL_IMPORT, LABEL_DEMO}


def test_history_pages_cost_a_fixed_number_of_queries(
    client, world, warm_notices, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    territory, people, statuses, _leistungen, _agreement = world
    path = f"/ozg/verwaltungen/{territory.foehr.ars}/"
    client.get(path)  # warm: who the Verwaltung serves (cached until the Zuständigkeit or the register changes)

    def write(days):
        with django_capture_on_commit_callbacks(execute=True):  # replaces the page cache's version
            for day in days:
                for who in ("monitoring", "kommune"):
                    rollout_status_update(
                        status=RolloutStatus.objects.get(pk=statuses[who].pk),
                        changes={"planned_go_live": datetime.date(2027, 1, day + 1)},
                        by=people[who],
                    )

    write([0])
    client.get("/")  # the notices of the layout, asked once after the writes
    with CaptureQueriesContext(connection) as few:
        assert client.get(path).status_code == 200
    expected = len(few.captured_queries)  # a render after a write, with two events
    write(range(1, 10))
    client.get("/")  # the notices of the layout, asked once after the writes
    with django_assert_num_queries(expected):
        html = client.get(path).content.decode()
    assert html.count(LABEL_KOMMUNE) == 12 and html.count(f'data-label="Geändert von">{LABEL_ITVSH}</td>') == 11
