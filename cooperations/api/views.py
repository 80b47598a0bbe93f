"""Viewsets of the cooperations API: public reads; writes through the services, for the group Redaktion (the
services' rules, asked by the project's permission policy before the body is read)."""

from rest_framework import mixins, status
from rest_framework.response import Response

from common.viewsets import PortalViewSet

from .. import selectors, services
from ..filters import AgreementFilterSet, MeasureFilterSet
from ..models import Agreement, Measure
from . import serializers


class AgreementViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    PortalViewSet,
):
    """Agreements. Filters: `party_ars`, `party_ars_prefix` (a Kreis or Amt key finds what lies below it),
    `kind`, `status`, `topic` (slug), `in_force_on` (YYYY-MM-DD), `party` (ARS or slug)."""

    lookup_field = "slug"
    write_rules = {"create": services.AGREEMENT.add, "partial_update": services.AGREEMENT.change}
    filterset_class = AgreementFilterSet
    ordering_fields = ["title", "term_start", "term_end", "status"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.agreement_detail_queryset()
        return selectors.agreement_list().select_related("wahlperiode").order_by("-term_start", "title", "pk")

    def get_serializer_class(self):
        if self.action in ("create", "partial_update", "update"):
            return serializers.AgreementWriteSerializer
        if self.action == "retrieve":
            return serializers.AgreementDetailSerializer
        return serializers.AgreementListSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        parties = [(p["organisation"], p["role"], p.get("role_note", "")) for p in data.pop("parties", [])]
        topics = data.pop("topics", [])
        agreement = services.agreement_create(parties=parties, topics=topics, by=request.user, **data)
        body = serializers.AgreementDetailSerializer(selectors.agreement_detail(slug=agreement.slug)).data
        return Response(body, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        agreement = Agreement.objects.get(pk=self.get_object().pk)
        serializer = self.get_serializer(agreement, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("parties", None)
        topics = data.pop("topics", None)
        services.agreement_update(agreement=agreement, topics=topics, by=request.user, **data)
        body = serializers.AgreementDetailSerializer(selectors.agreement_detail(slug=agreement.slug)).data
        return Response(body)


class MeasureViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    PortalViewSet,
):
    """Measures of agreements. Filters: `agreement` (slug), `status`, `lead_ars`, `follow_up`."""

    write_rules = {"create": services.MEASURE.add, "partial_update": services.MEASURE.change}
    serializer_class = serializers.MeasureSerializer
    filterset_class = MeasureFilterSet
    ordering_fields = ["start_on", "end_on", "progress", "title"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.measure_list().order_by("agreement__title", "position", "pk")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        participants = data.pop("participants", [])
        serializer.instance = services.measure_create(participants=participants, by=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        participants = data.pop("participants", None)
        measure = Measure.objects.get(pk=serializer.instance.pk)
        serializer.instance = services.measure_update(
            measure=measure, participants=participants, by=self.request.user, **data
        )
