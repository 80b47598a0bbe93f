"""The DCAT-AP.de 3.0 catalogue of the portal's datasets, built with rdflib (Turtle and JSON-LD).

Controlled values, as DCAT-AP.de 3.0 asks for them: language, frequency, data theme and file type from the EU
authority tables, the licence from the DCAT-AP.de licence list, contributor ID and political geocoding from the
DCAT-AP.de vocabularies, publisher type from ADMS. opendata/vocabularies.ttl states, for exactly the concepts used
here, the scheme they belong to, so that the validator can check them without the large vocabulary files.
"""

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, XSD

from . import selectors, services
from .datasets import CURRENT_DATASETS, DEMO_NOTE, LICENCE_URI, OZG_SNAPSHOTS, Dataset

DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU = "http://publications.europa.eu/resource/authority/"
LANGUAGE = URIRef(EU + "language/DEU")
FREQUENCY = Namespace(EU + "frequency/")
THEME = Namespace(EU + "data-theme/")
FILE_TYPE = Namespace(EU + "file-type/")
MEDIA_TYPES = {
    "csv": "https://www.iana.org/assignments/media-types/text/csv",
    "json": "https://www.iana.org/assignments/media-types/application/json",
}
FILE_TYPES = {"csv": "CSV", "json": "JSON"}
CONTRIBUTOR = URIRef("http://dcat-ap.de/def/contributors/schleswigHolstein")
STATE = URIRef("http://dcat-ap.de/def/politicalGeocoding/stateKey/01")  # Schleswig-Holstein, Land key 01
STATE_LEVEL = URIRef("http://dcat-ap.de/def/politicalGeocoding/Level/state")
PUBLISHER_TYPE = URIRef("http://purl.org/adms/publishertype/LocalAuthority")  # Anstalt der Kommunen
START = datetime.date(2019, 1, 1)  # ITV.SH operates from 2019 (ITV.SH law of 2018)
LANG = "de"


def base_url(request=None) -> str:
    configured = getattr(settings, "PORTAL_BASE_URL", "")
    if configured:
        return configured.rstrip("/")
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return "http://127.0.0.1:8000"


def _date(value: datetime.date) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.date)


def _datetime(value: datetime.datetime) -> Literal:
    return Literal(timezone.localtime(value).replace(microsecond=0).isoformat(), datatype=XSD.dateTime)


def _text(graph: Graph, subject, predicate, value) -> None:
    graph.add((subject, predicate, Literal(str(value), lang=LANG)))


def _distribution(
    graph, dataset_node, *, node, title, access_url, download_url, fmt, modified, attribution, licence, size=None
):
    graph.add((dataset_node, DCAT.distribution, node))
    graph.add((node, RDF.type, DCAT.Distribution))
    _text(graph, node, DCTERMS.title, title)
    graph.add((node, DCAT.accessURL, URIRef(access_url)))
    graph.add((node, DCAT.downloadURL, URIRef(download_url)))
    graph.add((node, DCTERMS.format, FILE_TYPE[FILE_TYPES[fmt]]))
    graph.add((node, DCAT.mediaType, URIRef(MEDIA_TYPES[fmt])))
    graph.add((node, DCTERMS.license, URIRef(licence.uri)))
    if licence.statement:  # a dct:RightsStatement with the statement in words (DCAT-AP: an IRI, not a literal)
        rights = URIRef(f"{node}-rechte")
        graph.add((node, DCTERMS.rights, rights))
        graph.add((rights, RDF.type, DCTERMS.RightsStatement))
        _text(graph, rights, RDFS.label, licence.statement)
    graph.add((node, DCATDE.licenseAttributionByText, Literal(attribution, lang=LANG)))
    graph.add((node, DCTERMS.modified, _datetime(modified)))
    graph.add((node, DCTERMS.language, LANGUAGE))
    if size is not None:
        graph.add((node, DCAT.byteSize, Literal(size, datatype=XSD.nonNegativeInteger)))


def _dataset(graph, catalog, base, dataset: Dataset, *, publisher, contact, modified, start, end, demo=False):
    page = base + dataset.get_absolute_url()
    node = URIRef(page + "#datensatz")
    graph.add((catalog, DCAT.dataset, node))
    graph.add((node, RDF.type, DCAT.Dataset))
    _text(graph, node, DCTERMS.title, dataset.title)
    description = f"{dataset.description} {DEMO_NOTE}" if demo else dataset.description
    _text(graph, node, DCTERMS.description, description)
    graph.add((node, DCTERMS.identifier, Literal(page)))
    graph.add((node, DCAT.landingPage, URIRef(page)))
    graph.add((node, DCTERMS.publisher, publisher))
    graph.add((node, DCAT.contactPoint, contact))
    graph.add((node, DCATDE.contributorID, CONTRIBUTOR))
    graph.add((node, DCATDE.politicalGeocodingURI, STATE))
    graph.add((node, DCATDE.politicalGeocodingLevelURI, STATE_LEVEL))
    graph.add((node, DCTERMS.spatial, STATE))
    graph.add((node, DCTERMS.language, LANGUAGE))
    graph.add((node, DCTERMS.modified, _datetime(modified)))
    graph.add((node, DCTERMS.accrualPeriodicity, FREQUENCY[dataset.periodicity]))
    for theme in dataset.themes:
        graph.add((node, DCAT.theme, THEME[theme]))
    for keyword in dataset.keywords:
        graph.add((node, DCAT.keyword, Literal(keyword, lang=LANG)))
    period = URIRef(page + "#zeitraum")  # not a blank node: the same catalogue serializes to the same bytes
    graph.add((node, DCTERMS.temporal, period))
    graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
    graph.add((period, DCAT.startDate, _date(start)))
    if end is not None:
        graph.add((period, DCAT.endDate, _date(end)))
    return node, page


