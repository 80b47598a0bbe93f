"""`python manage.py load_founding_agreements`: the five founding agreements (six records) with their parties,
signatories, topics, obligations, measures and sources. Idempotent: what exists (matched by slug and natural
keys) is left as it is, so corrections made by staff survive a re-run. Needs the register."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from common.authorization import system_actor
from cooperations import services
from cooperations.founding import FOUNDING_AGREEMENTS
from cooperations.models import Agreement, Measure, Topic, Wahlperiode
from organisations.models import Organisation

AGREEMENT_FIELDS = (
    "kind",
    "title",
    "summary",
    "status",
    "announced_on",
    "signed_on",
    "signed_date_unknown",
    "effective_from",
    "effective_from_precision",
    "term_kind",
    "duration_years",
    "unknowns_note",
)


def _keys(spec) -> set:
    keys = {party[0] for party in spec["parties"]}
    keys |= {signatory[2] for signatory in spec["signatories"]}
    keys |= {measure[1] for measure in spec["measures"] if measure[1]}
    return keys


class Command(BaseCommand):
    help = "Lädt die fünf Gründungsvereinbarungen (sechs Datensätze) mit Quellen. Idempotent; braucht das Register."

    def handle(self, *args, **options):
        keys = set().union(*(_keys(spec) for spec in FOUNDING_AGREEMENTS))
        bodies, missing = {}, []
        for field, value in sorted(keys):
            body = Organisation.objects.filter(**{field: value}).first()
            if body is None:
                missing.append(f"{field.upper()} {value}")
            bodies[(field, value)] = body
        if missing:
            raise CommandError(
                "Das Register ist nicht (vollständig) importiert; es fehlen: "
                + ", ".join(missing)
                + ". Bitte zuerst `python manage.py import_register` ausführen. Nichts geändert."
            )
        topics = {topic.slug: topic for topic in Topic.objects.all()}
        self.by = system_actor()
        try:
            with transaction.atomic():
                created = self._load(bodies, topics)
                expired = services.agreements_expire(today=timezone.localdate(), by=self.by)
        except (ValidationError, KeyError) as error:
            raise CommandError(f"Gründungsvereinbarungen nicht geladen, nichts geändert: {error}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Gründungsvereinbarungen: {created} neu angelegt, {len(FOUNDING_AGREEMENTS) - created} vorhanden, "
                f"{expired} als ausgelaufen markiert."
            )
        )

    def _load(self, bodies, topics) -> int:
        created = 0
        for spec in FOUNDING_AGREEMENTS:
            agreement = Agreement.objects.filter(slug=spec["slug"]).first()
            if agreement is None:
                fields = {name: spec[name] for name in AGREEMENT_FIELDS if name in spec}
                if "wahlperiode" in spec:
                    fields["wahlperiode"] = Wahlperiode.objects.get(number=spec["wahlperiode"])
                if "predecessor" in spec:
                    fields["predecessor"] = Agreement.objects.get(slug=spec["predecessor"])
                agreement = services.agreement_create(
                    by=self.by,
                    slug=spec["slug"],
                    parties=[(bodies[key], role, note) for key, role, note in spec["parties"]],
                    signatories=[(name, function, bodies[key]) for name, function, key in spec["signatories"]],
                    topics=[topics[slug] for slug in spec["topics"]],
                    **fields,
                )
                created += 1
                self.stdout.write(f"  angelegt: {agreement.slug}")
            self._load_parts(agreement, spec, bodies)
        return created

    def _load_parts(self, agreement, spec, bodies) -> None:
        for key, title, description in spec["obligations"]:
            if not agreement.obligations.filter(title=title).exists():
                services.obligation_create(
                    by=self.by, agreement=agreement, obligor=bodies[key], title=title, description=description
                )
        for position, (title, lead_key) in enumerate(spec["measures"]):
            if not agreement.measures.filter(title=title).exists():
                services.measure_create(
                    by=self.by,
                    agreement=agreement,
                    title=title,
                    lead=bodies[lead_key] if lead_key else None,
                    status=Measure.Status.GEPLANT,
                    progress=None,
                    position=position,
                )
        for source in spec["sources"]:
            if not agreement.sources.filter(title=source["title"], publisher=source["publisher"]).exists():
                services.source_create(agreement=agreement, by=self.by, **source)
