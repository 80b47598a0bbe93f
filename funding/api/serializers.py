from rest_framework import serializers

from ..models import BudgetLine, Drawdown, DrawdownTransition, FundingSource, InKindContribution, Purpose


class FundingSourceSerializer(serializers.ModelSerializer):
    body = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = FundingSource
        fields = ["slug", "name", "kind", "body"]


class PurposeSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Purpose
        fields = ["slug", "name", "parent"]


class BudgetLineSerializer(serializers.ModelSerializer):
    source = FundingSourceSerializer(read_only=True)
    purpose = PurposeSerializer(read_only=True)
    recipient = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    agreement = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    approved_amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="null, wenn für die Position keine Zahlungen erfasst werden (payments_recorded false).",
    )
    paid_amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="null, wenn für die Position keine Zahlungen erfasst werden (payments_recorded false).",
    )
    remaining_amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="null, wenn für die Position keine Zahlungen erfasst werden (payments_recorded false).",
    )

    class Meta:
        model = BudgetLine
        fields = [
            "id",
            "key",
            "title",
            "source",
            "recipient",
            "agreement",
            "fiscal_year",
            "year_is_stated",
            "period_note",
            "purpose",
            "planned_amount",
            "amount_is_approximate",
            "amount_wording",
            "status",
            "payments_recorded",
            "approved_amount",
            "paid_amount",
            "remaining_amount",
            "note",
            "source_citation",
            "source_url",
            "source_kind",
            "source_at",
        ]


class DrawdownPublicSerializer(serializers.ModelSerializer):
    """What everyone may read: no names of the people who requested, reviewed or approved."""

    line = serializers.PrimaryKeyRelatedField(read_only=True)
    line_title = serializers.CharField(source="line.title", read_only=True)
    fiscal_year = serializers.IntegerField(source="line.fiscal_year", read_only=True, allow_null=True)

    class Meta:
        model = Drawdown
        fields = [
            "id",
            "line",
            "line_title",
            "fiscal_year",
            "amount",
            "purpose_text",
            "status",
            "requested_on",
            "paid_on",
            "closing_reason",
        ]


class DrawdownTransitionSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.get_username", read_only=True)

    class Meta:
        model = DrawdownTransition
        fields = ["from_status", "to_status", "actor", "at", "reason"]


class DrawdownStaffSerializer(DrawdownPublicSerializer):
    """For finance staff (permission funding.view_drawdown): with people, payment reference and transitions."""

    requested_by = serializers.CharField(source="requested_by.get_username", read_only=True)
    reviewed_by = serializers.CharField(
        source="reviewed_by.get_username", read_only=True, default=None, allow_null=True
    )
    approved_by = serializers.CharField(
        source="approved_by.get_username", read_only=True, default=None, allow_null=True
    )
    transitions = DrawdownTransitionSerializer(many=True, read_only=True)

    class Meta(DrawdownPublicSerializer.Meta):
        fields = [
            *DrawdownPublicSerializer.Meta.fields,
            "requested_by",
            "reviewed_by",
            "reviewed_at",
            "approved_by",
            "approved_at",
            "payment_reference",
            "transitions",
        ]


class DrawdownCreateSerializer(serializers.Serializer):
    line = serializers.PrimaryKeyRelatedField(queryset=BudgetLine.objects.all())
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    purpose_text = serializers.CharField()
    requested_on = serializers.DateField(required=False)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class PaySerializer(serializers.Serializer):
    paid_on = serializers.DateField()
    payment_reference = serializers.CharField(max_length=120)


class InKindSerializer(serializers.ModelSerializer):
    from_body = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    recipient = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    agreement = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = InKindContribution
        fields = [
            "id",
            "kind",
            "title",
            "from_body",
            "recipient",
            "agreement",
            "people_count",
            "fte",
            "period_start",
            "period_end",
            "period_note",
            "monetary_value",
            "wording",
            "note",
            "source_citation",
        ]
