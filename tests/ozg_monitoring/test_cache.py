"""The cached OZG pages go stale through no door and cannot be flooded (common/cached_reads.py,
common/page_cache.py). Entries are counted in the cache itself: locmem, or Redis where REDIS_URL is set."""

import datetime
import io
import shutil
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from common import page_cache
from common.authorization import system_actor
from organisations.destatis import register_import
from organisations.models import Organisation
from organisations.services import organisation_save
from ozg_monitoring.models import ExecutingLevel, Fokusleistung, OzgLeistung, RolloutStatus
from ozg_monitoring.selectors import FRAME, READS
from ozg_monitoring.services import (
    leistung_level_set,
    rollout_status_bulk_upsert,
    rollout_status_update,
    snapshot_create,
)
from tests.helpers import cache_entries

from .factories import OnlineStatusFactory, OzgLeistungFactory, RolloutStatusFactory, ThemenfeldFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(territory):
    """Two Amt-level Leistungen online in Föhr-Amrum: the Amt's name is on the dashboard and on the lookup page of
    its Gemeinde Alkersum."""
    for name in ("Hundesteuer", "Gewerbeanmeldung"):
        OnlineStatusFactory(
            leistung=OzgLeistungFactory(level=ExecutingLevel.AMT_GEMEINDE, name=name), verwaltung=territory.foehr
        )
    RolloutStatusFactory(leistung=OzgLeistungFactory(level=ExecutingLevel.KREIS), verwaltung=territory.nf)
    READS.replace()  # the factories' writes replace it on commit, which a test's transaction never reaches
    return SimpleNamespace(
        dashboard=reverse("ozg_monitoring:dashboard"),
        lookup=reverse("ozg_monitoring:lookup_gemeinde", args=[territory.alkersum.ars]),
    )


def _warm(client, *urls):
    for url in urls:
        assert client.get(url).status_code == 200


# --- never stale: the register --------------------------------------------------------------------------------


def test_renaming_an_amt_through_the_register_service_shows_on_the_cached_pages_at_once(
    client, pages, territory, django_assert_num_queries, django_capture_on_commit_callbacks
):
    _warm(client, pages.dashboard, pages.lookup)
    for url in (pages.dashboard, pages.lookup):
        with django_assert_num_queries(0):  # from the page cache
            assert "Föhr-Amrum" in client.get(url).content.decode()
    amt = Organisation.objects.get(pk=territory.foehr.pk)
    amt.name = "Amt Inseln Föhr und Amrum"
    with django_capture_on_commit_callbacks(execute=True):
        organisation_save(organisation=amt, by=system_actor())
    table = client.get(reverse("ozg_monitoring:verwaltung_list")).content.decode()  # the map's values as a table
    lookup = client.get(pages.lookup).content.decode()
    row = f'<a href="{amt.ars}/">'
    assert f"{row}Amt Inseln Föhr und Amrum</a>" in table and f"{row}Föhr-Amrum</a>" not in table
    assert lookup.count("Amt Inseln Föhr und Amrum") == 3 and "Amt Föhr-Amrum" not in lookup


