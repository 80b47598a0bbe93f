"""`python manage.py import_websites [--file PATH]`: the sourced websites of the register's bodies."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from common.authorization import system_actor
from organisations.destatis import RegisterImportError
from organisations.websites import WEBSITES_FILE, websites_import


class Command(BaseCommand):
    help = (
        "Setzt die belegten Websites der Kreise, Ämter und Gemeinden aus websites.csv, wo das Feld leer ist oder "
        "der Wert von diesem Import stammt; Werte der Redaktion bleiben. Prüft erst alle Zeilen. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file",
            type=Path,
            default=None,
            help="CSV-Datei (Standard: DATA_DIR/gebiete/websites.csv).",
        )

    def handle(self, *args, file=None, **options):
        path = file or Path(settings.DATA_DIR) / "gebiete" / WEBSITES_FILE
        try:
            websites_import(path=path, stdout=self.stdout, by=system_actor())
        except RegisterImportError as error:
            raise CommandError(f"Import abgebrochen, nichts geändert. {error}") from error
