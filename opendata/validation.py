"""Validation of the catalogue against the DCAT-AP.de 3.0 SHACL shapes in data/dcat-ap-de/ (pyshacl).

The vocabularies the shapes import go in as extra data graphs, merged into the catalogue (not with -e / ont_graph,
which hangs; see data/dcat-ap-de/README.md), together with opendata/vocabularies.ttl, which states for exactly the
controlled concepts the catalogue uses the scheme they belong to (the EU and DCAT-AP.de vocabularies themselves
are not in the repository)."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from rdflib import Graph
from rdflib.namespace import RDF, SH

SHAPES_DIR = Path(settings.DATA_DIR) / "dcat-ap-de"
SHAPES_FILE = SHAPES_DIR / "dcat-ap-de-3.0-shapes.ttl"
LOCAL_VOCABULARIES = Path(__file__).resolve().parent / "vocabularies.ttl"
SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


def vocabulary_files() -> list[Path]:
    imports = SHAPES_DIR / "imports"
    return sorted([*imports.glob("*.rdf"), *imports.glob("*.ttl")]) + [LOCAL_VOCABULARIES]


@dataclass
class ValidationReport:
    conforms: bool
    results: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))

    @property
    def counts(self) -> Counter:
        return Counter({severity: len(items) for severity, items in self.results.items()})


def validate(data: Graph) -> ValidationReport:
    from pyshacl import validate as shacl_validate

    merged = Graph()
    for triple in data:
        merged.add(triple)
    for path in vocabulary_files():
        merged.parse(path, format="xml" if path.suffix == ".rdf" else "turtle")
    shapes = Graph().parse(SHAPES_FILE, format="turtle")
    conforms, report_graph, _text = shacl_validate(
        merged, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
    report = ValidationReport(conforms=bool(conforms))
    for result in report_graph.subjects(RDF.type, SH.ValidationResult):
        severity = SEVERITIES.get(report_graph.value(result, SH.resultSeverity), "Other")
        report.results[severity].append(
            {
                "focus": str(report_graph.value(result, SH.focusNode)),
                "path": str(report_graph.value(result, SH.resultPath) or ""),
                "value": str(report_graph.value(result, SH.value) or ""),
                "message": " / ".join(str(message) for message in report_graph.objects(result, SH.resultMessage)),
                "shape": str(report_graph.value(result, SH.sourceShape) or ""),
            }
        )
    return report
