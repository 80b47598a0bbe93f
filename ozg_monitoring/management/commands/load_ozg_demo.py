"""`manage.py load_ozg_demo [--seed N] [--remove]`: deterministic demo statuses with 24 months of history."""

import time

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management.base import BaseCommand, CommandError

from common.authorization import system_actor
from ozg_monitoring.demo import DEFAULT_SEED, demo_load, demo_remove


class Command(BaseCommand):
    help = (
        "Lädt Beispiel-Umsetzungsstände (bei den zuständigen Verwaltungen, 24 Monate Verlauf); "
        "nie bei DEMO_CONTENT_ENABLED=false."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument("--months", type=int, default=24)
        parser.add_argument("--remove", action="store_true", help="Beispieldaten entfernen statt laden")

    def handle(self, *args, **options):
        if options["remove"]:
            removal = demo_remove(by=system_actor())
            for line in removal.lines():
                self.stdout.write(line)
            return
        started = time.monotonic()
        try:
            result = demo_load(seed=options["seed"], months=options["months"], by=system_actor())
        except (ImproperlyConfigured, ValidationError) as error:
            message = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            raise CommandError(message) from None
        self.stdout.write(
            f"Beispieldaten geladen: {result.statuses} Umsetzungsstände, {result.events} Änderungen, "
            f"{result.snapshots} Monatsstände, nur bei den zuständigen Verwaltungen belegter Leistungen "
            f"({time.monotonic() - started:.1f} s)."
        )
