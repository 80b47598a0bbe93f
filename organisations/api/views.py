"""Read-only API of the register: /api/v1/organisations/ and /api/v1/organisations/{ars or slug}/."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.filters import OrderingFilter

from common.messages import message

from ..filters import OrganisationFilter
from ..models import Organisation
from ..selectors import body_detail, organisation_list
from .serializers import OrganisationSerializer


class StrictOrderingFilter(OrderingFilter):
    """Like DRF's, but an unknown field is a 400 instead of being ignored."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            allowed = {name for name, _label in self.get_valid_fields(queryset, view, {"request": request})}
            wrong = [term for term in (t.strip() for t in params.split(",")) if term.lstrip("-") not in allowed]
            if wrong:
                raise APIValidationError(
                    {
                        self.ordering_param: [
                            message("organisations.unknown_ordering", term=wrong[0], allowed=", ".join(sorted(allowed)))
                        ]
                    }
                )
        return super().get_ordering(request, queryset, view)


KEY_PARAMETER = OpenApiParameter(
    "ars",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="12-stelliger Regionalschlüssel (z. B. 010585890008) oder die Kennung einer nicht-territorialen "
    "Stelle (z. B. itvsh). Ein fehlerhafter Schlüssel ergibt 400, ein unbekannter 404.",
)


ORDERING_PARAMETER = OpenApiParameter(
    "ordering",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=["name", "-name", "ars", "-ars", "population", "-population"],
    description="Sortierung; ein Minus sortiert absteigend. Ohne Angabe: nach ARS, bei `search` nach Treffergüte. "
    "Ein unbekanntes Feld ergibt 400.",
)


@extend_schema_view(
    list=extend_schema(
        parameters=[ORDERING_PARAMETER],
        summary="Öffentliche Stellen Schleswig-Holsteins",
        description="Land, Kreise, kreisfreie Städte, Ämter, Gemeinden und nicht-territoriale Stellen, "
        "gefiltert und seitenweise. Ungültige Filterwerte ergeben 400 mit Feldmeldungen.",
    ),
    retrieve=extend_schema(
        summary="Eine Stelle nach ARS oder Kennung",
        parameters=[KEY_PARAMETER],
        responses={
            200: OrganisationSerializer,
            400: OpenApiResponse(description="Fehlerhafter Schlüssel (weder ARS noch Kennung)"),
        },
    ),
)
class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    ordering_fields = ["name", "ars", "population"]
    lookup_field = "ars"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return organisation_list().order_by("ars", "slug")

    def get_object(self):
        key = self.kwargs[self.lookup_field]
        try:
            obj = body_detail(key)
        except ValidationError as error:
            raise APIValidationError({"ars": error.messages}) from error
        except Organisation.DoesNotExist:
            raise Http404(message("organisations.unknown_key", key=key)) from None
        self.check_object_permissions(self.request, obj)
        return obj
