"""REST endpoints of the OZG monitoring. Reads are public; writes need a token (or a staff session) of a user
who may write statuses (`services.STATUS_WRITE`: groups Monitoring and Kommune) for the Verwaltung concerned."""

import hashlib
from urllib.parse import urlencode

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from common import page_cache
from common.api import Pagination
from common.cached_reads import Budget
from common.messages import lazy_message, message
from common.viewsets import PortalViewSet, ReadOnlyPortalViewSet
from organisations import keys
from organisations import selectors as register

from .. import selectors
from ..filters import EventFilter, LeikaFilter, LeistungFilter, LookupFilter, StatusFilter
from ..models import Lebenslage, LeikaLeistung, OzgLeistung, Themenfeld
from ..responsibility import describe
from ..services import (
    STATUS_WRITE,
    BulkUpsertError,
    StaleVersionError,
    rollout_status_bulk_upsert,
    rollout_status_update,
)
from .serializers import (
    BulkRequestSerializer,
    BulkResultSerializer,
    CoverageSerializer,
    EventSerializer,
    LebenslageSerializer,
    LeikaSerializer,
    LeistungSerializer,
    LookupSerializer,
    StaleSerializer,
    StatusChangeSerializer,
    StatusSerializer,
    ThemenfeldSerializer,
)

#: Counts of filtered lists are keyed by their SQL, i.e. by the visitor's filters: at most this many new ones an hour.
COUNTS = Budget("ozg-api-counts", limit=2000, window=3600)


class VersionCachedCountPaginator(Paginator):
    """COUNT(*) over 100,000 statuses costs more than the page itself; the count of a filtered list is cached
    in `selectors.READS`, replaced with every committed write to the statuses (and everything else READS watches)."""

    @cached_property
    def count(self):
        # A page of `values()` rows is counted on the queryset it was made from (`count_source`): a COUNT(*) of the
        # statuses alone, without the joins that its columns need.
        source = getattr(self.object_list, "count_source", self.object_list)
        try:
            sql = str(source.query)
        except EmptyResultSet:  # a filter no row can match (e.g. a value outside the column's range)
            return 0
        digest = hashlib.sha256(sql.encode()).hexdigest()[:32]
        return selectors.READS.cached(f"count:{digest}", source.count, timeout=3600, budget=COUNTS)


class StatusPagination(Pagination):
    django_paginator_class = VersionCachedCountPaginator


#: Anonymous pages of the status list, keyed by their canonical parameters: at most this many new ones an hour.
LISTS = Budget("ozg-api-status-lists", limit=500, window=3600)
#: Pages larger than this are not cached (an entry of 100 rows is about 50 KB).
CACHED_PAGE_SIZE = 100


class StatusRows:
    """The status list without model instances: `values()` of the columns `StatusSerializer` shows, in its order
    and with its representation (dates and times through the serializer's own fields, everything else as read).
    The columns are derived from the serializer, so the list, the detail and the schema cannot drift apart."""

    def __init__(self, serializer_class):
        fields = serializer_class().fields
        self.columns = [(name, field.source.replace(".", "__")) for name, field in fields.items()]
        self.convert = {
            name: field.to_representation
            for name, field in fields.items()
            if isinstance(field, serializers.DateTimeField | serializers.DateField)
        }

    def queryset(self, queryset):
        rows = queryset.values(*(path for _name, path in self.columns))
        rows.count_source = queryset  # what the paginator counts (VersionCachedCountPaginator)
        return rows

    def represent(self, rows) -> list[dict]:
        convert, columns = self.convert, self.columns
        return [
            {
                name: (convert[name](value) if name in convert and value is not None else value)
                for name, value in ((name, row[path]) for name, path in columns)
            }
            for row in rows
        ]


# --- catalogue ---------------------------------------------------------------------------------------------


class ThemenfeldViewSet(ReadOnlyPortalViewSet):
    queryset = Themenfeld.objects.order_by("catalogue_id")
    serializer_class = ThemenfeldSerializer
    lookup_field = "catalogue_id"
    lookup_url_kwarg = "id"


