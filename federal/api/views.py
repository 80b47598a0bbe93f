"""Our mirror of the federal Dashboard Digitale Verwaltung's API (data/ozg/digitale-verwaltung-api.openapi.yaml):
`/api/v1/bund/v1/data/`, `/api/v1/bund/v1/data/{ars}/` and `/api/v1/bund/v1/ars/`, public reads. What each field
means and the rules where the spec is silent: federal/export.py and federal/README.md."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from common.cached_reads import Budget
from common.csvfiles import csv_file_response
from common.messages import message
from organisations import keys
from organisations import selectors as register
from ozg_monitoring.selectors import READS

from .. import export
from .serializers import PageArsDtoSerializer, PageDvDataDtoSerializer

ORDER = OpenApiParameter(
    "order",
    str,
    enum=list(export.ORDERS),
    default="asc",
    description="Sortierung nach ars, dann ozgid, dann leika_key (bei /v1/ars nach ars): aufsteigend oder absteigend.",
)
PAGE = OpenApiParameter("page", int, default=0, description="Seite der Ergebnismenge, ab 0.")


def _size(maximum: int, extra: str = "") -> OpenApiParameter:
    return OpenApiParameter(
        "size",
        int,
        default=export.DEFAULT_SIZE,
        description=f"Einträge je Seite, 1 bis {maximum:,}".replace(",", ".")
        + f"{extra}; mehr ist ein Fehler 400, der das Höchstmaß nennt.",
    )


FLAG_HELP = {
    "includeAbove": "mit den Datensätzen der Verwaltungen darüber (Land; Kreis; Amt einer amtsangehörigen Gemeinde)",
    "includeBelow": "mit den Datensätzen der Verwaltungen darunter (alles mit dem Schlüsselpräfix des Landes, "
    "Kreises oder Amts)",
}


#: New pages of `/v1/data` kept per hour (older ones are answered from the database until a slot is free).
DATA_PAGES = Budget("bund-data-pages", limit=500, window=3600)


def _page_request(query, *, max_size: int = export.MAX_SIZE) -> export.PageRequest:
    return export.parse_page_request(query, max_size=max_size)


class FederalDataView(APIView):
    """`/v1/data`: every record of ours in the federal format (DvDataDto), as page objects (PageDvDataDto)."""

    @extend_schema(
        operation_id="bund_data_list",
        summary="Alle Datensätze im Format des Bundes-Dashboards (/v1/data)",
        parameters=[ORDER, PAGE, _size(export.MAX_SIZE)],
        responses={200: PageDvDataDtoSerializer},
        tags=["bund"],
    )
    def get(self, request):
        page = _page_request(request.query_params)  # a wrong parameter is a 400 before anything is looked up
        plain_json = request.accepted_media_type == JSONRenderer.media_type
        if type(request.accepted_renderer) is not JSONRenderer or not plain_json:
            return Response(export.data_page(page))  # the browsable API: rendered every time
        # The same for every client and without links: kept rendered, keyed by the parsed page request alone (so
        # other parameters create no entries), until the next committed write to the OZG reads.
        content = READS.cached(
            f"bund-data-json:{page.page}:{page.size}:{page.order}",
            lambda: JSONRenderer().render(export.data_page(page), JSONRenderer.media_type),
            timeout=3600,
            budget=DATA_PAGES,
        )
        return HttpResponse(content, content_type=JSONRenderer.media_type)


class LenientNegotiation(DefaultContentNegotiation):
    """`/v1/data/{ars}` answers files whatever the client accepts: DRF's renderers only matter for the JSON
    answer, so an Accept header without JSON (text/csv) falls back to the first renderer instead of a 406."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            return renderers[0], renderers[0].media_type


def wants_json(request) -> bool:
    """JSON page objects for `/v1/data/{ars}`: `filetype=json`, or no `filetype` and an Accept header that names
    application/json (a browser's `*/*` does not)."""
    filetype = request.query_params.get("filetype", "")
    if filetype:
        return filetype == "json"
    return "application/json" in request.headers.get("Accept", "")


