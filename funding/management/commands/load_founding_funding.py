"""python manage.py load_founding_funding: the money and in-kind figures of the founding documents
(`funding.founding.founding_funding_load`).

Idempotent (a second run reports 0 created, 0 changed) and transactional. Needs the register
(`import_register`) and the founding agreements (`load_founding_agreements`); fails naming what is missing.
"""

from django.core.management.base import BaseCommand, CommandError

from common.authorization import system_actor
from common.services import MissingPrerequisite
from funding.founding import founding_funding_load


class Command(BaseCommand):
    help = "Lädt die Finanzierungszusagen der Gründungsdokumente (idempotent)."

    def handle(self, *args, **options):
        try:
            result = founding_funding_load(by=system_actor())
        except MissingPrerequisite as error:
            raise CommandError(error.messages[0]) from error
        template = "{created} angelegt, {changed} geändert, {unchanged} unverändert"
        self.stdout.write(
            f"Finanzierung: Haushaltspositionen {template.format(**result.lines)}; "
            f"Sachleistungen {template.format(**result.in_kind)}."
        )
