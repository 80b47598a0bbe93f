"""`manage.py import_zustaendigkeit [--dir data/ozg]`: the sourced Zuständigkeit, idempotent, in one transaction."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from common.authorization import system_actor
from ozg_monitoring.zustaendigkeit_import import load


class Command(BaseCommand):
    help = "Importiert die belegten Zuständigkeiten (Standardebenen, Ausnahmen, Prüfung der LeiKa-Ebenen)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(Path(settings.DATA_DIR) / "ozg"), help="Ordner mit den CSV-Dateien")

    def handle(self, *args, **options):
        try:
            result = load(by=system_actor(), directory=Path(options["dir"]))
        except ValidationError as error:
            raise CommandError("; ".join(error.messages) + " – nichts geändert.") from None
        for kind, label in (("defaults", "Standardzeilen"), ("exceptions", "Ausnahmen")):
            self.stdout.write(
                f"{label}: neu {result.created[kind]}, geändert {result.updated[kind]}, "
                f"unverändert {result.unchanged[kind]}, entfernt {result.deleted[kind]}."
            )
        check = result.check
        self.stdout.write(
            f"Vollzugsebenen: {result.levels_sourced} OZG-Leistungen aus Quelle belegt, {result.levels_from_leika} "
            f"aus ihren belegten LeiKa-Leistungen abgeleitet, {len(result.levels_mixed)} mit LeiKa-Leistungen auf "
            f"verschiedenen Ebenen; Prüfung der LeiKa-Ebenen: "
            f"{check['bestätigt']} bestätigt, {check['korrigiert']} korrigiert, {check['nicht belegt']} nicht belegt "
            f"(jetzt „noch nicht zugeordnet“)."
        )
        if result.manual_kept:
            ids = ", ".join(str(ozg_id) for ozg_id in sorted(set(result.manual_kept)))
            self.stdout.write(f"Von der Redaktion festgelegte Ebenen behalten: {ids}.")
        if result.kept:
            self.stdout.write(f"Von Hand geänderte Zeilen behalten ({len(result.kept)}):")
            for line in result.kept:
                self.stdout.write(f"  {line}")
