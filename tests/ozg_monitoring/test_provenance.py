"""Issue 14, provenance: a write through any door makes a demo row real, and removing the demo keeps what was written.

The demo is loaded on the small territory of conftest.py (Land, Nordfriesland, Amt Föhr-Amrum, Husum, Kiel) with a
handful of Leistungen, through the loader itself (`demo_load`), so the rows are what the demo really writes."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from audit.context import acting_as
from common.authorization import system_actor
from common.provenance import SourceKind
from ozg_monitoring.demo import demo_load, demo_remove
from ozg_monitoring.models import (
    Basisdienst,
    ExecutingLevel,
    Fokusleistung,
    MonthlySnapshot,
    OzgLeistung,
    RolloutPlan,
    RolloutStatus,
    RolloutTarget,
    StatusEvent,
)
from ozg_monitoring.services import TRACKED_FIELDS, rollout_status_update

from .factories import LeikaLeistungFactory, OzgLeistungFactory
from .test_api import token_for  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(territory):
    """Demo content for six Leistungen (four of the Ämter, two of the Kreise) in the territory."""
    for _ in range(4):
        OzgLeistungFactory(level=ExecutingLevel.AMT_GEMEINDE)
    for _ in range(2):
        OzgLeistungFactory(level=ExecutingLevel.KREIS)
    demo_load(by=system_actor(), months=12)  # today: the dashboard shows this year's Fokusleistungen
    assert RolloutStatus.objects.filter(is_demo=True).exists()
    return territory


def _demo_status(verwaltung) -> RolloutStatus:
    return RolloutStatus.objects.filter(verwaltung=verwaltung, is_demo=True).order_by("leistung__ozg_id").first()


def _last_event(status) -> StatusEvent:
    return status.events.order_by("-changed_at", "-id").first()


def _assert_made_real(status, *, kind: str, label: str):
    status.refresh_from_db()
    assert (status.is_demo, status.source_kind) == (False, kind)
    event = _last_event(status)
    assert event.source_kind == kind
    assert (event.old_values["source_kind"], event.new_values["source_kind"]) == ("demo", kind)
    assert event.source_change == f"Beispieldaten → {label}"
    # the demo history before it stays
    assert status.events.filter(source_kind=SourceKind.DEMO).exists()


# --- every door makes a demo row real ---------------------------------------------------------------------------


def _form_data(status, **changes) -> dict:
    data = {name: getattr(status, name) for name in TRACKED_FIELDS if name != "provider"}
    data = {name: "" if value is None else value for name, value in data.items()}
    data["provider"] = ""
    data.update(changes)
    return data


def test_admin_change_makes_a_demo_row_real(demo, admin_client):
    status = _demo_status(demo.foehr)
    url = reverse("admin:ozg_monitoring_rolloutstatus_change", args=[status.pk])
    response = admin_client.post(url, _form_data(status, note="von der Redaktion geprüft"))
    assert response.status_code == 302
    _assert_made_real(status, kind=SourceKind.REDAKTION, label="ITV.SH-Redaktion")
    assert status.note == "von der Redaktion geprüft"


def test_admin_save_without_a_change_still_makes_a_demo_row_real(demo, admin_client):
    """Whoever saves a demo row vouches for it: it is real from then on, although no value changed."""
    status = _demo_status(demo.husum)
    version = status.version
    url = reverse("admin:ozg_monitoring_rolloutstatus_change", args=[status.pk])
    response = admin_client.post(url, _form_data(status))
    assert response.status_code == 302
    _assert_made_real(status, kind=SourceKind.REDAKTION, label="ITV.SH-Redaktion")
    assert status.version == version + 1
    assert set(_last_event(status).new_values) == {"source_kind"}


def test_api_patch_makes_a_demo_row_real(demo, token_for):  # noqa: F811
    status = _demo_status(demo.foehr)
    client = token_for(demo.foehr)
    response = client.patch(
        f"/api/v1/ozg/status/{status.pk}/", {"note": "Fachverfahren", "version": status.version}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["is_demo"], response.json()["source_kind"]) == (False, "kommune")
    _assert_made_real(status, kind=SourceKind.KOMMUNE, label="Kommune")
    assert _last_event(status).channel == "api"


def test_api_bulk_makes_demo_rows_real_and_leaves_the_others(demo, token_for):  # noqa: F811
    statuses = list(RolloutStatus.objects.filter(verwaltung=demo.foehr, is_demo=True).order_by("leistung__ozg_id"))
    assert len(statuses) == 4
    touched, untouched = statuses[:2], statuses[2:]
    client = token_for(demo.foehr)
    items = [{"ozg_id": status.leistung.ozg_id, "ars": demo.foehr.ars} for status in touched]
    items[0]["note"] = "geprüft"  # the other changes no value: still a write that vouches for the row
    response = client.post("/api/v1/ozg/status/bulk/", {"items": items}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 0, "updated": 2, "unchanged": 0}
    for status in touched:
        _assert_made_real(status, kind=SourceKind.KOMMUNE, label="Kommune")
    assert all(RolloutStatus.objects.get(pk=status.pk).is_demo for status in untouched)
    # a second identical write of a real row is unchanged again
    response = client.post("/api/v1/ozg/status/bulk/", {"items": items}, format="json")
    assert response.json() == {"created": 0, "updated": 0, "unchanged": 2}


def test_csv_import_makes_a_demo_row_real(demo, admin_client, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    status = _demo_status(demo.kiel)
    text = f"ozg_id,ars,note\n{status.leistung.ozg_id},{demo.kiel.ars},aus der Fachverfahrensliste\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:ozg_monitoring_importjob_add"),
            {"file": SimpleUploadedFile("status.csv", text.encode(), content_type="text/csv")},
        )
    assert response.status_code == 302
    _assert_made_real(status, kind=SourceKind.IMPORT, label="Datei-Import")
    assert _last_event(status).channel == "import"


def test_adopting_the_federal_record_makes_a_demo_row_real(demo, token_for):  # noqa: F811
    """The federal import writes no status; adopting the Bund's record from the reconciliation does."""
    import json

    from federal.services import federal_sync

    status = _demo_status(demo.foehr)
    RolloutStatus.objects.filter(pk=status.pk).update(maturity_level=max(status.maturity_level, 2))
    record = {
        "ars": demo.alkersum.ars,  # counted for her Amt (the Leistung is Amt-level)
        "ozgid": status.leistung.ozg_id,
        "url": "https://foehr.example/dienst",
        "online_status": "ok",
    }
    federal_sync(by=system_actor(), blobs=[("bund.json", json.dumps([record]).encode())])
    item = {"ars": demo.foehr.ars, "ozg_id": status.leistung.ozg_id}
    response = token_for(demo.foehr).post("/api/v1/ozg/reconciliation/adopt/", {"items": [item]}, format="json")
    assert response.status_code == 200 and response.json()["adopted"] == 1, response.json()
    _assert_made_real(status, kind=SourceKind.BUND, label="Bundes-Dashboard")


