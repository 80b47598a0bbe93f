import json

import pytest
from django.urls import reverse
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

from opendata import catalog, services
from opendata.validation import validate

from .conftest import month_start

pytestmark = pytest.mark.django_db
DCATDE = "http://dcat-ap.de/def/dcatde/"


@pytest.fixture
def published(portal_data, opendata_root):
    services.snapshots_publish(dates=[month_start(1), month_start(0)])
    return portal_data


def fetch_graph(client, fmt):
    response = client.get(reverse("opendata:catalog", kwargs={"fmt": fmt}))
    assert response.status_code == 200
    return response, Graph().parse(data=response.content, format="turtle" if fmt == "ttl" else "json-ld")


def test_catalogue_parses_in_both_formats_with_the_same_triples(client, published):
    ttl_response, ttl = fetch_graph(client, "ttl")
    jsonld_response, jsonld = fetch_graph(client, "jsonld")
    assert ttl_response["Content-Type"] == "text/turtle; charset=utf-8"
    assert jsonld_response["Content-Type"] == "application/ld+json; charset=utf-8"
    assert json.loads(jsonld_response.content)
    assert len(ttl) == len(jsonld) > 100
    assert ttl.isomorphic(jsonld)


def test_catalogue_describes_every_dataset_and_distribution(client, published, settings):
    settings.PORTAL_CONTACT_EMAIL = "kontakt@itvsh.example"
    _response, graph = fetch_graph(client, "ttl")
    datasets = set(graph.subjects(RDF.type, DCAT.Dataset))
    assert len(datasets) == 7  # six current datasets (Zuständigkeiten among them) and the monthly series
    base = "http://testserver"
    for dataset in datasets:
        assert (
            dataset,
            URIRef(DCATDE + "contributorID"),
            URIRef("http://dcat-ap.de/def/contributors/schleswigHolstein"),
        ) in graph
        assert (
            dataset,
            URIRef(DCATDE + "politicalGeocodingLevelURI"),
            URIRef("http://dcat-ap.de/def/politicalGeocoding/Level/state"),
        ) in graph
        assert (dataset, DCTERMS.spatial, URIRef("http://dcat-ap.de/def/politicalGeocoding/stateKey/01")) in graph
        assert graph.value(dataset, DCTERMS.accrualPeriodicity) is not None
        assert graph.value(graph.value(dataset, DCTERMS.temporal), DCAT.startDate) is not None
        contact = graph.value(dataset, DCAT.contactPoint)
        assert (
            contact,
            URIRef("http://www.w3.org/2006/vcard/ns#hasEmail"),
            URIRef("mailto:kontakt@itvsh.example"),
        ) in graph
    snapshots = URIRef(base + "/opendata/ozg-status-monatsstaende/#datensatz")
    distributions = set(graph.objects(snapshots, DCAT.distribution))
    assert len(distributions) == 4  # two months, CSV and JSON
    csv_file = URIRef(base + f"/opendata/ozg-status/{month_start(1).isoformat()}.csv")
    assert csv_file in distributions
    assert (
        graph.value(csv_file, DCAT.byteSize).toPython() == services.snapshot_path(month_start(1), "csv").stat().st_size
    )
    assert graph.value(csv_file, DCAT.mediaType) == URIRef("https://www.iana.org/assignments/media-types/text/csv")
    assert graph.value(csv_file, DCTERMS.license) == URIRef("http://dcat-ap.de/def/licenses/dl-by-de/2.0")
    register = URIRef(base + "/opendata/register.csv")
    attribution = graph.value(register, URIRef(DCATDE + "licenseAttributionByText"))
    assert isinstance(attribution, Literal) and "Destatis" in str(attribution)
    assert graph.value(register, DCAT.downloadURL) == register
    assert graph.value(register, DCTERMS.rights) is None
    # The OZG catalogue: not relicensed; "other-closed" with the reason in words as a dct:RightsStatement.
    catalogue = URIRef(base + "/opendata/ozg-katalog.csv")
    assert graph.value(catalogue, DCTERMS.license) == URIRef("http://dcat-ap.de/def/licenses/other-closed")
    rights = graph.value(catalogue, DCTERMS.rights)
    assert (rights, RDF.type, DCTERMS.RightsStatement) in graph
    assert "gibt keine Lizenz an" in str(graph.value(rights, URIRef("http://www.w3.org/2000/01/rdf-schema#label")))


def test_catalogue_conditional_get(client, published):
    response = client.get(reverse("opendata:catalog", kwargs={"fmt": "jsonld"}))
    again = client.get(reverse("opendata:catalog", kwargs={"fmt": "jsonld"}), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_catalogue_requested_under_many_host_ports_keeps_one_first_seen_entry(client, published, settings):
    from tests.helpers import cache_entries

    settings.PORTAL_BASE_URL = ""  # absolute addresses from the request
    url = reverse("opendata:catalog", kwargs={"fmt": "jsonld"})
    assert client.get(url, HTTP_HOST="localhost:1").status_code == 200
    before = cache_entries()
    modified = set()
    for port in range(2, 60):
        response = client.get(url, HTTP_HOST=f"localhost:{port}")
        assert f"http://localhost:{port}/" in response.content.decode()
        modified.add(response["Last-Modified"])
    assert cache_entries() == before and len(modified) == 1


def test_catalogue_validates_against_dcat_ap_de_without_violations(published, settings):
    settings.PORTAL_BASE_URL = "https://portal.example.org"
    report = validate(catalog.build_graph())
    counts = report.counts
    print(f"DCAT-AP.de: {counts['Violation']} violations, {counts['Warning']} warnings, {counts['Info']} infos")
    assert counts["Violation"] == 0, report.results["Violation"][:5]
    # The only warnings: dcatde:politicalGeocodingURI is deprecated in 3.0 (kept for harvesters of 2.0), once per
    # dataset.
    assert {item["path"] for item in report.results.get("Warning", [])} <= {DCATDE + "politicalGeocodingURI"}


def test_validation_catches_a_violation(published):
    graph = catalog.build_graph()
    distribution = next(graph.subjects(RDF.type, DCAT.Distribution))
    graph.remove((distribution, DCTERMS.license, None))
    graph.add((distribution, DCTERMS.format, URIRef("http://publications.europa.eu/resource/authority/file-type/XYZ")))
    report = validate(graph)
    messages = " ".join(item["message"] for item in report.results["Violation"])
    assert "MUSS eine dcterms:license haben" in messages
    assert "dcterms:format MUSS folgendes Vokabular benutzen" in messages


def test_validate_dcat_command_exits_0_without_violations(published, capsys):
    from django.core.management import call_command

    call_command("validate_dcat")
    output = capsys.readouterr().out
    assert "Violation: 0" in output and "Keine Verstöße" in output