class FederalDataByArsView(APIView):
    """`/v1/data/{ars}`: the records of one Gebietskörperschaft, with those above and below as asked; CSV by
    default (the spec), XLSX, or JSON page objects (our choice where the spec has no answer schema)."""

    content_negotiation_class = LenientNegotiation

    @extend_schema(
        operation_id="bund_data_by_ars",
        summary="Datensätze einer Gebietskörperschaft im Format des Bundes-Dashboards (/v1/data/{ars})",
        parameters=[
            OpenApiParameter(
                "ars",
                str,
                OpenApiParameter.PATH,
                pattern=keys.DB_ARS_REGEX,
                description="12-stelliger Regionalschlüssel einer Gebietskörperschaft in Schleswig-Holstein "
                "(Land, Kreis, Amt, Gemeinde).",
            ),
            OpenApiParameter(
                "filetype",
                str,
                enum=[*export.FILETYPES, "json"],
                default="csv",
                description="csv (Vorgabe) oder xlsx wie die Spezifikation; json: Seitenobjekt wie /v1/data (ebenso "
                "ohne filetype mit Accept: application/json).",
            ),
            ORDER,
            PAGE,
            _size(export.MAX_FILE_SIZE, f" (JSON: bis {export.MAX_SIZE:,})".replace(",", ".")),
            *(
                OpenApiParameter(name, str, enum=list(export.FLAGS), default="true", description=text)
                for name, text in FLAG_HELP.items()
            ),
        ],
        responses={
            (200, "application/json"): PageDvDataDtoSerializer,
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="CSV (Komma, LF, UTF-8): Kopfzeile mit den Feldnamen, eine Zeile je Datensatz.",
            ),
            (200, export.XLSX_TYPE): OpenApiResponse(
                OpenApiTypes.BINARY, description="XLSX: Blatt „Daten“, Feldnamen in der ersten Zeile."
            ),
        },
        tags=["bund"],
    )
    def get(self, request, ars):
        query = request.query_params
        errors = {}
        as_json = wants_json(request)
        if query.get("filetype", "") not in ("", "json", *export.FILETYPES):
            errors["filetype"] = [message("ozg.choices", values="csv, xlsx, json")]
        flags, page = {}, None
        for name in ("includeAbove", "includeBelow"):
            try:
                flags[name] = export.parse_flag(query, name)
            except ValidationError as error:
                errors.update(error.message_dict)
        try:
            page = _page_request(query, max_size=export.MAX_SIZE if as_json else export.MAX_FILE_SIZE)
        except ValidationError as error:
            errors.update(error.message_dict)
        if not keys.is_ars(ars):
            errors["ars"] = [message("organisations.ars_format")]
        if errors:
            return Response(errors, status=400)
        body = next(iter(register.bodies_by_keys([ars])), None)
        if body is None:
            raise Http404(message("organisations.unknown_key", key=ars))
        condition = export.scope_filter(body, include_above=flags["includeAbove"], include_below=flags["includeBelow"])
        if as_json:
            return Response(export.data_page(page, condition))
        records = export.data_records(page, condition)
        filetype = query.get("filetype") or "csv"
        name = f"ozg-leistungen-{ars}-seite-{page.page}.{filetype}"
        if filetype == "xlsx":
            response = HttpResponse(export.records_to_xlsx(records), content_type=export.XLSX_TYPE)
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        return csv_file_response(name, export.records_to_csv(records), dialect=None)


class FederalArsView(APIView):
    """`/v1/ars`: the Gebietskörperschaften of the register (ArsDto) as page objects (PageArsDto)."""

    @extend_schema(
        operation_id="bund_ars_list",
        summary="Gebietskörperschaften (/v1/ars)",
        parameters=[ORDER, PAGE, _size(export.MAX_SIZE)],
        responses={200: PageArsDtoSerializer},
        tags=["bund"],
    )
    def get(self, request):
        return Response(export.ars_page(_page_request(request.query_params)))
