"""`manage.py sync_federal_dashboard [--file PATH] [--ars 01…] [--kreise | --alle-seiten]`: the federal records
of Schleswig-Holstein as a new dated record set (federal/README.md). Exit code 1 with a German message when the
server is unreachable, refuses or answers garbage; the set is then marked failed with the reason."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from common.authorization import system_actor
from federal.services import FederalSyncError, federal_sync


class Command(BaseCommand):
    help = (
        "Holt die Datensätze Schleswig-Holsteins vom Bundes-Dashboard Digitale Verwaltung (FEDERAL_DASHBOARD_URL) "
        "oder liest eine heruntergeladene Datei (CSV, XLSX, JSON) und speichert sie als neuen Datensatz."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file",
            dest="files",
            action="append",
            default=[],
            metavar="PATH",
            help="heruntergeladene Datei des Bundes-Dashboards (CSV, XLSX oder JSON) statt eines Abrufs; mehrfach",
        )
        parser.add_argument(
            "--ars",
            action="append",
            default=[],
            metavar="ARS",
            help="nur diesen Regionalschlüssel (12 Ziffern, 01…) und alles darunter abrufen; mehrfach. "
            "Vorgabe: 010000000000 (das Land)",
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--kreise", action="store_true", help="Kreis für Kreis abrufen (Schlüssel aus /v1/ars)")
        mode.add_argument(
            "--alle-seiten",
            dest="all_pages",
            action="store_true",
            help="alle Seiten von /v1/data (ganz Deutschland) lesen und Schleswig-Holstein behalten",
        )
        parser.add_argument("--size", type=int, default=None, help="Seitengröße (Vorgabe FEDERAL_DASHBOARD_PAGE_SIZE)")
        parser.add_argument("--filetype", choices=["csv", "xlsx"], default=None, help="Format für /v1/data/{ars}")

    def handle(self, *args, **options):
        if options["files"] and (options["ars"] or options["kreise"] or options["all_pages"]):
            raise CommandError("--file liest eine Datei; --ars, --kreise und --alle-seiten gelten nur für den Abruf.")
        if options["size"] is not None and not 1 <= options["size"] <= 100_000:
            raise CommandError("--size liegt zwischen 1 und 100000.")
        try:
            record_set = federal_sync(
                by=system_actor(),
                files=options["files"],
                ars=options["ars"],
                kreise=options["kreise"],
                all_pages=options["all_pages"],
                page_size=options["size"],
                filetype=options["filetype"],
                progress=self.stdout.write,
            )
        except FederalSyncError as error:
            raise CommandError(
                f"Abgleich mit dem Bundes-Dashboard fehlgeschlagen (Datensatz {error.record_set.pk}): {error.message}"
            ) from None
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        report = record_set.report
        skipped = ", ".join(f"{reason} {count}" for reason, count in report.get("skipped", {}).items()) or "–"
        unresolved = ", ".join(f"{reason} {count}" for reason, count in report.get("kept_unresolved", {}).items())
        self.stdout.write(
            f"Datensatz {record_set.pk} abgeschlossen: {record_set.received} empfangen, {record_set.kept} gespeichert "
            f"und zugeordnet, {record_set.kept_unresolved} gespeichert ohne Zuordnung ({unresolved or '–'}), "
            f"{record_set.skipped} übersprungen ({skipped})."
        )