class LebenslageViewSet(ReadOnlyPortalViewSet):
    queryset = Lebenslage.objects.select_related("themenfeld").order_by("catalogue_id")
    serializer_class = LebenslageSerializer
    lookup_field = "catalogue_id"
    lookup_url_kwarg = "id"


class LeistungViewSet(ReadOnlyPortalViewSet):
    queryset = OzgLeistung.objects.select_related("themenfeld", "lebenslage").order_by("ozg_id")
    serializer_class = LeistungSerializer
    filterset_class = LeistungFilter
    lookup_field = "ozg_id"
    ordering_fields = ["ozg_id", "name"]

    @extend_schema(responses=CoverageSerializer)
    @action(detail=True)
    def coverage(self, request, ozg_id=None):
        leistung = self.get_object()
        return Response(_coverage_row(leistung, selectors.coverage_by_leistung([leistung])[leistung.pk]))

    @extend_schema(responses=EventSerializer(many=True), parameters=[OpenApiParameter("since", OpenApiTypes.DATETIME)])
    @action(detail=True)
    def history(self, request, ozg_id=None):
        leistung = self.get_object()
        events = EventFilter(request.query_params, queryset=selectors.event_list().filter(leistung=leistung))
        if not events.is_valid():
            return Response(events.errors, status=status.HTTP_400_BAD_REQUEST)
        page = self.paginate_queryset(events.qs)
        return self.get_paginated_response(EventSerializer(page, many=True).data)


class LeikaViewSet(ReadOnlyPortalViewSet):
    queryset = LeikaLeistung.objects.select_related("ozg_leistung").order_by("catalogue_row")
    serializer_class = LeikaSerializer
    filterset_class = LeikaFilter
    lookup_field = "key"


# --- status ------------------------------------------------------------------------------------------------


class PreconditionRequired(exceptions.APIException):
    """428: a change of one status must say which version it changes (RFC 6585), so that none is lost."""

    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = lazy_message("precondition_required")
    default_code = "precondition_required"


PRECONDITION_DOC = _lazy(
    "Die Änderung eines Umsetzungsstands nennt die Version, die sie ändert: `version` im Inhalt (veraltet: 409) "
    "oder `If-Match` mit dem ETag aus GET (veraltet: 412; `*` überschreibt bewusst). Ohne beides: 428, nichts "
    "wird geändert."
)


class StatusViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortalViewSet):
    """Current rollout status per (OZG-Leistung, Verwaltung).

    PATCH must carry the version it changes, `version` in the body (409 when stale) or `If-Match: <ETag>` (412 when
    stale; `*` overwrites on purpose); without either it is refused with 428 Precondition Required and changes
    nothing, so that no concurrent change is silently overwritten. The order of the checks: permission (401/403),
    then the body (400), then the precondition (428), then the version (409/412). A PUT would follow the same rule.
    `POST bulk/` for up to 1,000 items, all or nothing; an item may carry `version` (409 when every failure is a
    stale version), an item without it overwrites the current values."""

    queryset = selectors.status_list()
    serializer_class = StatusSerializer
    filterset_class = StatusFilter
    pagination_class = StatusPagination
    ordering_fields = ["updated_at", "maturity_level", "stage"]
    http_method_names = ["get", "patch", "post", "head", "options"]
    write_rules = {"partial_update": STATUS_WRITE, "bulk": STATUS_WRITE}

    def list(self, request, *args, **kwargs):
        # Rows from `values()` (`StatusRows`), no model instances. Anonymous pages of up to 100 rows with canonical
        # parameters are cached in `selectors.READS` (replaced with every committed write to what it watches); a
        # logged-in or token client always reads the database, so a Kommune reading `version` before a PATCH never
        # sees an older one. (A comment, not a docstring: drf-spectacular would make it the operation's description.)
        # A cached page is kept rendered (JSON as DRF renders it), so a hit costs no serialization at all.
        key = None if request.user.is_authenticated else self._list_key(request)
        if key is None:
            return Response(self._list_data())
        content = selectors.READS.cached(key, self._list_json, timeout=3600, budget=LISTS)
        return HttpResponse(content, content_type=JSONRenderer.media_type)

    def _list_json(self) -> bytes:
        return JSONRenderer().render(self._list_data(), JSONRenderer.media_type, {"request": self.request})

    def _list_data(self):
        page = self.paginate_queryset(STATUS_ROWS.queryset(self.filter_queryset(self.get_queryset())))
        return self.get_paginated_response(STATUS_ROWS.represent(page)).data

    def _list_key(self, request) -> str | None:
        """The cache key of an anonymous list page: from the canonical form of the parameters the list understands
        (the page cache's `canonical_query`), the host (the answer's links are absolute) and nothing else. None (not
        cached) for an unknown, repeated or non-canonical parameter, for pages larger than `CACHED_PAGE_SIZE` and
        for any rendering but plain JSON, so junk input creates no entries; the keys that remain draw on the budget
        `LISTS`."""
        known = {name: page_cache.Text(max_length=100) for name in self.filterset_class.base_filters}
        known |= {"ordering": page_cache.Text(max_length=100), "page": page_cache.Integer(digits=6)}
        known["page_size"] = page_cache.Integer(digits=len(str(CACHED_PAGE_SIZE)))
        if not set(request.query_params) <= set(known):
            return None
        plain_json = request.accepted_media_type == JSONRenderer.media_type
        if type(request.accepted_renderer) is not JSONRenderer or not plain_json:
            return None  # the browsable API, or JSON with parameters (`; indent=4`): rendered every time
        query = page_cache.canonical_query(request.query_params, known)
        if query is None or int(query.get("page_size", StatusPagination.page_size)) > CACHED_PAGE_SIZE:
            return None
        digest = hashlib.sha256(f"{request.get_host()}|{request.scheme}|{query.urlencode()}".encode()).hexdigest()
        return f"status-list-json:{digest[:32]}"  # rendered bytes (rename the key when the stored form changes)

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        response = Response(self.get_serializer(instance).data)
        response["ETag"] = instance.etag
        return response

    @extend_schema(
        request=StatusChangeSerializer,
        description=PRECONDITION_DOC,
        parameters=[
            OpenApiParameter(
                "If-Match",
                str,
                OpenApiParameter.HEADER,
                description=_lazy('ETag aus GET (z. B. "17-3"); statt `version` im Inhalt'),
            )
        ],
        responses={
            200: StatusSerializer,
            409: StaleSerializer,
            412: StaleSerializer,
            428: OpenApiResponse(description=_lazy("Weder `version` noch If-Match: nichts wurde geändert")),
        },
    )
    def partial_update(self, request, *args, **kwargs):
        instance = self.get_object()
        serializer = StatusChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        expected = changes.pop("version", None)
        if_match = request.headers.get("If-Match")
        if expected is None and not if_match:
            raise PreconditionRequired()
        stale_status = status.HTTP_409_CONFLICT
        if if_match:
            stale_status = status.HTTP_412_PRECONDITION_FAILED
            tags = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
            if "*" not in tags and instance.etag not in tags:
                return _stale(instance.version, stale_status, instance.etag)
            expected = instance.version if expected is None else expected
        try:
            updated = rollout_status_update(
                status=instance, changes=changes, by=request.user, expected_version=expected
            )
        except StaleVersionError as error:
            instance.refresh_from_db()
            return _stale(error.current_version, stale_status, instance.etag)
        updated = self.get_queryset().get(pk=updated.pk)
        response = Response(StatusSerializer(updated).data)
        response["ETag"] = updated.etag
        return response

    @extend_schema(
        request=BulkRequestSerializer,
        description=_lazy(
            "Bis zu 1.000 Einträge, alle oder keiner. Ein Eintrag mit `version` ändert nur diese Version (0: es gibt "
            "noch keinen Umsetzungsstand); ein Eintrag ohne `version` überschreibt den aktuellen Stand. Sind alle "
            "Fehler veraltete Versionen: 409."
        ),
        responses={
            200: BulkResultSerializer,
            400: None,
            403: None,
            409: OpenApiResponse(description=_lazy("Veraltete Version in Einträgen: nichts wurde geändert")),
        },
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        items = request.data.get("items") if isinstance(request.data, dict) else request.data
        if not isinstance(items, list):
            return Response({"items": [message("list_expected")]}, status=400)
        return _bulk_response(items, request)

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True)
    def history(self, request, pk=None):
        instance = self.get_object()
        page = self.paginate_queryset(selectors.event_list().filter(status=instance))
        return self.get_paginated_response(EventSerializer(page, many=True).data)