def test_a_demo_write_keeps_a_demo_row_demo(demo):
    status = _demo_status(demo.foehr)
    with acting_as(source=SourceKind.DEMO):
        rollout_status_update(status=status, changes={"note": "Beispiel"}, by=system_actor())
    status.refresh_from_db()
    assert status.is_demo and status.source_kind == SourceKind.DEMO


def test_the_public_history_says_where_the_row_came_from(demo, admin_client, client):
    status = _demo_status(demo.foehr)
    admin_client.post(
        reverse("admin:ozg_monitoring_rolloutstatus_change", args=[status.pk]), _form_data(status, note="geprüft")
    )
    page = client.get(reverse("ozg_monitoring:leistung_detail", args=[status.leistung.ozg_id])).content.decode()
    assert "Herkunft: Beispieldaten → ITV.SH-Redaktion" in page


@pytest.mark.parametrize(
    ("model", "admin_name", "fields"),
    [
        (Fokusleistung, "fokusleistung", lambda obj: {"year": obj.year, "leistung": obj.leistung_id, "note": "echt"}),
        (Basisdienst, "basisdienst", lambda obj: {"name": obj.name, "description": "geprüft", "active": "on"}),
    ],
)
def test_admin_save_makes_a_demo_entry_real(demo, admin_client, model, admin_name, fields):
    entry = model.objects.filter(is_demo=True).first()
    assert entry is not None and entry.source_kind == SourceKind.DEMO
    response = admin_client.post(reverse(f"admin:ozg_monitoring_{admin_name}_change", args=[entry.pk]), fields(entry))
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry.refresh_from_db()
    assert (entry.is_demo, entry.source_kind) == (False, SourceKind.REDAKTION) and entry.source_at is not None


