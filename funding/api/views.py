"""Funding API: public reads; drawdown writes and transitions for staff with the funding permissions.

Errors: 400 with field messages for invalid input (ValidationError from a serializer or a service), 403
without the permission, 409 with the German message when the workflow refuses the change in the current
state (invariant, four eyes, transition not allowed): {"detail": "...", "code": "exceeds_available"}."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from common.viewsets import ReadOnlyPortalViewSet

from .. import selectors, services
from ..filters import BudgetLineFilter, DrawdownFilter
from ..models import BudgetLine
from . import serializers


class BudgetLineViewSet(ReadOnlyPortalViewSet):
    """Budget lines with planned, approved, paid and remaining amounts."""

    serializer_class = serializers.BudgetLineSerializer
    filterset_class = BudgetLineFilter
    ordering_fields = ["fiscal_year", "planned_amount", "title", "id"]

    def get_queryset(self):
        return selectors.budget_lines()


class InKindViewSet(ReadOnlyPortalViewSet):
    """In-kind contributions (seconded staff, other help)."""

    serializer_class = serializers.InKindSerializer
    ordering_fields = ["title", "id"]

    def get_queryset(self):
        return selectors.in_kind_contributions().order_by("title", "pk")


# The body is the shared `Error` of the schema (common.api): {"detail": "...", "code": "..."}.
CONFLICT = OpenApiResponse(
    description="Der Arbeitsablauf lässt den Schritt im aktuellen Stand nicht zu "
    "(Vier-Augen-Prinzip, Betrag über dem verfügbaren, Übergang nicht erlaubt)."
)


STEP_RESPONSES = {200: serializers.DrawdownStaffSerializer, 409: CONFLICT}


def _conflict(error: services.FundingConflict) -> Response:
    return Response(
        {"detail": " ".join(error.messages), "code": error.code or "conflict"}, status=status.HTTP_409_CONFLICT
    )


class DrawdownViewSet(mixins.CreateModelMixin, ReadOnlyPortalViewSet):
    """Mittelabrufe. Reading is public without personal data; staff with `funding.view_drawdown` see who
    requested, reviewed and approved, and the transitions. POST creates a request (`funding.add_drawdown`);
    POST …/{id}/review|approve|pay|reject|withdraw/ runs a workflow step."""

    filterset_class = DrawdownFilter
    ordering_fields = ["requested_on", "amount", "id"]
    write_rules = {
        "create": services.DRAWDOWN_REQUEST,
        "review": services.DRAWDOWN_REVIEW,
        "approve": services.DRAWDOWN_APPROVE,
        "pay": services.DRAWDOWN_PAY,
        "reject": services.DRAWDOWN_REJECT,
        "withdraw": services.DRAWDOWN_WITHDRAW,
    }

    def _is_staff_reader(self) -> bool:
        user = self.request.user
        return bool(user and user.is_authenticated and user.has_perm("funding.view_drawdown"))

    def get_queryset(self):
        if self._is_staff_reader():
            return selectors.drawdowns_for_staff()
        return selectors.drawdowns()

    def get_serializer_class(self):
        if self.action == "create":
            return serializers.DrawdownCreateSerializer
        if self.action in ("reject", "withdraw", "review", "approve"):
            return serializers.ReasonSerializer
        if self.action == "pay":
            return serializers.PaySerializer
        return serializers.DrawdownStaffSerializer if self._is_staff_reader() else serializers.DrawdownPublicSerializer

    def _answer(self, drawdown, code=status.HTTP_200_OK):
        drawdown = self.get_queryset().get(pk=drawdown.pk)
        serializer_class = (
            serializers.DrawdownStaffSerializer if self._is_staff_reader() else serializers.DrawdownPublicSerializer
        )
        return Response(serializer_class(drawdown, context=self.get_serializer_context()).data, status=code)

    @extend_schema(responses={201: serializers.DrawdownStaffSerializer, 409: CONFLICT})
    def create(self, request, *args, **kwargs):
        serializer = serializers.DrawdownCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            drawdown = services.drawdown_request(
                line=data["line"],
                amount=data["amount"],
                purpose_text=data["purpose_text"],
                by=request.user,
                requested_on=data.get("requested_on"),
            )
        except services.FundingConflict as error:
            return _conflict(error)
        return self._answer(drawdown, status.HTTP_201_CREATED)

    def _transition(self, request, name, **extra):
        drawdown = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        kwargs = dict(serializer.validated_data) | extra
        try:
            drawdown = services.TRANSITIONS[name](drawdown=drawdown, by=request.user, **kwargs)
        except services.FundingConflict as error:
            return _conflict(error)
        return self._answer(drawdown)

    @extend_schema(request=serializers.ReasonSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        return self._transition(request, "review")

    @extend_schema(request=serializers.ReasonSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._transition(request, "approve")

    @extend_schema(request=serializers.PaySerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        return self._transition(request, "pay")

    @extend_schema(request=serializers.ReasonSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._transition(request, "reject")

    @extend_schema(request=serializers.ReasonSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._transition(request, "withdraw")


class SummaryView(APIView):
    """Planned, approved, paid and remaining in total and by year, source, purpose and agreement (Decimal
    strings with two places). Filters: those of the budget lines (`BudgetLineFilter`, as the page /finanzierung/):
    year (YYYY or "ohne"), source, purpose (incl. its topics), agreement, status, approximate."""

    @extend_schema(
        parameters=[
            OpenApiParameter("year", str, description="Haushaltsjahr (YYYY) oder „ohne“"),
            OpenApiParameter("source", str, description="Kennung des Mittelgebers"),
            OpenApiParameter("purpose", str, description="Kennung des Zwecks (mit Unterthemen)"),
            OpenApiParameter("agreement", str, description="Kennung der Vereinbarung"),
            OpenApiParameter("status", str, enum=BudgetLine.Status.values, description="Status der Position"),
            OpenApiParameter("approximate", bool, description="nur Positionen mit ungefährem Betrag (oder ohne)"),
        ],
        responses={200: dict},
    )
    def get(self, request):
        filterset = BudgetLineFilter(request.query_params, queryset=selectors.budget_lines())
        if not filterset.is_valid():
            errors = filterset.errors.get_json_data()
            raise ValidationError({field: [error["message"] for error in items] for field, items in errors.items()})
        summary = selectors.funding_summary(filterset.qs)
        return Response(summary.as_dict())