STATUS_ROWS = StatusRows(StatusSerializer)


def _stale(current_version, code, etag):
    response = Response(
        {"version": [message("ozg.stale", v=current_version)], "current_version": current_version},
        status=code,
    )
    response["ETag"] = etag
    return response


def _bulk_response(items, request):
    try:
        result = rollout_status_bulk_upsert(items=items, by=request.user)
    except BulkUpsertError as error:
        code = (
            status.HTTP_403_FORBIDDEN
            if error.forbidden
            else status.HTTP_409_CONFLICT
            if error.conflict
            else status.HTTP_400_BAD_REQUEST
        )
        return Response({"detail": str(error), "errors": error.errors}, status=code)
    return Response({"created": result.created, "updated": result.updated, "unchanged": result.unchanged})


class EventViewSet(ReadOnlyPortalViewSet):
    """The history: every change, per status (`status/{id}/history/`), per Verwaltung (`?ars=`), per Kreis or
    Amt (`?ars_prefix=`), per Leistung (`?ozg_id=`) or statewide."""

    queryset = selectors.event_list()
    serializer_class = EventSerializer
    filterset_class = EventFilter
    ordering_fields = ["changed_at"]


# --- coverage, lookup, federal format ---------------------------------------------------------------------


def _coverage_row(leistung, coverage) -> dict:
    return {
        "ozg_id": leistung.ozg_id,
        "name": leistung.name,
        "level": leistung.level,
        "coverage": coverage.kind,
        "label": coverage.label,
        "kreise": [{"kreis": key, "name": name} for key, name in coverage.kreise],
        "online": coverage.online,
        "units": coverage.units,
    }


class CoverageViewSet(mixins.ListModelMixin, PortalViewSet):
    """Coverage per OZG-Leistung in the federal dashboard's terms."""

    queryset = OzgLeistung.objects.order_by("ozg_id")
    serializer_class = CoverageSerializer
    filterset_class = LeistungFilter

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        coverage = selectors.coverage_by_leistung(page)
        return self.get_paginated_response([_coverage_row(leistung, coverage[leistung.pk]) for leistung in page])


class GemeindeLeistungenView(GenericAPIView):
    """What can I do online where I live? Every OZG-Leistung with its availability for the Gemeinde `ars`,
    resolved through who executes it (Land, Kreis, Amt/amtsfreie Gemeinde). Filters: those of the lookup page
    (`LookupFilter`: `themenfeld`, `lebenslage`, `q`)."""

    serializer_class = LookupSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = LookupFilter

    def get_queryset(self):
        return selectors.lookup_leistungen()

    @extend_schema(responses=LookupSerializer(many=True))
    def get(self, request, ars):
        gemeinde = register.gemeinde_by_ars(ars)
        if gemeinde is None:
            raise Http404(message("ozg.unknown_gemeinde"))
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = selectors.lookup_rows(gemeinde, page)
        return self.get_paginated_response(
            [
                {
                    "ozg_id": row.leistung.ozg_id,
                    "name": row.leistung.name,
                    "themenfeld": row.leistung.themenfeld.name,
                    "lebenslage": row.leistung.lebenslage.name,
                    "level": row.level,
                    "zustaendig_ars": row.responsible.ars if row.responsible else None,
                    "zustaendig": row.responsible.name if row.responsible else None,
                    "stage": row.status.stage if row.status else None,
                    "maturity_level": row.status.maturity_level if row.status else None,
                    "online": row.is_online,
                    "url": row.status.url if row.is_online else "",
                    "is_demo": bool(row.status and row.status.is_demo),
                    "source_kind": row.status.source_kind if row.status else "",
                    "zustaendigkeit": _responsibility(row.responsibility, request),
                    "leika_zustaendigkeiten": [
                        {
                            **_responsibility(part.responsibility, request),
                            "stage": part.status.stage if part.status else None,
                            "online": part.is_online,
                            "url": part.status.url if part.is_online else "",
                        }
                        for part in row.parts
                    ],
                }
                for row in rows
            ]
        )


