"""`manage.py validate_dcat`: renders the DCAT-AP.de catalogue and validates it with pyshacl against the DCAT-AP.de
3.0 shapes (data/dcat-ap-de/). Prints the results grouped by severity; exits 1 on any sh:Violation."""

import sys
from collections import Counter

from django.core.management.base import BaseCommand
from rdflib import Graph

from opendata import catalog
from opendata.validation import SHAPES_FILE, validate


class Command(BaseCommand):
    help = "Prüft den DCAT-AP.de-Katalog der offenen Daten gegen die SHACL-Shapes von DCAT-AP.de 3.0."

    def add_arguments(self, parser):
        parser.add_argument("--file", help="eine Katalogdatei (Turtle) prüfen statt den aktuellen Katalog zu erzeugen")
        parser.add_argument("--verbose-results", action="store_true", help="jedes Ergebnis einzeln ausgeben")

    def handle(self, *args, **options):
        data = Graph().parse(options["file"], format="turtle") if options["file"] else catalog.build_graph()
        report = validate(data)
        self.stdout.write(f"DCAT-AP.de 3.0 ({SHAPES_FILE.name}): {len(data)} Tripel geprüft.")
        for severity in ("Violation", "Warning", "Info", "Other"):
            items = report.results.get(severity, [])
            self.stdout.write(f"{severity}: {len(items)}")
            grouped = Counter((item["message"], item["path"]) for item in items)
            for (message, path), count in sorted(grouped.items()):
                self.stdout.write(f"  {count:4d} × {message} [{path}]")
                if options["verbose_results"]:
                    for item in items:
                        if (item["message"], item["path"]) == (message, path):
                            self.stdout.write(f"         {item['focus']} {item['value']}")
        violations = len(report.results.get("Violation", []))
        if violations:
            self.stderr.write(f"{violations} Verstöße (sh:Violation): der Katalog ist nicht DCAT-AP.de-konform.")
            sys.exit(1)
        self.stdout.write("Keine Verstöße (sh:Violation).")
