""" "Stand der Daten" (issue 14, point 7): the last change of the data shown, not the render time, in the same
words on every public page and in every download."""

import csv
import datetime
import io
import json
import re

import pytest
from django.db.models import Max
from django.utils import timezone

from common.authorization import system_actor
from common.stand import AGREEMENTS, FUNDING, OZG, REGISTER, Stand, stand_of
from cooperations.models import Agreement
from ozg_monitoring.demo import demo_load
from ozg_monitoring.models import ExecutingLevel, Fokusleistung, RolloutStatus, StatusEvent
from tests.cooperations.factories import signed_agreement
from tests.funding.factories import BudgetLineFactory, InKindFactory
from tests.ozg_monitoring.conftest import territory  # noqa: F401 - fixture
from tests.ozg_monitoring.factories import OzgLeistungFactory

pytestmark = pytest.mark.django_db
WORDS = re.compile(r"Stand der Daten: (?:<time datetime=\"[^\"]+\">)?(\d\d\.\d\d\.\d{4}, \d\d:\d\d Uhr)")


@pytest.fixture
def loaded(territory, plain_static_storage):  # noqa: F811 - the fixture above
    """The small territory with demo statuses, one agreement, one budget line and one in-kind contribution."""
    for _ in range(3):
        OzgLeistungFactory(level=ExecutingLevel.AMT_GEMEINDE)
    OzgLeistungFactory(level=ExecutingLevel.KREIS)
    demo_load(by=system_actor(), months=4)
    signed_agreement(partner=territory.foehr)
    BudgetLineFactory()
    InKindFactory()
    return territory


def _words(at) -> str:
    return timezone.localtime(at).strftime("%d.%m.%Y, %H:%M Uhr")


def test_the_words_and_the_unknown():
    at = datetime.datetime(2026, 3, 1, 13, 5, tzinfo=datetime.UTC)
    assert Stand(at).text == "Stand der Daten: 01.03.2026, 14:05 Uhr"  # Europe/Berlin
    assert Stand(None).text == "Stand der Daten: noch keine Daten erfasst"


def test_stand_is_the_newest_change_in_one_query(db, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert stand_of(OZG, REGISTER, AGREEMENTS, FUNDING).at is None


def test_it_follows_the_data_not_the_clock(loaded):
    newest = max(
        StatusEvent.objects.aggregate(m=Max("changed_at"))["m"],
        RolloutStatus.objects.aggregate(m=Max("updated_at"))["m"],
        Fokusleistung.objects.aggregate(m=Max("source_at"))["m"],
    )
    assert stand_of(OZG).at == newest
    agreement = Agreement.objects.order_by("pk").first()
    Agreement.objects.filter(pk=agreement.pk).update(updated_at=timezone.now() + datetime.timedelta(days=3))
    assert stand_of(AGREEMENTS).at > timezone.now()


def _page_stand(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    found = WORDS.findall(response.content.decode())
    assert found, f"no Stand on {url}"
    return found[0]


def test_every_public_page_shows_the_stand_of_its_data(loaded, client):
    status = RolloutStatus.objects.select_related("verwaltung", "leistung").order_by("pk").first()
    gemeinde = status.verwaltung.served_gemeinden.first() or status.verwaltung
    ozg = _words(stand_of(OZG).at)
    pages = {
        "/ozg/": ozg,
        f"/ozg/online-erledigen/{gemeinde.ars}/": ozg,
        "/ozg/leistungen/": ozg,
        f"/ozg/leistungen/{status.leistung.ozg_id}/": ozg,
        "/ozg/umsetzungsstaende/": ozg,
        f"/ozg/verwaltungen/{status.verwaltung.ars}/": ozg,
        "/kommunen/": _words(stand_of(REGISTER).at),
        "/kooperationen/": _words(stand_of(AGREEMENTS).at),
        "/kooperationen/zeitleiste/": _words(stand_of(AGREEMENTS).at),
        Agreement.objects.order_by("pk").first().get_absolute_url(): _words(stand_of(AGREEMENTS).at),
        "/finanzierung/": _words(stand_of(FUNDING).at),
    }
    for url, expected in pages.items():
        assert _page_stand(client, url) == expected, url


def test_the_dashboard_stand_moves_with_a_write_and_not_with_time(loaded, client, django_capture_on_commit_callbacks):
    first = _page_stand(client, "/ozg/")
    assert _page_stand(client, "/ozg/") == first  # cached: a second render says the same, not a later time
    later = timezone.now() + datetime.timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):  # the commit replaces the cached pages' version
        StatusEvent.objects.filter(pk=StatusEvent.objects.order_by("-changed_at").first().pk).unguarded(
            reason="test: a change two hours from now"
        ).update(changed_at=later)
    assert _page_stand(client, "/ozg/") == _words(later) != first


def _csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def test_every_public_csv_download_carries_the_stand(loaded, client):
    downloads = {
        "/ozg/leistungen/?export=csv": OZG,
        "/ozg/umsetzungsstaende/?export=csv": OZG,
        "/kommunen/?q=Husum&export=csv": REGISTER,
        "/kooperationen/?export=csv": AGREEMENTS,
        "/finanzierung/finanzierung.csv": FUNDING,
    }
    for url, sources in downloads.items():
        response = client.get(url)
        assert response.status_code == 200, url
        rows = _csv_rows(response)
        expected = _words(stand_of(sources).at)
        assert rows[0][-1] == "Stand der Daten", url
        assert len(rows) > 1 and {row[-1] for row in rows[1:]} == {expected}, url
        assert response["Last-Modified"], url


def test_ozg_list_downloads_name_the_catalogue_and_mark_demo_rows(loaded, client):
    rows = _csv_rows(client.get("/ozg/umsetzungsstaende/?export=csv"))
    header = rows[0]
    assert "quelle_leistungskatalog" in header and "beispieldaten" in header
    marks = [row[header.index("beispieldaten")] for row in rows[1:]]
    assert marks.count("ja") == RolloutStatus.objects.filter(is_demo=True).count() > 0
    assert {row[header.index("quelle_leistungskatalog")] for row in rows[1:]} == {
        "OZG-Umsetzungskatalog (BMI/FITKO) mit LeiKa-Schlüsseln (FIM), Stand 2019, übernommen aus der "
        "OZG-Datenbank NRW (KDN)"
    }
    rows = _csv_rows(client.get("/ozg/leistungen/?export=csv"))
    assert "quelle_leistungskatalog" in rows[0]


def test_open_data_json_and_pages_say_stand(loaded, client):
    data = json.loads(b"".join(client.get("/opendata/vereinbarungen.json").streaming_content).decode())
    assert data["meta"]["stand"].startswith("Stand der Daten: ")
    page = client.get("/opendata/vereinbarungen/").content.decode()
    assert "Stand der Daten" in page and "Zuletzt geändert" not in page