def _office(org, request) -> dict:
    return {
        "ars": org.ars,
        "name": org.display_name,
        "website": org.website,
        "web_url": request.build_absolute_uri(org.get_absolute_url()),
    }


def _responsibility(entry, request) -> dict | None:
    """A Responsibility in the API's (German) field names; None where there is none (the LeiKa rows differ)."""
    if entry is None:
        return None
    verwaltung = entry.verwaltung if not entry.unknown else None
    return {
        "bekannt": not entry.unknown,
        "text": describe(entry),
        "ebene": entry.level,
        "verwaltung_ars": verwaltung.ars if verwaltung else None,
        "verwaltung": verwaltung.display_name if verwaltung else None,
        "stelle": entry.office,
        "grundlage": entry.basis,
        "quelle_url": entry.source_url,
        "quelle_titel": entry.source_title,
        "quelle_stand": entry.source_date,
        "geprueft_am": entry.checked_on.isoformat() if entry.checked_on else None,
        "beleg": entry.evidence,
        "ausnahme": entry.is_exception,
        "leika_schluessel": entry.leika.key if entry.leika else None,
        "leika_leistung": entry.leika.name if entry.leika else None,
        "fragen_bei": [_office(org, request) for org in entry.ask],
    }


#: The old export's parameters and where they went (the federal format's endpoints, federal/README.md).
OLD_EXPORT_KEPT = ("page", "size")


class FederalExportView(APIView):
    """The old export in the federal format, now a redirect (301) to its successors under `/api/v1/bund/v1/`
    (federal/README.md, "Export im Format des Bundes"): without `ars`/`ars_prefix` to `/v1/data` (JSON) or, with
    `filetype=csv`, the CSV of the Land with everything below; `ars` to that body alone (`includeAbove=false`,
    `includeBelow=false`), `ars_prefix` to the body the prefix names with everything below it. `page` and `size`
    are passed on (the successors refuse a size above their maximum instead of clamping it). `ozg_id` has no
    counterpart in the federal format: 400."""

    @extend_schema(
        deprecated=True,
        parameters=[
            OpenApiParameter("filetype", str, enum=["json", "csv"]),
            OpenApiParameter("ars", str),
            OpenApiParameter("ars_prefix", str),
            OpenApiParameter("page", int),
            OpenApiParameter("size", int),
        ],
        responses={301: OpenApiResponse(description=_lazy("Weiterleitung zu /api/v1/bund/v1/data/…"))},
    )
    def get(self, request):
        query = request.query_params
        errors = {}
        filetype = query.get("filetype", "json")
        if filetype not in ("json", "csv"):
            errors["filetype"] = [message("ozg.choices", values="json, csv")]
        ars, prefix = query.get("ars", ""), query.get("ars_prefix", "")
        if ars and not keys.is_ars(ars):
            errors["ars"] = [message("organisations.ars_format")]
        if prefix and not keys.is_prefix(prefix):
            errors["ars_prefix"] = [message("organisations.ars_prefix_format")]
        if query.get("ozg_id", ""):
            errors["ozg_id"] = [message("ozg.export_ozg_id_gone")]
        if errors:
            return Response(errors, status=400)
        params = {name: query[name] for name in OLD_EXPORT_KEPT if query.get(name, "")}
        if ars or prefix:
            target = ars or keys.ars_of_prefix(prefix)
            params |= {"includeAbove": "false", "includeBelow": "false" if ars else "true", "filetype": filetype}
            url = reverse("api:bund-data-ars", args=[target])
        elif filetype == "csv":
            params |= {"includeAbove": "false", "includeBelow": "true", "filetype": "csv"}
            params.setdefault("size", "100000")
            url = reverse("api:bund-data-ars", args=[keys.LAND_ARS])
        else:
            url = reverse("api:bund-data")
        return HttpResponsePermanentRedirect(f"{url}?{urlencode(params)}" if params else url)