def test_admin_save_makes_the_demo_plan_real(demo, admin_client):
    plan = RolloutPlan.objects.get(is_demo=True)
    targets = list(plan.targets.order_by("pk"))
    data = {
        "name": plan.name,
        "slug": plan.slug,
        "year": plan.year,
        "description": plan.description,
        "targets-TOTAL_FORMS": len(targets),
        "targets-INITIAL_FORMS": len(targets),
        "targets-MIN_NUM_FORMS": 0,
        "targets-MAX_NUM_FORMS": 1000,
    }
    for index, target in enumerate(targets):
        data.update(
            {
                f"targets-{index}-id": target.pk,
                f"targets-{index}-plan": plan.pk,
                f"targets-{index}-leistung": target.leistung_id,
                f"targets-{index}-verwaltung": target.verwaltung_id,
                f"targets-{index}-target_stage": target.target_stage,
                f"targets-{index}-due": target.due.isoformat(),
            }
        )
    response = admin_client.post(reverse("admin:ozg_monitoring_rolloutplan_change", args=[plan.pk]), data)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.is_demo, plan.source_kind) == (False, SourceKind.REDAKTION)


# --- removal keeps what was written --------------------------------------------------------------------------


def test_remove_keeps_touched_rows_with_their_history_and_removes_the_rest(demo, token_for):  # noqa: F811
    touched = _demo_status(demo.foehr)
    client = token_for(demo.foehr)
    client.patch(f"/api/v1/ozg/status/{touched.pk}/", {"note": "echt", "version": touched.version}, format="json")
    history = touched.events.count()
    demo_total = RolloutStatus.objects.count()
    assert Fokusleistung.objects.filter(is_demo=True).exists() and Basisdienst.objects.filter(is_demo=True).exists()
    assert RolloutTarget.objects.exists()

    out = io.StringIO()
    call_command("load_ozg_demo", "--remove", stdout=out)

    assert list(RolloutStatus.objects.values_list("pk", flat=True)) == [touched.pk]
    assert touched.events.count() == history
    assert not MonthlySnapshot.objects.exists()
    assert not Fokusleistung.objects.exists() and not Basisdienst.objects.exists()
    assert not RolloutPlan.objects.exists() and not RolloutTarget.objects.exists()
    text = out.getvalue()
    assert f"Beispieldaten entfernt: {demo_total - 1} Umsetzungsstände" in text
    assert "1 Fokusleistungen" not in text  # the demo picks up to eight of the six Leistungen: six
    assert "6 Fokusleistungen, 1 Basisdienste, 1 Roll-out-Pläne" in text
    assert "Behalten: 1 Umsetzungsstände aus Beispieldaten, weil sie seit dem Laden geschrieben wurden" in text


def test_remove_with_nothing_touched_keeps_nothing_and_says_so(demo):
    removal = demo_remove(by=system_actor())
    assert not RolloutStatus.objects.exists() and not StatusEvent.objects.exists()
    assert (removal.kept_real, removal.kept_touched) == (0, 0)
    assert removal.fokusleistungen == 6 and removal.basisdienste == 1 and removal.plans == 1
    assert "Behalten: keine Umsetzungsstände" in removal.lines()[-1]


def test_remove_keeps_a_row_still_flagged_demo_that_someone_wrote_and_makes_it_real(demo):
    """Rows written before writes cleared the flag: still `is_demo`, but with an event that is not the demo's."""
    status = _demo_status(demo.foehr)
    event = _last_event(status)
    StatusEvent.objects.create(
        status=status,
        leistung_id=status.leistung_id,
        verwaltung_id=status.verwaltung_id,
        new_values={"note": "von Hand"},
        channel="admin",
        source_kind=SourceKind.REDAKTION,
        changed_at=event.changed_at + datetime.timedelta(minutes=5),
    )
    assert RolloutStatus.objects.get(pk=status.pk).is_demo
    removal = demo_remove(by=system_actor())
    status.refresh_from_db()
    assert RolloutStatus.objects.count() == 1
    assert (status.is_demo, status.source_kind) == (False, SourceKind.REDAKTION)
    assert (removal.kept_touched, removal.kept_real) == (1, 0)
    assert "Davon 1 noch als Beispieldaten markiert" in "\n".join(removal.lines())


