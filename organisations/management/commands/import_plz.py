"""`python manage.py import_plz [--path DIR]`: every Postleitzahl of every Gemeinde (data/gebiete/sh_plz.csv,
© OpenStreetMap-Mitwirkende, ODbL) for the place search (`organisations.postcodes.postcodes_import`)."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from common.authorization import system_actor
from organisations.postcodes import postcodes_import


class Command(BaseCommand):
    help = (
        "Lädt alle Postleitzahlen aller Gemeinden (sh_plz.csv, © OpenStreetMap-Mitwirkende, ODbL) für die Ortssuche. "
        "Idempotent und transaktional; braucht das Register."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--path", type=Path, default=None, help="Datei oder Verzeichnis (Standard: DATA_DIR/gebiete)."
        )

    def handle(self, *args, path=None, **options):
        path = path or Path(settings.DATA_DIR) / "gebiete"
        try:
            result = postcodes_import(path=path, by=system_actor())
        except ValidationError as error:
            raise CommandError("Postleitzahlen nicht geladen, nichts geändert: " + " ".join(error.messages)) from None
        self.stdout.write(
            f"Postleitzahlen: {result.added} neu, {result.removed} entfernt, {result.unchanged} unverändert "
            f"({result.gemeinden} Gemeinden)."
        )
