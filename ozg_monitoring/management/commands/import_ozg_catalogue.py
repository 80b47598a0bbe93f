"""`manage.py import_ozg_catalogue [--dir data/ozg]`: the OZG catalogue, idempotent, in one transaction."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from common.authorization import system_actor
from ozg_monitoring.catalogue import catalogue_import


class Command(BaseCommand):
    help = "Importiert den OZG-Umsetzungskatalog (Themenfelder, Lebenslagen, OZG- und LeiKa-Leistungen)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(Path(settings.DATA_DIR) / "ozg"), help="Ordner mit den CSV-Dateien")
        parser.add_argument("--details", action="store_true", help="Zeilen ohne LeiKa-Schlüssel/OZG-ID einzeln nennen")

    def handle(self, *args, **options):
        try:
            result = catalogue_import(directory=Path(options["dir"]), by=system_actor())
        except ValidationError as error:
            raise CommandError("; ".join(error.messages) + " – nichts geändert.") from None
        self.stdout.write(
            f"OZG-Katalog: {result.themenfelder} Themenfelder, {result.lebenslagen} Lebens-/Geschäftslagen, "
            f"{result.leistungen} OZG-Leistungen, {result.leika} LeiKa-Leistungen "
            f"(neu: {sum(result.created.values())}, geändert: {sum(result.updated.values())}, "
            f"entfernt: {result.deleted})."
        )
        self.stdout.write(
            f"Gemeldet und behalten: {len(result.without_key)} Zeilen „nicht im LeiKa“ (ohne Schlüssel), "
            f"{len(result.without_ozg)} LeiKa-Leistungen ohne OZG-ID."
        )
        levels = ", ".join(f"{level}: {count}" for level, count in sorted(result.levels.items()))
        self.stdout.write(f"Vollzugsebenen: {levels}.")
        if options["details"]:
            for line, name in result.without_key:
                self.stdout.write(f"  ohne LeiKa-Schlüssel: Zeile {line}: {name}")
            for line, name in result.without_ozg:
                self.stdout.write(f"  ohne OZG-ID: Zeile {line}: {name}")