def test_real_entries_survive_removal_and_reloading(demo, admin_client):
    fokus = Fokusleistung.objects.filter(is_demo=True).first()
    admin_client.post(
        reverse("admin:ozg_monitoring_fokusleistung_change", args=[fokus.pk]),
        {"year": fokus.year, "leistung": fokus.leistung_id, "note": "echte Fokusleistung"},
    )
    plan = RolloutPlan.objects.get()
    RolloutPlan.objects.filter(pk=plan.pk).update(is_demo=False, source_kind=SourceKind.REDAKTION)
    demo_remove(by=system_actor())
    assert list(Fokusleistung.objects.values_list("pk", flat=True)) == [fokus.pk]
    assert list(RolloutPlan.objects.values_list("pk", flat=True)) == [plan.pk]
    demo_load(by=system_actor(), months=12)  # no second plan beside the real one
    assert RolloutPlan.objects.count() == 1 and not RolloutPlan.objects.get().is_demo
    assert Fokusleistung.objects.get(pk=fokus.pk).is_demo is False


def test_migration_flags_earlier_demo_entries(territory):
    """The entries the loader wrote before the flag existed are recognised by its texts."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("ozg_monitoring.migrations.0005_managed_entry_provenance")
    leistung = OzgLeistungFactory()
    demo_fokus = Fokusleistung.objects.create(year=2026, leistung=leistung, note="Beispiel-Fokusleistung")
    real_fokus = Fokusleistung.objects.create(year=2025, leistung=leistung, note="vom Land beschlossen")
    Basisdienst.objects.create(name=migration.DEMO_BASISDIENST[0], description=migration.DEMO_BASISDIENST[1])
    RolloutPlan.objects.create(name="Plan (Beispiel)", slug="beispiel-2026", year=2026)
    RolloutPlan.objects.create(name="Plan 2026", slug="plan-2026", year=2026)
    migration.flag_demo_entries(apps, None)
    assert list(Fokusleistung.objects.filter(is_demo=True)) == [demo_fokus]
    assert not Fokusleistung.objects.get(pk=real_fokus.pk).is_demo
    assert Basisdienst.objects.get().is_demo
    assert list(RolloutPlan.objects.filter(is_demo=True).values_list("slug", flat=True)) == ["beispiel-2026"]


# --- "Beispiel" on every demo row of every public output ------------------------------------------------------


def _text(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode("utf-8-sig")


def _marks(page: str, kind: str = "status") -> int:
    return page.count(f'data-beispiel="{kind}"')


def test_every_public_output_marks_every_demo_row(demo, admin_client, client, token_for):  # noqa: F811
    """With demo data loaded and one demo row made real, each output carries exactly one mark per demo row it shows
    (counted in the database, not from the output): pages, downloads, API lists, federal export, DCAT catalogue."""
    from django.utils import timezone

    real = _demo_status(demo.foehr)
    token_for(demo.foehr).patch(
        f"/api/v1/ozg/status/{real.pk}/", {"note": "echt", "version": real.version}, format="json"
    )
    demo_rows = RolloutStatus.objects.filter(is_demo=True)
    assert demo_rows.count() == 15 and RolloutStatus.objects.count() == 16

    # the lookup of a Gemeinde in Amt Föhr-Amrum: the Leistungen of the Ämter at her Amt, of the Kreise at hers
    page = client.get(reverse("ozg_monitoring:lookup_gemeinde", args=[demo.alkersum.ars])).content.decode()
    assert _marks(page) == demo_rows.filter(verwaltung__in=[demo.foehr, demo.nf]).count() == 5
    assert "Quelle: Kommune" in page and "Quelle: Beispieldaten" in page

    # every Verwaltung's page lists all its statuses
    for org in (demo.foehr, demo.husum, demo.kiel, demo.nf):
        page = client.get(reverse("ozg_monitoring:verwaltung_detail", args=[org.ars])).content.decode()
        assert _marks(page) == demo_rows.filter(verwaltung=org).count(), org

    # every Leistung's page lists where it is online
    for status in RolloutStatus.objects.distinct().order_by("leistung_id").values_list("leistung__ozg_id", flat=True):
        page = client.get(reverse("ozg_monitoring:leistung_detail", args=[status])).content.decode()
        assert _marks(page) == demo_rows.filter(leistung__ozg_id=status, stage__in=["online", "ende_zu_ende"]).count()

    # the status list (one page: 16 rows)
    page = client.get(reverse("ozg_monitoring:status_list")).content.decode()
    assert _marks(page) == 15

    # the dashboard's Fokusleistungen of this year
    page = client.get(reverse("ozg_monitoring:dashboard")).content.decode()
    fokus = Fokusleistung.objects.filter(year=timezone.localdate().year, is_demo=True).count()
    assert fokus == 6 and _marks(page, "fokusleistung") == fokus

    # open data: the current statuses (CSV and JSON) and the catalogue
    import csv
    import json

    rows = list(csv.DictReader(io.StringIO(_text(client.get("/opendata/ozg-status.csv")))))
    assert len(rows) == 16
    assert sum(row["beispieldaten"] == "true" for row in rows) == 15
    assert {(row["beispieldaten"], row["herkunft"]) for row in rows} == {("true", "demo"), ("false", "kommune")}
    data = json.loads(_text(client.get("/opendata/ozg-status.json")))
    items = data if isinstance(data, list) else data.get("rows") or data.get("data") or data.get("items")
    assert sum(item["beispieldaten"] is True for item in items) == 15
    rows = list(csv.DictReader(io.StringIO(_text(client.get("/opendata/ozg-katalog.csv")))))
    demo_fokus = set(Fokusleistung.objects.filter(is_demo=True).values_list("leistung__ozg_id", flat=True))
    assert {int(row["ozg_id"]) for row in rows if row["beispieldaten"] == "true"} == demo_fokus

    # the API: status list, the Gemeinde lookup
    body = client.get("/api/v1/ozg/status/", {"page_size": 100}).json()
    results = body["results"]
    assert len(results) == 16
    assert sum(item["is_demo"] for item in results) == 15
    assert all(item["source_kind"] == ("demo" if item["is_demo"] else "kommune") for item in results)
    results = client.get(f"/api/v1/ozg/gemeinden/{demo.alkersum.ars}/leistungen/").json()["results"]
    assert sum(item["is_demo"] for item in results) == 5
    assert all(item["source_kind"] == "demo" for item in results if item["is_demo"])

    # the federal-format export: one record per status with a URL and LeiKa-Leistung (one per Leistung here)
    for leistung in OzgLeistung.objects.all():
        LeikaLeistungFactory(ozg_leistung=leistung)
    records = client.get("/api/v1/bund/v1/data/", {"size": 1000}).json()["content"]
    with_url = RolloutStatus.objects.exclude(url="")
    assert len(records) == with_url.count()
    assert sum(record["beispieldaten"] == "ja" for record in records) == with_url.filter(is_demo=True).count() > 0
    text = client.get("/api/v1/bund/v1/data/010000000000/", {"includeAbove": "false"}).content.decode()
    assert text.splitlines()[0].endswith(",beispieldaten")
    assert sum(line.endswith(",ja") for line in text.splitlines()) == with_url.filter(is_demo=True).count()

    # the DCAT catalogue: the datasets with demo rows say so, the others not
    ttl = _text(client.get("/opendata/catalog.ttl"))
    assert ttl.count("Enthält Beispieldaten") == 2  # ozg-status, ozg-katalog (no Monatsstände published here)

    demo_remove(by=system_actor())
    ttl = _text(client.get("/opendata/catalog.ttl"))
    assert "Enthält Beispieldaten" not in ttl
    page = client.get(reverse("ozg_monitoring:verwaltung_detail", args=[demo.foehr.ars])).content.decode()
    assert _marks(page) == 0 and "Quelle: Kommune" in page


def test_demo_with_too_few_months_is_refused_in_words(territory):
    OzgLeistungFactory(level=ExecutingLevel.AMT_GEMEINDE)
    with pytest.raises(CommandError, match="--months muss mindestens 4 sein"):
        call_command("load_ozg_demo", "--months", "2", stdout=io.StringIO())
    assert not RolloutStatus.objects.exists()
