"""Serializers of the cooperations API. Reads are nested; writes go through the services."""

from rest_framework import serializers

from organisations.models import Organisation

from ..models import (
    Agreement,
    AgreementParty,
    Amendment,
    Measure,
    Milestone,
    Obligation,
    Signatory,
    Source,
    Topic,
)
from ..selectors import weighted_progress


class BodySerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "slug", "ars", "name", "kind"]


class PartySerializer(serializers.ModelSerializer):
    organisation = BodySerializer(read_only=True)

    class Meta:
        model = AgreementParty
        fields = ["organisation", "role", "role_note"]


class SignatorySerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Signatory
        fields = ["name", "function", "organisation"]


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["title", "due_on", "reached_on"]


class MeasureSerializer(serializers.ModelSerializer):
    agreement = serializers.SlugRelatedField(slug_field="slug", queryset=Agreement.objects.all())
    lead = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all(), allow_null=True, required=False)
    participants = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all(), many=True, required=False)
    milestones = MilestoneSerializer(many=True, read_only=True)

    class Meta:
        model = Measure
        fields = [
            "id",
            "agreement",
            "title",
            "description",
            "lead",
            "participants",
            "start_on",
            "end_on",
            "status",
            "progress",
            "weight",
            "is_follow_up",
            "position",
            "milestones",
        ]
        # Model validation (incl. constraints) runs in the service, with German messages.
        validators = []


class ObligationSerializer(serializers.ModelSerializer):
    obligor = BodySerializer(read_only=True)

    class Meta:
        model = Obligation
        fields = ["id", "obligor", "title", "description", "due_on", "status", "evidence"]


class SourceSerializer(serializers.ModelSerializer):
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = Source
        fields = ["id", "kind", "title", "publisher", "published_on", "url", "file_url", "note"]

    def get_file_url(self, source) -> str | None:
        return source.get_absolute_url() if source.file else None


class AmendmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Amendment
        fields = ["title", "dated_on", "effective_from", "text"]


class AgreementListSerializer(serializers.ModelSerializer):
    parties = PartySerializer(many=True, read_only=True)
    topics = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)
    derived = serializers.SerializerMethodField(
        help_text="Werte, die keine Quelle ausdrücklich nennt, sondern abgeleitet sind: je Feld die Begründung "
        "(gespeicherte Ableitungen und die aus den Laufzeitregeln berechneten Felder term_start, term_end)."
    )

    class Meta:
        model = Agreement
        fields = [
            "slug",
            "kind",
            "title",
            "status",
            "derived",
            "signed_on",
            "signed_on_precision",
            "signed_date_unknown",
            "effective_from",
            "effective_from_precision",
            "term_kind",
            "term_start",
            "term_end",
            "topics",
            "parties",
            "url",
            "source_kind",
            "source_at",
        ]

    def get_derived(self, agreement) -> dict[str, str]:
        return agreement.derivations()


class AgreementDetailSerializer(AgreementListSerializer):
    signatories = SignatorySerializer(many=True, read_only=True)
    measures = MeasureSerializer(many=True, read_only=True)
    obligations = ObligationSerializer(many=True, read_only=True)
    sources = SourceSerializer(many=True, read_only=True)
    amendments = AmendmentSerializer(many=True, read_only=True)
    predecessor = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    successor = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    wahlperiode = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)

    class Meta(AgreementListSerializer.Meta):
        fields = [
            *AgreementListSerializer.Meta.fields,
            "reference",
            "summary",
            "announced_on",
            "end_on",
            "duration_years",
            "wahlperiode",
            "unknowns_note",
            "predecessor",
            "successor",
            "signatories",
            "obligations",
            "measures",
            "sources",
            "amendments",
            "progress",
        ]

    def get_successor(self, agreement) -> str | None:
        successor = getattr(agreement, "successor", None)
        return successor.slug if successor else None

    def get_progress(self, agreement) -> float | None:
        value = weighted_progress(agreement.measures.all())["value"]
        return float(value) if value is not None else None


class PartyWriteSerializer(serializers.Serializer):
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    role = serializers.ChoiceField(choices=AgreementParty.Role.choices)
    role_note = serializers.CharField(required=False, allow_blank=True, default="")


class AgreementWriteSerializer(serializers.ModelSerializer):
    """Create/update of an agreement by staff. `parties` only on create (later changes: admin)."""

    topics = serializers.SlugRelatedField(slug_field="slug", queryset=Topic.objects.all(), many=True, required=False)
    parties = PartyWriteSerializer(many=True, required=False, write_only=True)
    wahlperiode = serializers.SlugRelatedField(
        slug_field="number",
        queryset=Agreement._meta.get_field("wahlperiode").related_model.objects.all(),
        allow_null=True,
        required=False,
    )
    predecessor = serializers.SlugRelatedField(
        slug_field="slug", queryset=Agreement.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Agreement
        fields = [
            "slug",
            "kind",
            "title",
            "reference",
            "summary",
            "status",
            "announced_on",
            "signed_on",
            "signed_on_precision",
            "signed_date_unknown",
            "effective_from",
            "effective_from_precision",
            "term_kind",
            "end_on",
            "duration_years",
            "wahlperiode",
            "predecessor",
            "unknowns_note",
            "derived",
            "topics",
            "parties",
        ]
        validators = []
