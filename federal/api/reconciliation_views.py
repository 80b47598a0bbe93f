"""REST endpoints of the federal app for staff: the reconciliation (read: Monitoring and staff), its two writes (adopt,
explain) and the import of a federal file (a thin door to the parser). Paths under /api/v1/ozg/ beside the other
OZG endpoints (federal/README.md)."""

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import parsers, serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import Pagination
from common.csvfiles import SPREADSHEET, csv_response
from common.messages import lazy_message, message
from common.params import POSITIVE_INTEGER, parse_int
from common.parsers import JSONParser
from itvsh_portal.permissions import NOT_SIGNED_IN, PortalPolicy
from organisations import keys
from ozg_monitoring.services import BulkUpsertError

from ..filters import ReconciliationFilter, reconciliation_filters
from ..reconciliation import Classification, Reason, counts_data, counts_of, filter_rows, reconciliation, row_data
from ..services import (
    FEDERAL_ADOPT,
    FEDERAL_SYNC,
    IMPORT_MAX_BYTES,
    PAIRS_LIMIT,
    RECONCILIATION_EXPLAIN,
    RECONCILIATION_READ,
    FederalSyncError,
    PairErrors,
    federal_adopt,
    federal_import,
    reconciliation_explain,
)


class ReadRule(BasePermission):
    """Reading needs the view's `read_rule` (after the portal's policy, which lets every read through)."""

    message = NOT_SIGNED_IN

    def has_permission(self, request, view):
        user = request.user
        if user is None or not user.is_authenticated or not user.is_active:
            self.message = NOT_SIGNED_IN
            return False
        reason = view.read_rule.denial(user)
        if reason is not None:
            self.message, self.code = reason, "permission_denied"
            return False
        return True


class ReconciliationPagination(Pagination):
    page_size = 100


CSV_HEADER = [
    "ars",
    "verwaltung",
    "kreis",
    "ozg_id",
    "leistung",
    "themenfeld",
    "einordnung",
    "gruende",
    "erklaert",
    "erklaerung",
    "unser_stand",
    "unsere_adresse",
    "reifegrad",
    "bund_status",
    "bund_online",
    "bund_adresse",
    "bund_eintraege",
]


def _csv_row(data: dict) -> list:
    return [
        data["ars"],
        data["verwaltung"],
        data["kreis"],
        "" if data["ozg_id"] is None else data["ozg_id"],
        data["leistung"],
        data["themenfeld"],
        data["classification_label"],
        "; ".join(data["reason_labels"]),
        "ja" if data["explained"] else "nein",
        data["note"],
        data["stage_label"],
        data["url"],
        "" if data["maturity_level"] is None else data["maturity_level"],
        data["federal_state"] or "",
        {True: "ja", False: "nein", None: ""}[data["federal_online"]],
        data["federal_url"],
        data["federal_records"],
    ]


ROW_FIELDS = {
    "ars": serializers.CharField(),
    "verwaltung": serializers.CharField(),
    "ozg_id": serializers.IntegerField(allow_null=True),
    "leistung": serializers.CharField(),
    "themenfeld": serializers.CharField(),
    "kreis": serializers.CharField(),
    "kreis_name": serializers.CharField(),
    "classification": serializers.ChoiceField(choices=Classification.choices),
    "classification_label": serializers.CharField(),
    "reasons": serializers.ListField(child=serializers.ChoiceField(choices=Reason.choices)),
    "reason_labels": serializers.ListField(child=serializers.CharField()),
    "explained": serializers.BooleanField(),
    "note": serializers.CharField(),
    "stage": serializers.CharField(allow_null=True),
    "stage_label": serializers.CharField(),
    "url": serializers.CharField(),
    "maturity_level": serializers.IntegerField(allow_null=True),
    "federal_state": serializers.CharField(allow_null=True),
    "federal_online": serializers.BooleanField(allow_null=True),
    "federal_url": serializers.CharField(),
    "federal_urls": serializers.ListField(child=serializers.CharField()),
    "federal_records": serializers.IntegerField(),
}
PAGE_SCHEMA = inline_serializer(
    "ReconciliationPage",
    {
        "record_set": inline_serializer(
            "ReconciliationRecordSet",
            {"id": serializers.IntegerField(), "as_of": serializers.DateTimeField(), "source": serializers.CharField()},
            allow_null=True,
        ),
        "counts": serializers.DictField(help_text="total, classifications, reasons, explained, kreise, themenfelder"),
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": inline_serializer("ReconciliationRow", ROW_FIELDS, many=True),
    },
)


