import re

import pytest
from django.urls import reverse

from opendata import services
from opendata.datasets import DATASETS

from .conftest import month_start

pytestmark = pytest.mark.django_db


def test_index_lists_every_dataset_with_links(client, portal_data, opendata_root, warm_notices):
    services.snapshots_publish(dates=[month_start(0)])
    response = client.get(reverse("opendata:index"))
    assert response.status_code == 200
    html = response.content.decode()
    for dataset in DATASETS.values():
        assert str(dataset.title) in html
        assert f'href="/opendata/{dataset.slug}/"' in html
        if not dataset.snapshots:
            assert f'href="/opendata/{dataset.slug}.csv"' in html and f'href="/opendata/{dataset.slug}.json"' in html
    assert 'href="/opendata/catalog.ttl"' in html and 'href="/opendata/catalog.jsonld"' in html
    assert 'href="/opendata/ozg-status/latest.csv"' in html
    assert "Datenlizenz Deutschland – Namensnennung – Version 2.0" in html
    assert "© Statistisches Bundesamt (Destatis), 2025" in html
    assert not re.search(r"\sstyle=|<style\b|<script(?![^>]*\bsrc=\"/static/)", html)


def test_index_query_count_is_constant(client, portal_data, opendata_root, warm_notices, django_assert_num_queries):
    client.get(reverse("opendata:index"))
    # per current dataset its state (1–2 aggregates) and its row count (1–2); the Stand der Daten
    with django_assert_num_queries(17):
        client.get(reverse("opendata:index"))


@pytest.mark.parametrize("slug", list(DATASETS))
def test_data_dictionary_pages(client, portal_data, opendata_root, slug):
    services.snapshots_publish(dates=[month_start(0)])
    response = client.get(reverse("opendata:dataset", kwargs={"slug": slug}))
    assert response.status_code == 200
    html = response.content.decode()
    for column in DATASETS[slug].columns:
        assert f"<code>{column.name}</code>" in html
    if DATASETS[slug].snapshots:
        assert f'href="/opendata/ozg-status/{month_start(0).isoformat()}.csv"' in html
    assert not re.search(r"\sstyle=|<style\b|<script(?![^>]*\bsrc=\"/static/)", html)
