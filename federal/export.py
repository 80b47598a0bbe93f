"""Our statuses in the format of the federal Dashboard Digitale Verwaltung: the reads behind our mirror of its
`/v1/data`, `/v1/data/{ars}` and `/v1/ars` (data/ozg/digitale-verwaltung-api.openapi.yaml: DvDataDto,
PageDvDataDto, PageArsDto). The rules where the spec is silent are in federal/README.md, "Export im Format des
Bundes"; in short:

- A record (DvDataDto) is one online service for one LeiKa-Leistung: one per (status with an address, LeiKa-Leistung
  of its OZG-Leistung that is in the LeiKa). `leika_key`, `leika_name` and `url` are not nullable in the spec, so a
  status without an address, or of an OZG-Leistung without a LeiKa key, gives no record. `totalElements` counts
  exactly these records, in SQL.
- Every record is reported under the ARS of the Verwaltung that holds the status (the body that runs the service);
  `includeAbove`/`includeBelow` add the Verwaltungen above (Land, Kreis, Amt) and below (the key's prefix).
- `order` sorts by `ars`, then `ozgid`, then `leika_key`, all ascending or all descending.
- `online_status` is "ok" if our stage is online and, where the link checker checked the current address, its last
  check reached it; `aktiv` and "bundesweit flächendeckend" are what the newest completed federal record set says
  (null / our own coverage otherwise); `leika_bezeichnung` is null (our catalogue holds one LeiKa name only).

Query counts are fixed per page: count, rows, coverage (2), link checks, federal facts.
"""

import io
import math
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import F, Q
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from common.csvfiles import FEDERAL, csv_text
from common.messages import message
from common.params import ParameterError, query_int
from organisations import keys
from organisations import selectors as register
from organisations.models import Organisation
from ozg_monitoring.models import ONLINE_STAGES, LeikaLeistung, OzgLeistung, RolloutStatus
from ozg_monitoring.selectors import (
    FEDERAL_COVERAGE,
    KREISWEIT,
    MINDESTENS_EINE,
    coverage_by_leistung,
    last_check_for,
)

from .parser import FIELDS  # DvDataDto, in the order of the spec: one list for reading and writing
from .selectors import BUNDESWEIT, federal_facts_by_ozgid

#: Our fields beyond DvDataDto: `beispieldaten` is "ja" for a record built from a demo status (`is_demo`), "nein"
#: otherwise; a receiver that reads only the spec's fields ignores it.
EXTRA_FIELDS = ["beispieldaten"]
COLUMNS = [*FIELDS, *EXTRA_FIELDS]

ONLINE_STATUS_CHOICES = [("ok", "ok"), ("nicht ok", "nicht ok")]
AKTIV_CHOICES = [("ja", "ja"), ("nein", "nein")]
COVERAGE_CHOICES = [
    (value, value)
    for value in (
        BUNDESWEIT,
        "in mind. einer Kommune verfügbar",
        "landesweit flächendeckend",
        "kreisweit flächendeckend",
        "nicht in Auswertung berücksichtigt",
    )
]

LAND_NAME = "Schleswig-Holstein"
DEFAULT_SIZE = 100  # the spec's default
MAX_SIZE = 1000  # JSON page objects
MAX_FILE_SIZE = 100_000  # CSV and XLSX (one file holds all of Schleswig-Holstein)
MAX_PAGE = 10**6  # page × size stays far below the range of an SQL OFFSET
ORDERS = ("asc", "desc")
FILETYPES = ("csv", "xlsx")
FLAGS = {"true": True, "false": False}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- parameters ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageRequest:
    page: int
    size: int
    order: str

    @property
    def offset(self) -> int:
        return self.page * self.size


def _choice(query, name: str, choices, default: str) -> str:
    value = query.get(name, "")
    if value == "":
        return default
    if value not in choices:
        raise ParameterError(name, message("ozg.choices", values=", ".join(choices)))
    return value


def parse_flag(query, name: str) -> bool:
    """`includeAbove` / `includeBelow`: "true" (the spec's default) or "false"; anything else a 400 naming it."""
    return FLAGS[_choice(query, name, tuple(FLAGS), "true")]