class ReconciliationView(APIView):
    """The reconciliation of our statuses with the newest completed record set of the federal dashboard, per
    (Verwaltung, OZG-Leistung): classification, reasons, both sides. Monitoring and staff (rule "Abgleich mit dem
    Bundes-Dashboard lesen"). Filters `ars`, `ars_prefix`, `ozg_id`, `classification`, `reason`, `kreis`,
    `themenfeld`, `explained`; `counts` per classification, reason, Kreis and Themenfeld of the filtered rows;
    `export=csv` for all of them as a CSV (semicolon, for spreadsheets). Before the first sync: `record_set` null,
    no rows."""

    permission_classes = [*PortalPolicy.default(), ReadRule]
    read_rule = RECONCILIATION_READ
    pagination_class = ReconciliationPagination

    @extend_schema(
        parameters=[
            OpenApiParameter("ars", str),
            OpenApiParameter("ars_prefix", str),
            OpenApiParameter("ozg_id", int),
            OpenApiParameter("classification", str, enum=Classification.values),
            OpenApiParameter("reason", str, enum=Reason.values),
            OpenApiParameter("kreis", str, description="Kreisschlüssel, 5 Ziffern"),
            OpenApiParameter("themenfeld", int, description="Nummer des Themenfelds im Katalog"),
            OpenApiParameter("explained", bool),
            OpenApiParameter("export", str, enum=["csv"]),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses={
            (200, "application/json"): PAGE_SCHEMA,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="mit export=csv: alle gefilterten Zeilen"),
            403: None,  # not Monitoring or staff
        },
    )
    def get(self, request):
        filters = ReconciliationFilter.checked(request.query_params)
        if not filters.is_valid():
            return Response(filters.errors, status=status.HTTP_400_BAD_REQUEST)
        export = request.query_params.get("export")
        if export not in (None, "csv"):
            return Response({"export": [message("ozg.choices", values="csv")]}, status=400)
        result = reconciliation()
        rows = filter_rows(result, **reconciliation_filters(filters)) if result is not None else []
        if export == "csv":
            return csv_response(
                "abgleich-bundes-dashboard.csv",
                CSV_HEADER,
                (_csv_row(row_data(result, row)) for row in rows),
                dialect=SPREADSHEET,
            )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        response = paginator.get_paginated_response([row_data(result, row) for row in page])
        response.data = {
            "record_set": None
            if result is None
            else {"id": result.record_set_id, "as_of": result.as_of, "source": result.source},
            "counts": counts_data(result, counts_of(rows)) if result is not None else None,
            **response.data,
        }
        return response


def _pairs(items) -> tuple[list, list]:
    """(pairs, errors) of the posted items [{"ars", "ozg_id"}]."""
    pairs, errors = [], []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            errors.append({"index": index, "errors": {"non_field_errors": [message("object_expected")]}})
            continue
        found = {}
        try:
            ars = item.get("ars")
            if not isinstance(ars, str):
                raise ValidationError(message("text_expected"))
            keys.validate_ars(ars)
        except ValidationError as error:
            found["ars"] = [error.messages[0]]
        try:
            ozg_id = parse_int(item.get("ozg_id"), bounds=POSITIVE_INTEGER)
        except ValidationError as error:
            found["ozg_id"] = [error.messages[0]]
        if found:
            errors.append({"index": index, "errors": found})
        else:
            pairs.append((ars, ozg_id))
    return pairs, errors


def _items_or_error(request):
    items = request.data.get("items") if isinstance(request.data, dict) else None
    if not isinstance(items, list):
        return None, Response({"items": [message("list_expected")]}, status=400)
    if len(items) > PAIRS_LIMIT:
        return None, Response({"items": [message("ozg.bulk_limit", n=PAIRS_LIMIT)]}, status=400)
    pairs, errors = _pairs(items)
    if errors:
        return None, Response({"detail": message("federal.pairs_invalid", n=len(errors)), "errors": errors}, status=400)
    return pairs, None


PAIRS_REQUEST = inline_serializer(
    "ReconciliationPairs",
    {
        "items": inline_serializer(
            "ReconciliationPair", {"ars": serializers.CharField(), "ozg_id": serializers.IntegerField()}, many=True
        )
    },
)


