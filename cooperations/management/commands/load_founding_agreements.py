"""`python manage.py load_founding_agreements`: the agreements the five founding documents name (seven
records) with their parties, signatories, topics, obligations, measures and sources. Idempotent: what exists
(matched by slug, a former slug, and natural keys) is brought to the documents' facts only while nobody has
changed it since loading (its history holds only loader writes), so corrections made by staff survive a
re-run and corrections of the founding facts reach untouched records. Needs the register."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from common.authorization import system_actor
from cooperations import services
from cooperations.founding import FOUNDING_AGREEMENTS
from cooperations.models import Agreement, Measure, Obligation, Topic, Wahlperiode
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
    "derived",
)


def _keys(spec) -> set:
    keys = {party[0] for party in spec["parties"]}
    keys |= {signatory[2] for signatory in spec["signatories"]}
    keys |= {measure[1] for measure in spec["measures"] if measure[1]}
    return keys


class Command(BaseCommand):
    help = (
        "Lädt die Vereinbarungen der fünf Gründungsdokumente (sieben Datensätze) mit Quellen. Idempotent; "
        "braucht das Register."
    )

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

    def _untouched(self, record) -> bool:
        """Nobody but the loader (the system actor, or no user in a command) has written the record."""
        return not record.history.exclude(history_user__isnull=True).exclude(history_user=self.by).exists()

    def _update_untouched(self, agreement, spec, fields) -> None:
        if not self._untouched(agreement):
            return
        changes = {"slug": spec["slug"]} if agreement.slug != spec["slug"] else {}
        for name in AGREEMENT_FIELDS:
            wanted = fields.get(name, Agreement._meta.get_field(name).get_default())
            if name == "status" and agreement.status == Agreement.Status.AUSGELAUFEN and wanted == "in_kraft":
                continue  # expired by the daily rule since loading: stays so
            if name == "derived" and "status" in (agreement.derived or {}) and "status" not in wanted:
                wanted = {**wanted, "status": agreement.derived["status"]}
            if getattr(agreement, name) != wanted:
                changes[name] = wanted
        if changes:
            services.agreement_update(agreement=agreement, by=self.by, **changes)
            self.stdout.write(f"  an die Quellen angepasst: {agreement.slug} ({', '.join(sorted(changes))})")

    def _load(self, bodies, topics) -> int:
        created = 0
        for spec in FOUNDING_AGREEMENTS:
            slugs = [spec["slug"], *spec.get("former_slugs", [])]
            agreement = next((found for slug in slugs if (found := Agreement.objects.filter(slug=slug).first())), None)
            fields = {name: spec[name] for name in AGREEMENT_FIELDS if name in spec}
            if "wahlperiode" in spec:
                fields["wahlperiode"] = Wahlperiode.objects.get(number=spec["wahlperiode"])
            if "predecessor" in spec:
                fields["predecessor"] = Agreement.objects.get(slug=spec["predecessor"])
            if agreement is not None:
                self._update_untouched(agreement, spec, fields)
            else:
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
        # No source reports progress: founding obligations and measures are "Stand nicht erfasst".
        for key, title, description in spec["obligations"]:
            existing = agreement.obligations.filter(title=title, obligor=bodies[key]).first()
            if existing is None:
                services.obligation_create(
                    by=self.by,
                    agreement=agreement,
                    obligor=bodies[key],
                    title=title,
                    description=description,
                    status=Obligation.Status.NICHT_ERFASST,
                )
            elif self._untouched(existing) and (existing.description, existing.status) != (
                description,
                Obligation.Status.NICHT_ERFASST,
            ):
                existing.description, existing.status = description, Obligation.Status.NICHT_ERFASST
                services.obligation_save(obligation=existing, by=self.by)
        for position, (title, lead_key) in enumerate(spec["measures"]):
            existing = agreement.measures.filter(title=title).first()
            if existing is None:
                services.measure_create(
                    by=self.by,
                    agreement=agreement,
                    title=title,
                    lead=bodies[lead_key] if lead_key else None,
                    status=Measure.Status.NICHT_ERFASST,
                    progress=None,
                    position=position,
                )
            elif self._untouched(existing) and existing.status != Measure.Status.NICHT_ERFASST:
                existing.status = Measure.Status.NICHT_ERFASST
                services.measure_save(measure=existing, by=self.by)
        for source in spec["sources"]:
            if not agreement.sources.filter(title=source["title"], publisher=source["publisher"]).exists():
                services.source_create(agreement=agreement, by=self.by, **source)
