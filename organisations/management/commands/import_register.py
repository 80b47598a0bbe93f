"""`python manage.py import_register [--path DIR]`: the register from the Destatis-derived CSVs."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from common.authorization import system_actor
from organisations.destatis import RegisterImportError, register_import


class Command(BaseCommand):
    help = (
        "Importiert das Register (Land, Kreise, Ämter, Gemeinden) aus sh_kreise.csv, sh_gemeindeverbaende.csv "
        "und sh_gemeinden.csv und legt die Stellen der Gründungsdokumente an. Idempotent und transaktional."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--path",
            type=Path,
            default=None,
            help="Verzeichnis mit den CSV-Dateien (Standard: DATA_DIR/gebiete).",
        )

    def handle(self, *args, path=None, **options):
        path = path or Path(settings.DATA_DIR) / "gebiete"
        try:
            register_import(path=path, stdout=self.stdout, by=system_actor())
        except RegisterImportError as error:
            raise CommandError(f"Import abgebrochen, nichts geändert. {error}") from error
