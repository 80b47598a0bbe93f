"""Read-only API of the register: /api/v1/organisations/ and /api/v1/organisations/{ars or slug}/."""

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.exceptions import ValidationError as APIValidationError

from common.messages import message
from common.viewsets import ReadOnlyPortalViewSet

from ..filters import OrganisationFilter
from ..models import Organisation
from ..selectors import body_detail, organisation_list
from .serializers import OrganisationSerializer

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
class OrganisationViewSet(ReadOnlyPortalViewSet):
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
    ordering_fields = ["name", "ars", "population"]
    lookup_field = "ars"

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
