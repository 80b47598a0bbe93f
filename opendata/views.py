"""Open data: the page listing every dataset, the data dictionaries, the downloads and the DCAT-AP.de catalogue.

Every download carries a strong ETag and Last-Modified and answers conditional GETs with 304. The ETag of a
current dataset comes from its state token (a cache version or counts and newest timestamps: one or two small
queries), so a 304 costs no rendering; a monthly snapshot is a file that never changes, so its stat is its ETag.
"""

import datetime
import hashlib

from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from common import csvfiles
from common.pages import breadcrumbs
from common.stand import Stand

from . import catalog as dcat
from . import selectors, services
from .datasets import (
    CURRENT_DATASETS,
    DATASETS,
    DL_DE_BY,
    OZG_SNAPSHOTS,
)

FORMAT_VERSION = "1"  # part of every ETag: change it when the layout of the files changes
CONTENT_TYPES = {
    "csv": csvfiles.CONTENT_TYPE,
    "json": "application/json; charset=utf-8",
    "ttl": "text/turtle; charset=utf-8",
    "jsonld": "application/ld+json; charset=utf-8",
}
CURRENT_MAX_AGE = 300
SNAPSHOT_MAX_AGE = 365 * 24 * 3600


def _headers(response, *, etag: str, last_modified: datetime.datetime, filename: str, cache_control: str):
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = cache_control
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _not_modified(request, *, etag: str, last_modified: datetime.datetime, cache_control: str):
    """304 (or 412) when the request's conditions say the client's copy is current, else None."""
    response = get_conditional_response(request, etag=etag, last_modified=int(last_modified.timestamp()))
    if response is not None:
        # A 304 carries the validators a 200 would send (RFC 9110, 15.4.5).
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last_modified.timestamp())
        response["Cache-Control"] = cache_control
        response["Access-Control-Allow-Origin"] = "*"
    return response


def _current_etag(slug: str, fmt: str, token: str) -> str:
    language = translation.get_language() or ""
    digest = hashlib.sha256(f"{FORMAT_VERSION}:{slug}:{fmt}:{language}:{token}".encode()).hexdigest()
    return f'"{digest[:32]}"'


def _dataset_rows(dataset):
    state_of, rows_of, count_of = selectors.READERS[dataset.slug]
    return state_of, rows_of, count_of


@require_safe
def index(request):
    datasets = []
    for dataset in CURRENT_DATASETS:
        state_of, _rows, count_of = _dataset_rows(dataset)
        datasets.append({"dataset": dataset, "state": state_of(), "rows": count_of()})
    months = services.published_snapshots()
    context = {
        "datasets": datasets,
        "snapshots": OZG_SNAPSHOTS,
        "months": months,
        "licence": DL_DE_BY,
        "breadcrumbs": breadcrumbs((_("Offene Daten"), "")),
    }
    return render(request, "opendata/index.html", context)


@require_safe
def dataset(request, slug: str):
    found = DATASETS.get(slug)
    if found is None:
        raise Http404(_("Diesen Datensatz gibt es nicht."))
    context = {
        "dataset": found,
        "licence": found.licence,
        "breadcrumbs": breadcrumbs((_("Offene Daten"), reverse("opendata:index")), (found.title, "")),
    }
    if found.snapshots:
        context["months"] = services.published_snapshots()
    else:
        state_of, _rows, count_of = _dataset_rows(found)
        state = state_of()
        context.update(state=state, rows=count_of(), stand=Stand(state.modified))
    if found.snapshots:
        months = context["months"]
        context["stand"] = Stand(months[0]["csv"].modified if months else None)
    return render(request, "opendata/dataset.html", context)


@require_safe
def download(request, slug: str, fmt: str):
    found = DATASETS.get(slug)
    if found is None or found.snapshots:
        raise Http404(_("Diesen Datensatz gibt es nicht."))
    state_of, rows_of, _count = _dataset_rows(found)
    state = state_of()
    etag = _current_etag(slug, fmt, state.token)
    last_modified = max(state.modified, selectors.first_seen(slug, state.token))
    cache_control = f"public, max-age={CURRENT_MAX_AGE}"
    not_modified = _not_modified(request, etag=etag, last_modified=last_modified, cache_control=cache_control)
    if not_modified is not None:
        patch_vary_headers(not_modified, ["Accept-Language"])
        return not_modified
    if fmt == "csv":
        chunks = services.csv_chunks(found, rows_of())
    else:
        chunks = services.json_chunks(found, rows_of(), services.dataset_meta(found, modified=state.modified))
    response = StreamingHttpResponse((chunk.encode("utf-8") for chunk in chunks), content_type=CONTENT_TYPES[fmt])
    patch_vary_headers(response, ["Accept-Language"])
    return _headers(
        response, etag=etag, last_modified=last_modified, filename=f"{slug}.{fmt}", cache_control=cache_control
    )


def _snapshot_response(request, day: datetime.date, fmt: str):
    file = services.snapshot_file(day, fmt)
    if file is None:
        raise Http404(_("Für diesen Monat ist kein Monatsstand veröffentlicht."))
    etag = file.etag
    cache_control = f"public, max-age={SNAPSHOT_MAX_AGE}, immutable"
    not_modified = _not_modified(request, etag=etag, last_modified=file.modified, cache_control=cache_control)
    if not_modified is not None:
        return not_modified
    response = FileResponse(file.path.open("rb"), content_type=CONTENT_TYPES[fmt])
    return _headers(
        response,
        etag=etag,
        last_modified=file.modified,
        filename=f"ozg-status-{day.isoformat()}.{fmt}",
        cache_control=cache_control,
    )


@require_safe
def snapshot(request, day: str, fmt: str):
    try:
        parsed = datetime.date.fromisoformat(day)
    except ValueError:
        raise Http404(_("Kein gültiges Datum.")) from None
    return _snapshot_response(request, parsed, fmt)


@require_safe
def snapshot_latest(request, fmt: str):
    """Redirects (302) to the newest published monthly snapshot, whose address never changes its content."""
    months = services.published_snapshots()
    if not months:
        raise Http404(_("Es ist noch kein Monatsstand veröffentlicht."))
    response = redirect("opendata:snapshot", day=months[0]["date"].isoformat(), fmt=fmt)
    response["Cache-Control"] = f"public, max-age={CURRENT_MAX_AGE}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def catalog(request, fmt: str):
    graph = dcat.build_graph(request)
    body = dcat.serialize(graph, fmt)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    modified = _catalog_modified(graph, base=dcat.base_url(request))
    cache_control = f"public, max-age={CURRENT_MAX_AGE}"
    not_modified = _not_modified(request, etag=etag, last_modified=modified, cache_control=cache_control)
    if not_modified is not None:
        return not_modified
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    return _headers(response, etag=etag, last_modified=modified, filename=f"catalog.{fmt}", cache_control=cache_control)


def _catalog_modified(graph, *, base: str) -> datetime.datetime:
    """When this catalogue was first served with this content, kept in the cache. Keyed by its triples, sorted and
    without the base address: that comes from the request where PORTAL_BASE_URL is unset, and the serialised order
    follows the addresses, so `Host: localhost:<any port>` would otherwise make a key (kept 90 days) per port."""
    triples = sorted(graph.serialize(format="nt", encoding="utf-8").replace(base.encode(), b"").splitlines())
    return selectors.first_seen("catalog", hashlib.sha256(b"\n".join(triples)).hexdigest())
