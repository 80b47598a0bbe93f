"""python manage.py load_founding_funding: the money and in-kind figures of the founding documents.

Idempotent (a second run reports 0 created, 0 changed) and transactional. Needs the register
(`import_register`) and the founding agreements (`load_founding_agreements`); fails naming what is missing.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from common.authorization import system_actor
from cooperations.selectors import agreement_by_slug
from funding import founding
from funding.models import FundingSource, Purpose
from funding.services import budget_line_upsert, in_kind_upsert
from organisations.models import LAND_ARS, Organisation


class Command(BaseCommand):
    help = "Lädt die Finanzierungszusagen der Gründungsdokumente (idempotent)."

    def handle(self, *args, **options):
        land = Organisation.objects.filter(ars=LAND_ARS).first()
        recipient = Organisation.objects.filter(slug=founding.RECIPIENT_SLUG).first()
        missing = [
            name
            for name, obj in (("Land (ARS 010000000000)", land), ("ITV.SH (Kennung itvsh)", recipient))
            if obj is None
        ]
        if missing:
            raise CommandError(
                f"Register unvollständig, es fehlt: {', '.join(missing)}. "
                "Zuerst `python manage.py import_register` ausführen."
            )
        agreements = {slug: agreement_by_slug(slug) for slug in (founding.AE_2018, founding.KV_2025)}
        missing = [slug for slug, agreement in agreements.items() if agreement is None]
        if missing:
            raise CommandError(
                f"Gründungsvereinbarungen fehlen: {', '.join(missing)}. "
                "Zuerst `python manage.py load_founding_agreements` ausführen."
            )
        purpose = Purpose.objects.filter(slug=founding.UNSPLIT_PURPOSE).first()
        kommunen = FundingSource.objects.filter(slug="kommunen").first()
        if purpose is None or kommunen is None:
            raise CommandError("Zwecke oder Mittelgeber fehlen: zuerst `python manage.py migrate funding` ausführen.")

        by = system_actor()
        counts = {"created": 0, "changed": 0, "unchanged": 0}
        in_kind_counts = dict.fromkeys(counts, 0)
        with transaction.atomic():
            land_source, _ = FundingSource.objects.get_or_create(
                slug=founding.LAND_SOURCE["slug"],
                defaults={"name": founding.LAND_SOURCE["name"], "kind": founding.LAND_SOURCE["kind"], "body": land},
            )
            sources = {"land": land_source, "kommunen": kommunen}
            for key, agreement_slug, source_slug, fields in founding.budget_lines():
                _line, outcome = budget_line_upsert(
                    by=by,
                    key=key,
                    source=sources[source_slug],
                    recipient=recipient,
                    agreement=agreements[agreement_slug],
                    purpose=purpose,
                    **fields,
                )
                counts[outcome] += 1
            for key, agreement_slug, fields in founding.in_kind():
                _item, outcome = in_kind_upsert(
                    by=by, key=key, from_body=land, recipient=recipient, agreement=agreements[agreement_slug], **fields
                )
                in_kind_counts[outcome] += 1
        template = "{created} angelegt, {changed} geändert, {unchanged} unverändert"
        self.stdout.write(
            f"Finanzierung: Haushaltspositionen {template.format(**counts)}; "
            f"Sachleistungen {template.format(**in_kind_counts)}."
        )