def parse_page_request(query, *, max_size: int = MAX_SIZE) -> PageRequest:
    """`page` (from 0), `size` (1 to `max_size`: more is a 400 naming the maximum, never clamped) and `order`.
    Raises ValidationError with a German message per wrong parameter (all of them at once)."""
    errors, values = {}, {}
    for name, parse in (
        ("page", lambda: query_int(query, "page", bounds=(0, MAX_PAGE), default=0)),
        ("size", lambda: query_int(query, "size", bounds=(1, max_size), default=DEFAULT_SIZE)),
        ("order", lambda: _choice(query, "order", ORDERS, "asc")),
    ):
        try:
            values[name] = parse()
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return PageRequest(**values)


# --- which statuses a request covers ------------------------------------------------------------------------


def above(body: Organisation) -> list[str]:
    """The ARS of the Verwaltungen above a body whose records `includeAbove` adds: the Land above a Kreis or
    kreisfreie Stadt; Land and Kreis above an Amt or amtsfreie Gemeinde; Land, Kreis and Amt above an
    amtsangehörige Gemeinde. Nothing above the Land (the Bund holds no status of ours)."""
    if body.kind == Organisation.Kind.LAND:
        return []
    found = [keys.LAND_ARS]
    if body.kind not in Organisation.KREISEBENE_KINDS:
        found.append(keys.ars_of_prefix(keys.kreis_key(body.ars)))
    if body.kind not in Organisation.VERWALTUNG_AND_LAND_KINDS and body.verwaltung_id and body.verwaltung.ars:
        found.append(body.verwaltung.ars)
    return found


def below_prefix(body: Organisation) -> str | None:
    """The key prefix of the bodies below (`includeBelow`): everything in the Land, Kreis or Amt; None for a
    Gemeinde (nothing lies below it)."""
    if body.kind == Organisation.Kind.LAND:
        return keys.LAND_KEY
    return register.prefix_below(body)


def scope_filter(body: Organisation, *, include_above: bool, include_below: bool) -> Q:
    """The statuses `/v1/data/{ars}` lists for `body`: its own, those above and below as asked."""
    arses = [body.ars, *(above(body) if include_above else [])]
    condition = Q(verwaltung__ars__in=arses)
    prefix = below_prefix(body) if include_below else None
    if prefix:
        condition |= Q(verwaltung__ars__startswith=prefix)
    return condition


# --- records ------------------------------------------------------------------------------------------------


def record_rows(status_filter: Q | None = None, *, order: str = "asc"):
    """One row per record (status with an address × its OZG-Leistung's LeiKa-Leistungen in the LeiKa), sorted by
    ARS, OZG-ID and LeiKa key: a values queryset whose `count()` is the number of records, sliced in SQL."""
    statuses = RolloutStatus.objects.exclude(url="")
    if status_filter is not None:
        statuses = statuses.filter(status_filter)
    sign = "-" if order == "desc" else ""
    return (
        LeikaLeistung.objects.filter(in_leika=True, ozg_leistung__statuses__in=statuses.values("pk"))
        .order_by(f"{sign}ozg_leistung__statuses__verwaltung__ars", f"{sign}ozg_leistung__ozg_id", f"{sign}key", "pk")
        .values(
            "key",
            "name",
            status_id=F("ozg_leistung__statuses__pk"),
            status_url=F("ozg_leistung__statuses__url"),
            status_stage=F("ozg_leistung__statuses__stage"),
            status_demo=F("ozg_leistung__statuses__is_demo"),
            verwaltung_ars=F("ozg_leistung__statuses__verwaltung__ars"),
            verwaltung_name=F("ozg_leistung__statuses__verwaltung__name"),
            leistung_pk=F("ozg_leistung__pk"),
            leistung_level=F("ozg_leistung__level"),
            ozg_id=F("ozg_leistung__ozg_id"),
            ozg_name=F("ozg_leistung__name"),
        )
    )


def online_status(row: dict, check) -> str:
    """ "ok" if our stage is online and, where the link checker checked this address, its last check reached it."""
    if row["status_stage"] not in ONLINE_STAGES:
        return "nicht ok"
    if check is not None and check.url == row["status_url"] and not check.ok:
        return "nicht ok"
    return "ok"


def coverage_label(row: dict, cover, facts: dict) -> str:
    """art_flaechendeckung: "bundesweit flächendeckend" where the Bund says so for the OZG-Leistung; otherwise
    our coverage of the OZG-Leistung for the area of the record (kreisweit only inside a covered Kreis)."""
    if facts.get("bundesweit"):
        return BUNDESWEIT
    kind = cover.kind
    if kind == KREISWEIT and keys.kreis_key(row["verwaltung_ars"]) not in cover.kreis_keys:
        kind = MINDESTENS_EINE
    return FEDERAL_COVERAGE[kind]