class ReconciliationAdoptView(APIView):
    """Adopts the Bund's view of the pairs `items` [{"ars", "ozg_id"}] into our statuses (all or nothing): where the
    Bund says online and we differ, stage "online verfügbar" with the Bund's address; the Reifegrad is never set
    (a pair without a Reifegrad of 2 or more is skipped: `reifegrad_fehlt`). Source "Bundes-Dashboard", with history
    and audit. Kommune accounts only for their Verwaltungen."""

    parser_classes = [JSONParser]
    write_rules = {"post": FEDERAL_ADOPT}

    @extend_schema(
        request=PAIRS_REQUEST,
        responses={
            200: inline_serializer(
                "AdoptionResult",
                {
                    "adopted": serializers.IntegerField(),
                    "created": serializers.IntegerField(),
                    "updated": serializers.IntegerField(),
                    "unchanged": serializers.IntegerField(),
                    "skipped": serializers.DictField(child=serializers.IntegerField()),
                    "record_set": serializers.IntegerField(),
                },
            ),
            400: None,
            403: None,
            409: OpenApiResponse(description=lazy_message("ozg.concurrent_change")),
        },
    )
    def post(self, request):
        pairs, error = _items_or_error(request)
        if error is not None:
            return error
        try:
            result = federal_adopt(by=request.user, pairs=pairs)
        except PairErrors as errors:
            return Response({"detail": errors.messages[0], "errors": errors.items}, status=400)
        except BulkUpsertError as failure:
            code = 403 if failure.forbidden else 409 if failure.conflict else 400
            return Response({"detail": str(failure), "errors": failure.errors}, status=code)
        return Response(
            {
                "adopted": result.adopted,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "skipped": result.skipped,
                "record_set": result.record_set_id,
            }
        )


class ReconciliationExplainView(APIView):
    """Marks the differences of the pairs `items` as explained with `note` (Monitoring)."""

    parser_classes = [JSONParser]
    write_rules = {"post": RECONCILIATION_EXPLAIN}

    @extend_schema(
        request=inline_serializer(
            "ReconciliationExplanation",
            {
                "items": inline_serializer(
                    "ReconciliationExplainedPair",
                    {"ars": serializers.CharField(), "ozg_id": serializers.IntegerField()},
                    many=True,
                ),
                "note": serializers.CharField(),
            },
        ),
        responses={
            200: inline_serializer(
                "ExplanationResult",
                {
                    "created": serializers.IntegerField(),
                    "updated": serializers.IntegerField(),
                    "skipped": serializers.IntegerField(),
                },
            ),
            400: None,
            403: None,
        },
    )
    def post(self, request):
        pairs, error = _items_or_error(request)
        if error is not None:
            return error
        note = request.data.get("note")
        if not isinstance(note, str) or not note.strip():
            return Response({"note": [message("federal.note_required")]}, status=400)
        try:
            result = reconciliation_explain(by=request.user, pairs=pairs, note=note)
        except PairErrors as errors:
            return Response({"detail": errors.messages[0], "errors": errors.items}, status=400)
        return Response({"created": result.created, "updated": result.updated, "skipped": result.skipped})


class FederalFileParser(parsers.BaseParser):
    """For the schema and content negotiation only: the view reads the raw body and the federal parser detects
    the format from the content."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):  # pragma: no cover - never asked for data
        return stream.read()


class FederalImportView(APIView):
    """A federal dashboard file (JSON page object or list, CSV with `,` or `;`, XLSX) as a record set of kind
    "Datei", through the parser and record rule of `sync_federal_dashboard` (rule "Bundes-Dashboard abrufen"). It
    never changes a status: the answer reports the counts, and adoption is the explicit second step
    (`POST ozg/reconciliation/adopt/`)."""

    parser_classes = [FederalFileParser]
    write_rules = {"post": FEDERAL_SYNC}

    @extend_schema(
        request={
            "application/json": OpenApiTypes.OBJECT,
            "text/csv": OpenApiTypes.STR,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": OpenApiTypes.BINARY,
        },
        responses={
            201: inline_serializer(
                "FederalImportResult",
                {
                    "record_set": serializers.IntegerField(),
                    "received": serializers.IntegerField(),
                    "kept": serializers.IntegerField(),
                    "kept_unresolved": serializers.IntegerField(),
                    "skipped": serializers.IntegerField(),
                    "report": serializers.DictField(),
                },
            ),
            400: None,
            403: None,
        },
    )
    def post(self, request):
        content = request._request.body
        if not content.strip():
            return Response({"content": [message("federal.file_empty")]}, status=400)
        if len(content) > IMPORT_MAX_BYTES:
            return Response({"content": [message("federal.file_too_large", mb=IMPORT_MAX_BYTES // 2**20)]}, status=400)
        try:
            record_set = federal_import(by=request.user, content=content, name="API-Upload")
        except FederalSyncError as error:
            return Response({"content": [message("federal.file_unusable", reason=error.message)]}, status=400)
        report = record_set.report
        return Response(
            {
                "record_set": record_set.pk,
                "received": record_set.received,
                "kept": record_set.kept,
                "kept_unresolved": record_set.kept_unresolved,
                "skipped": record_set.skipped,
                "report": {
                    "skipped": report.get("skipped", {}),
                    "kept_unresolved": report.get("kept_unresolved", {}),
                    "notes": report.get("notes", {}),
                },
            },
            status=status.HTTP_201_CREATED,
        )