def build_graph(request=None) -> Graph:
    """The whole catalogue. Queries: the state of each current dataset (one or two aggregates each); the monthly
    snapshots are read from their folder."""
    base = base_url(request)
    graph = Graph()
    for prefix, namespace in (
        ("dcat", DCAT),
        ("dct", DCTERMS),
        ("dcatde", DCATDE),
        ("foaf", FOAF),
        ("vcard", VCARD),
        ("xsd", XSD),
    ):
        graph.bind(prefix, namespace)
    catalog = URIRef(base + reverse("opendata:index") + "#katalog")
    publisher = URIRef(base + reverse("opendata:index") + "#herausgeber")
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, RDF.type, FOAF.Organization))
    graph.add((publisher, FOAF.name, Literal(settings.PORTAL_OPERATOR, lang=LANG)))
    graph.add((publisher, DCTERMS.type, PUBLISHER_TYPE))
    contact = URIRef(base + reverse("opendata:index") + "#kontakt")
    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, VCARD.fn, Literal(settings.PORTAL_OPERATOR, lang=LANG)))
    email = getattr(settings, "PORTAL_CONTACT_EMAIL", "")
    if email:
        graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{email}")))
    graph.add((contact, VCARD.hasURL, URIRef(base + reverse("impressum"))))
    graph.add((STATE, RDF.type, DCTERMS.Location))

    graph.add((catalog, RDF.type, DCAT.Catalog))
    _text(graph, catalog, DCTERMS.title, f"{settings.PORTAL_NAME}: Offene Daten")
    _text(
        graph,
        catalog,
        DCTERMS.description,
        "Die Daten des Digitalisierungsportals des IT-Verbunds Schleswig-Holstein: Register der öffentlichen "
        "Stellen, OZG-Katalog, Umsetzungsstand der Onlinedienste (aktuell und als Monatsstände), "
        "Kooperationsvereinbarungen und Finanzierung.",
    )
    graph.add((catalog, DCTERMS.publisher, publisher))
    graph.add((catalog, FOAF.homepage, URIRef(base + reverse("opendata:index"))))
    graph.add((catalog, DCTERMS.language, LANGUAGE))
    graph.add((catalog, DCTERMS.license, URIRef(LICENCE_URI)))

    today = timezone.localdate()
    newest = None
    with_demo = selectors.datasets_with_demo_rows()
    for dataset in CURRENT_DATASETS:
        state_of, _rows, _count = selectors.READERS[dataset.slug]
        state = state_of()
        newest = max(newest or state.modified, state.modified)
        node, page = _dataset(
            graph,
            catalog,
            base,
            dataset,
            publisher=publisher,
            contact=contact,
            modified=state.modified,
            start=START,
            end=today,
            demo=dataset.slug in with_demo,
        )
        for fmt in ("csv", "json"):
            url = base + reverse("opendata:download", kwargs={"slug": dataset.slug, "fmt": fmt})
            _distribution(
                graph,
                node,
                node=URIRef(url),
                title=f"{dataset.title} ({fmt.upper()})",
                access_url=page,
                download_url=url,
                fmt=fmt,
                modified=state.modified,
                attribution=dataset.attribution,
                licence=dataset.licence,
            )

    months = services.published_snapshots()
    if months:
        written = max(month[fmt].modified for month in months for fmt in services.FORMATS)
        newest = max(newest or written, written)
        node, page = _dataset(
            graph,
            catalog,
            base,
            OZG_SNAPSHOTS,
            publisher=publisher,
            contact=contact,
            modified=written,
            start=months[-1]["date"],
            end=months[0]["date"],
            demo=OZG_SNAPSHOTS.slug in with_demo,
        )
        for month in months:
            for fmt in services.FORMATS:
                file = month[fmt]
                url = base + reverse("opendata:snapshot", kwargs={"day": month["date"].isoformat(), "fmt": fmt})
                _distribution(
                    graph,
                    node,
                    node=URIRef(url),
                    title=f"Monatsstand {month['date']:%d.%m.%Y} ({fmt.upper()})",
                    access_url=page,
                    download_url=url,
                    fmt=fmt,
                    modified=file.modified,
                    attribution=OZG_SNAPSHOTS.attribution,
                    licence=OZG_SNAPSHOTS.licence,
                    size=file.size,
                )
    graph.add((catalog, DCTERMS.modified, _datetime(newest or timezone.now())))
    return graph


def serialize(graph: Graph, fmt: str) -> bytes:
    if fmt == "ttl":
        return graph.serialize(format="turtle", encoding="utf-8")
    context = {
        "dcat": str(DCAT),
        "dct": str(DCTERMS),
        "dcatde": str(DCATDE),
        "foaf": str(FOAF),
        "vcard": str(VCARD),
        "xsd": str(XSD),
    }
    return graph.serialize(format="json-ld", context=context, indent=2, encoding="utf-8")