def build_records(rows) -> list[dict]:
    """The DvDataDto records (plus `beispieldaten`) of rows of `record_rows`; four queries for any number."""
    rows = list(rows)
    if not rows:
        return []
    leistungen = {row["leistung_pk"]: OzgLeistung(pk=row["leistung_pk"], level=row["leistung_level"]) for row in rows}
    coverage = coverage_by_leistung(leistungen.values())
    checks = last_check_for({row["status_id"] for row in rows})
    facts = federal_facts_by_ozgid({row["ozg_id"] for row in rows})
    records = []
    for row in rows:
        own = facts.get(row["ozg_id"], {})
        records.append(
            {
                "leika_key": row["key"],
                "leika_name": row["name"],
                "ars": row["verwaltung_ars"],
                "ars_name": row["verwaltung_name"],
                "ars_federal_state": keys.LAND_KEY,
                "bundesland": LAND_NAME,
                "leika_bezeichnung": None,
                "ozgid": row["ozg_id"],
                "ozg_bezeichnung": row["ozg_name"],
                "url": row["status_url"],
                "online_status": online_status(row, checks.get(row["status_id"])),
                "aktiv": own.get("aktiv"),
                "art_flaechendeckung": coverage_label(row, coverage[row["leistung_pk"]], own),
                "beispieldaten": "ja" if row["status_demo"] else "nein",
            }
        )
    return records


# --- page objects -------------------------------------------------------------------------------------------

#: SortObject: the answer is always sorted (by the keys above).
SORT = {"sorted": True, "unsorted": False, "empty": False}


def page_object(content: list, *, total: int, request: PageRequest) -> dict:
    """A Spring page object (PageDvDataDto, PageArsDto) with every field of the spec: `totalElements` is the count
    of what `content` lists over all pages, `numberOfElements` the length of this page (≤ `size`)."""
    pages = math.ceil(total / request.size)
    return {
        "totalPages": pages,
        "totalElements": total,
        "pageable": {
            "paged": True,
            "unpaged": False,
            "pageNumber": request.page,
            "pageSize": request.size,
            "offset": request.offset,
            "sort": dict(SORT),
        },
        "numberOfElements": len(content),
        "size": request.size,
        "content": content,
        "number": request.page,
        "sort": dict(SORT),
        "first": request.page == 0,
        "last": request.page >= pages - 1,
        "empty": not content,
    }


def data_page(request: PageRequest, status_filter: Q | None = None) -> dict:
    """PageDvDataDto of `/v1/data` (all statuses) or `/v1/data/{ars}` (`status_filter` from `scope_filter`)."""
    rows = record_rows(status_filter, order=request.order)
    total = rows.count()
    content = build_records(rows[request.offset : request.offset + request.size]) if request.offset < total else []
    return page_object(content, total=total, request=request)


def data_records(request: PageRequest, status_filter: Q | None = None) -> list[dict]:
    """The records of one page, for the files (CSV, XLSX): the same rows as the JSON page."""
    rows = record_rows(status_filter, order=request.order)
    return build_records(rows[request.offset : request.offset + request.size])


def ars_page(request: PageRequest) -> dict:
    """PageArsDto of `/v1/ars`: every territorial body of the register (Land, Kreise, Ämter, Gemeinden) by ARS."""
    bodies = register.bodies_with_ars().order_by(("-" if request.order == "desc" else "") + "ars")
    total = bodies.count()
    chunk = bodies.values_list("ars", "name")[request.offset : request.offset + request.size]
    content = [{"ars": ars, "arsName": name} for ars, name in chunk] if request.offset < total else []
    return page_object(content, total=total, request=request)


# --- files --------------------------------------------------------------------------------------------------


def records_to_csv(records) -> str:
    """The records as the federal CSV (comma, LF, header = field names; null is an empty cell); text cells that a
    spreadsheet would run as a formula get an apostrophe (`common.csvfiles.FEDERAL`)."""
    return csv_text(COLUMNS, ([record[name] for name in COLUMNS] for record in records), dialect=FEDERAL)


def _xlsx_cell(sheet, value):
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value)
    if isinstance(value, str):
        cell.data_type = "s"  # text stays text: "=…" is no formula
    return cell


def records_to_xlsx(records) -> bytes:
    """The records as an XLSX workbook: one sheet "Daten", the field names in the first row, one row per record
    (`ozgid` a number, null an empty cell)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Daten")
    sheet.append(COLUMNS)
    for record in records:
        sheet.append([_xlsx_cell(sheet, record[name]) for name in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
