"""`manage.py publish_ozg_snapshots [--date YYYY-MM-01 ...]`: publishes the monthly snapshot files of the OZG
rollout status (open data). Without --date: every month start since the first recorded status change up to
today (backfill), so it can run after `load_ozg_demo` and again at any time: published months are left as they
are (logged), missing ones are written."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from opendata.services import snapshot_backfill_dates, snapshot_folder, snapshots_publish


class Command(BaseCommand):
    help = "Veröffentlicht die Monatsstände des OZG-Umsetzungsstands als CSV und JSON (nie überschrieben)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            action="append",
            default=[],
            metavar="JJJJ-MM-01",
            help="nur diesen Monatsersten (mehrfach möglich); ohne: alle seit der ersten Änderung",
        )
        parser.add_argument(
            "--months",
            type=int,
            default=None,
            metavar="N",
            help="ohne --date: nur die letzten N Monatsersten (bis heute)",
        )

    def handle(self, *args, **options):
        try:
            dates = [datetime.date.fromisoformat(value) for value in options["date"]]
            if not dates:
                dates = snapshot_backfill_dates()
                if options["months"] is not None:
                    dates = dates[-options["months"] :] if options["months"] > 0 else []
            result = snapshots_publish(dates=dates)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Monatsstände in {snapshot_folder()}: {len(result.written)} Dateien geschrieben, "
            f"{len(result.refused)} bereits veröffentlicht und unverändert gelassen ({len(dates)} Monate geprüft)."
        )
