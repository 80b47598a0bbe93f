"""`python manage.py load_founding_agreements`: the agreements the five founding documents name (seven records)
with their parties, signatories, topics, obligations, measures and sources
(`cooperations.founding.founding_agreements_load`). Idempotent; needs the register."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from common.authorization import system_actor
from common.services import MissingPrerequisite
from cooperations.founding import founding_agreements_load


class Command(BaseCommand):
    help = (
        "Lädt die Vereinbarungen der fünf Gründungsdokumente (sieben Datensätze) mit Quellen. Idempotent; "
        "braucht das Register."
    )

    def handle(self, *args, **options):
        try:
            result = founding_agreements_load(by=system_actor())
        except MissingPrerequisite as error:
            raise CommandError(error.messages[0]) from error
        except (ValidationError, KeyError) as error:
            raise CommandError(f"Gründungsvereinbarungen nicht geladen, nichts geändert: {error}") from error
        for slug in result.created:
            self.stdout.write(f"  angelegt: {slug}")
        for adjusted in result.adjusted:
            self.stdout.write(f"  an die Quellen angepasst: {adjusted}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Gründungsvereinbarungen: {len(result.created)} neu angelegt, {result.present} vorhanden, "
                f"{result.expired} als ausgelaufen markiert."
            )
        )