def test_renaming_an_amt_through_the_register_import_shows_on_the_cached_pages_at_once(
    client, register, tmp_path, django_capture_on_commit_callbacks
):
    amt = Organisation.objects.get(ars="010545488000")
    gemeinde = Organisation.objects.filter(amt=amt).order_by("ars").first()
    OnlineStatusFactory(leistung=OzgLeistungFactory(level=ExecutingLevel.AMT_GEMEINDE), verwaltung=amt)
    READS.replace()
    urls = [reverse("ozg_monitoring:verwaltung_list"), reverse("ozg_monitoring:lookup_gemeinde", args=[gemeinde.ars])]
    _warm(client, *urls)
    assert all("Amt Föhr-Amrum<" in client.get(url).content.decode() for url in urls)
    source = settings.DATA_DIR / "gebiete"
    for path in source.glob("*.csv"):
        shutil.copy(path, tmp_path / path.name)
    verbaende = tmp_path / "sh_gemeindeverbaende.csv"
    text = verbaende.read_text(encoding="utf-8")
    assert text.count(",Föhr-Amrum,51,") == 1
    verbaende.write_text(text.replace(",Föhr-Amrum,51,", ",Föhr-Amrum-Langeneß,51,"), encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        result = register_import(path=tmp_path, by=system_actor())
    assert result.changed == 1
    table, lookup = (client.get(url).content.decode() for url in urls)
    assert f'<a href="{amt.ars}/">Amt Föhr-Amrum-Langeneß</a>' in table
    for html in (table, lookup):
        assert "Amt Föhr-Amrum-Langeneß<" in html and "Amt Föhr-Amrum<" not in html


# --- never stale: every other door, each replacing the version once per transaction ----------------------------


def _doors(territory):
    leistung = OzgLeistungFactory(level=ExecutingLevel.AMT_GEMEINDE)
    return {
        "status update": lambda: rollout_status_update(
            leistung=leistung,
            verwaltung=territory.foehr,
            changes={"stage": "geplant"},
            by=system_actor(),
        ),
        "bulk upsert": lambda: rollout_status_bulk_upsert(
            items=[
                {"ozg_id": leistung.ozg_id, "ars": territory.husum.ars, "stage": "geplant"},
                {"ozg_id": leistung.ozg_id, "ars": territory.foehr.ars, "stage": "in_umsetzung"},
            ],
            by=system_actor(),
        ),
        "snapshot": lambda: snapshot_create(date=datetime.date(2026, 1, 1), by=system_actor()),
        "level set": lambda: leistung_level_set(leistung=leistung, level=ExecutingLevel.KREIS, by=system_actor()),
        "queryset update": lambda: OzgLeistung.objects.filter(pk=leistung.pk).update(name="Umbenannt"),
        "fokus": lambda: Fokusleistung.objects.create(year=2027, leistung=leistung),
        "delete with cascade": lambda: RolloutStatus.objects.all().delete(),
        "catalogue import": lambda: call_command("import_ozg_catalogue", stdout=io.StringIO()),
    }


@pytest.mark.parametrize(
    "door",
    [
        "status update",
        "bulk upsert",
        "snapshot",
        "level set",
        "queryset update",
        "fokus",
        "delete with cascade",
        "catalogue import",
    ],
)
def test_every_door_replaces_the_version_once_when_its_transaction_commits(
    territory, door, monkeypatch, django_capture_on_commit_callbacks
):
    doors = _doors(territory)
    OnlineStatusFactory(verwaltung=territory.foehr)
    replaced = []
    monkeypatch.setattr(READS, "replace", lambda: replaced.append(1))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        doors[door]()
    assert callbacks and not replaced  # nothing before the commit
    for callback in callbacks:
        callback()
    assert replaced == [1]


@pytest.mark.parametrize(
    ("door", "replaces_frame"),
    [
        ("status update", False),
        ("bulk upsert", False),
        ("delete with cascade", False),
        ("snapshot", True),
        ("level set", True),
        ("fokus", True),
    ],
)
def test_a_status_write_leaves_the_dashboard_frame_every_other_door_replaces_it(
    client, territory, door, replaces_frame, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    """After a status write the dashboard reads only its statuses anew (selectors.FRAME: the register, catalogue,
    Fokusleistungen, plans and Monatsstände stay cached); a write to any of those is on the page at once."""
    doors = _doors(territory)
    OnlineStatusFactory(verwaltung=territory.foehr)
    READS.replace()
    client.get(reverse("ozg_monitoring:dashboard"))
    frame = FRAME.version()
    with django_capture_on_commit_callbacks(execute=True):
        doors[door]()
    assert (FRAME.version() != frame) is replaces_frame
    with django_assert_max_num_queries(25) as render:
        response = client.get(reverse("ozg_monitoring:dashboard"))
    frame_reads = [query for query in render.captured_queries if "ozg_monitoring_monthlysnapshot" in query["sql"]]
    assert len(frame_reads) == replaces_frame  # the frame is read again only where it was replaced
    if door == "fokus":  # not this year's: the page shows this year's Fokusleistungen, as before
        assert response.context["data"]["fokus"] == []
    if door == "delete with cascade":
        assert response.context["data"]["statuses_total"] == 0


def test_a_rolled_back_write_keeps_the_version(territory, django_capture_on_commit_callbacks):
    from django.db import transaction

    before = READS.version()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        Organisation.objects.filter(pk=territory.foehr.pk).update(name="Nie gespeichert")
        raise RuntimeError
    assert READS.version() == before


# --- cannot be flooded -----------------------------------------------------------------------------------------


def test_a_thousand_requests_with_junk_parameters_add_no_cache_entries(client, pages, django_assert_num_queries):
    assert client.get(pages.lookup, {"utm_source": "feed", "q": "", "seite": ""}).status_code == 200  # stored...
    with django_assert_num_queries(0):
        client.get(pages.lookup)  # ...under the canonical key
    _warm(client, pages.dashboard)
    before = cache_entries()
    with django_assert_num_queries(0):  # every answer comes from the entry of the canonical query
        for number in range(1000):
            url = pages.dashboard if number % 2 else pages.lookup
            response = client.get(url, {f"x{number}": "1", "utm_campaign": f"c{number}", "lebenslage": ""})
            assert response.status_code == 200
    assert cache_entries() == before
    assert f"x{number}" not in response.content.decode()  # the page is the canonical one, links included


def test_a_known_parameter_with_a_thousand_junk_values_is_bounded(client, pages, monkeypatch):
    monkeypatch.setattr(page_cache.VARIANTS, "limit", 50)
    # A window the loop cannot cross: with the hour's window, a run across a full hour opened a second budget
    # (CI at 21:00:31 counted more than 50 variants). The next boundary of this one is in 2033.
    monkeypatch.setattr(page_cache.VARIANTS, "window", 10**9)
    _warm(client, pages.lookup)
    client.get(pages.lookup, {"q": "Hund", "seite": "1"})  # a first search: the service index's catalogue version
    before = cache_entries()
    for number in range(1000):
        params = [
            {"q": f"zz{number}"},
            {"themenfeld": str(10_000 + number)},
            {"seite": str(2 + number)},
            {"lebenslage": str(20_000 + number), "q": "Hund"},
        ][number % 4]
        assert client.get(pages.lookup, params).status_code == 200
    # 50 variants, one of them the first search above (which also made the budget's counter)
    assert cache_entries() - before == 50 - 1
    # Once the budget is used up, a variant still answers, rendered uncached.
    assert "Hundesteuer" in client.get(pages.lookup, {"q": "Hund"}).content.decode()
    assert cache_entries() - before == 50 - 1


@pytest.mark.parametrize(
    "params",
    [
        {"q": " Hund"},
        {"q": "x" * 101},
        {"q": "Hund\t"},
        {"seite": "02"},
        {"seite": "0"},
        {"seite": "12345"},
        {"themenfeld": "x"},
        {"themenfeld": "-1"},
        {"themenfeld": "٣"},
        {"q": ["a", "b"]},
    ],
)
def test_a_value_not_in_canonical_form_is_answered_uncached(client, pages, params, django_assert_max_num_queries):
    _warm(client, pages.lookup)
    client.get(pages.lookup, {"q": "Hund"})  # a first search: the service index's catalogue version
    before = cache_entries()
    for _ in range(2):
        with django_assert_max_num_queries(12) as queries:
            response = client.get(pages.lookup, params)
        # Rendered, never from the cache; or refused before the view (a control character: 400 from the input check)
        assert (response.status_code in (200, 400) and queries.captured_queries) or response.status_code == 400
    assert cache_entries() == before


def test_variants_share_the_entry_of_their_canonical_query(client, pages, django_assert_num_queries):
    themenfeld = ThemenfeldFactory()
    first = client.get(pages.lookup, {"themenfeld": themenfeld.catalogue_id, "q": "Hund"})
    assert first.status_code == 200
    with django_assert_num_queries(0):
        again = client.get(f"{pages.lookup}?junk=1&q=Hund&lebenslage=&themenfeld={themenfeld.catalogue_id}")
    assert again.content == first.content


def test_a_path_variant_of_a_cached_page_is_answered_uncached(client, territory, django_assert_max_num_queries):
    leistung = OzgLeistungFactory(ozg_id=10123)
    canonical = reverse("ozg_monitoring:leistung_detail", args=[leistung.ozg_id])
    _warm(client, canonical)
    before = cache_entries()
    for number in range(1, 20):
        with django_assert_max_num_queries(10) as queries:
            assert client.get(canonical.replace("/10123/", f"/{'0' * number}10123/")).status_code == 200
        assert queries.captured_queries
    assert cache_entries() == before


def test_a_new_version_overwrites_the_entries_instead_of_adding_keys(client, pages):
    _warm(client, pages.dashboard, pages.lookup)
    before = cache_entries()
    for _ in range(20):
        READS.replace()
        _warm(client, pages.dashboard, pages.lookup)
    assert cache_entries() == before


# --- HTTP validators and shared caches ---------------------------------------------------------------------------


def _versions_set_ago(seconds: float):
    """Every scope of the cached pages gets a version set `seconds` ago (in the shared cache and this process)."""
    import time
    import uuid

    from django.core.cache import cache

    from common import cached_reads

    for scope in (READS, *page_cache._layout_scopes()):
        cache.set(scope.version_key, f"{uuid.uuid4().hex}.{int((time.time() - seconds) * 1000)}", None)
    cached_reads.forget_local()


@pytest.mark.parametrize("warm", [False, True], ids=["rendered", "from the cache"])
def test_an_anonymous_cached_page_carries_validators_and_answers_304(
    client, pages, warm, django_assert_num_queries, monkeypatch
):
    from common import cached_reads

    set_at = cached_reads.version_time(READS.version())
    monkeypatch.setattr(page_cache, "_now", lambda: set_at + 1.5)  # 1.5 s after the version was set
    if warm:
        _warm(client, pages.dashboard)
    first = client.get(pages.dashboard)
    assert first.status_code == 200 and first.content
    etag = first["ETag"]
    assert etag.startswith('W/"') and first["Cache-Control"] == "public, no-cache"
    assert {"Accept-Encoding", "Accept-Language", "Cookie"} <= {part.strip() for part in first["Vary"].split(",")}
    assert "Last-Modified" not in first  # the version is younger than 2 s + the process interval (1 s)
    with django_assert_num_queries(0):
        again = client.get(pages.dashboard, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert again["Cache-Control"] == "public, no-cache"
    # Another page of the same version has another ETag; a new version changes it.
    assert client.get(pages.lookup)["ETag"] != etag
    READS.replace()
    changed = client.get(pages.dashboard, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag and changed.content


def test_last_modified_is_when_the_newest_version_was_set(client, pages):
    from django.utils.http import http_date, parse_http_date

    _versions_set_ago(60)
    first = client.get(pages.dashboard)
    modified = parse_http_date(first["Last-Modified"])
    import time

    assert time.time() - 62 < modified <= time.time() - 59
    assert client.get(pages.dashboard, headers={"If-Modified-Since": first["Last-Modified"]}).status_code == 304
    earlier = http_date(modified - 1)
    assert client.get(pages.dashboard, headers={"If-Modified-Since": earlier}).status_code == 200
    # If-None-Match decides when both are sent (RFC 9110): an old ETag gets the page despite the date.
    response = client.get(
        pages.dashboard, headers={"If-None-Match": 'W/"old"', "If-Modified-Since": first["Last-Modified"]}
    )
    assert response.status_code == 200


def test_a_proxy_may_keep_a_page_only_for_what_the_process_interval_leaves_of_one_second(client, pages, settings):
    settings.CACHED_READS_LOCAL_SECONDS = 0
    assert client.get(pages.dashboard)["Cache-Control"] == "public, max-age=0, s-maxage=1"
    settings.CACHED_READS_LOCAL_SECONDS = 0.5
    assert client.get(pages.dashboard)["Cache-Control"] == "public, no-cache"


def test_a_signed_in_visitor_gets_a_private_answer_without_validators(client, pages, verified_login):
    from tests.accounts.factories import StaffUserFactory

    _warm(client, pages.dashboard)
    verified_login(client, StaffUserFactory())
    response = client.get(pages.dashboard)
    assert response.status_code == 200 and response.wsgi_request.user.is_authenticated
    assert {part.strip() for part in response["Cache-Control"].split(",")} >= {"private", "no-store"}
    assert "ETag" not in response and "Last-Modified" not in response
    assert "Cookie" in response["Vary"]


def test_a_page_not_from_the_cache_carries_no_validators(client, pages):
    response = client.get(pages.lookup, {"seite": "02"})  # not canonical: rendered uncached
    assert "ETag" not in response and "public" not in response.get("Cache-Control", "")


@pytest.mark.parametrize("warm", [False, True], ids=["rendered", "from the cache"])
def test_a_client_that_accepts_gzip_gets_the_page_compressed_once(client, pages, warm, monkeypatch):
    import gzip

    if warm:
        _warm(client, pages.dashboard)
    plain = client.get(pages.dashboard)
    compressions = []
    original = gzip.compress
    monkeypatch.setattr(gzip, "compress", lambda *args, **kwargs: compressions.append(1) or original(*args, **kwargs))
    packed = client.get(pages.dashboard, headers={"Accept-Encoding": "br, gzip;q=0.8"})
    assert packed["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain
    assert gzip.decompress(packed.content) == plain.content and len(packed.content) < len(plain.content) / 3
    assert packed["ETag"] == plain["ETag"][:-1] + '-gz"'
    assert compressions == []  # compressed when it was stored, not per request
    again = client.get(pages.dashboard, headers={"Accept-Encoding": "gzip", "If-None-Match": packed["ETag"]})
    assert again.status_code == 304
    other = client.get(pages.dashboard, headers={"Accept-Encoding": "gzip", "If-None-Match": plain["ETag"]})
    assert other.status_code == 200 and other["Content-Encoding"] == "gzip"
