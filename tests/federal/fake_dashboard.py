"""A fake federal dashboard: a real HTTP server on 127.0.0.1 answering as data/ozg/digitale-verwaltung-api.openapi.yaml
describes (PageDvDataDto and PageArsDto page objects with pageable and sort; CSV or XLSX for /v1/data/{ars}).

    with FakeDashboard(by_ars={"010000000000": records}, formats={"010000000000": "json"}) as server:
        settings.FEDERAL_DASHBOARD_URL = server.url("/api/")

- `by_ars`: the records `/v1/data/{ars}` answers (paged by `page` and `size`, unless `ignore_paging`);
- `formats`: per ARS "json" (page objects), "csv;" / "csv," (with a byte order mark for "csv;"), "xlsx", or
  "filetype" (whatever the request's `filetype` asks for; the spec's default is csv);
- `germany`: the records of `/v1/data` (every Land); `ars_list`: the entries of `/v1/ars` (sorted as given);
- `script`: path -> Replies served first, one per request, before the normal answer (a 500, a slow answer).
"""

import csv
import io
import json

from tests.httpserver import LocalServer, Reply

FIELDS = [
    "leika_key",
    "leika_name",
    "ars",
    "ars_name",
    "ars_federal_state",
    "bundesland",
    "leika_bezeichnung",
    "ozgid",
    "ozg_bezeichnung",
    "url",
    "online_status",
    "aktiv",
    "art_flaechendeckung",
]


def dv(ars, ozgid, leika_key="99041006017000", **values) -> dict:
    """One DvDataDto with every field; `values` overrides (None for a null)."""
    record = {
        "leika_key": leika_key,
        "leika_name": "Hundehaltung anmelden",
        "ars": ars,
        "ars_name": f"Stelle {ars}",
        "ars_federal_state": ars[:2] if isinstance(ars, str) else None,
        "bundesland": "Schleswig-Holstein" if isinstance(ars, str) and ars.startswith("01") else "anderes Land",
        "leika_bezeichnung": "Hundesteuer Anmeldung",
        "ozgid": ozgid,
        "ozg_bezeichnung": f"Leistung {ozgid}",
        "url": f"https://dienst.example/{ars}/{ozgid}",
        "online_status": "ok",
        "aktiv": "ja",
        "art_flaechendeckung": "landesweit flächendeckend",
    }
    record.update(values)
    return record


def page_object(content: list, *, number: int, size: int, total: int) -> dict:
    """A PageDvDataDto / PageArsDto as Spring Data writes it."""
    total_pages = (total + size - 1) // size if size else 0
    sort = {"unsorted": False, "sorted": True, "empty": False}
    return {
        "totalPages": total_pages,
        "totalElements": total,
        "pageable": {
            "paged": True,
            "unpaged": False,
            "pageNumber": number,
            "pageSize": size,
            "offset": number * size,
            "sort": sort,
        },
        "numberOfElements": len(content),
        "size": size,
        "content": content,
        "number": number,
        "sort": sort,
        "first": number == 0,
        "last": number >= total_pages - 1,
        "empty": not content,
    }


def csv_bytes(records: list, *, delimiter: str = ",", bom: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for record in records:
        writer.writerow(["" if record.get(name) is None else record.get(name) for name in FIELDS])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(records: list, *, numbers: bool = True) -> bytes:
    """An XLSX as a spreadsheet program makes it: `numbers` writes ARS and ozgid as numbers (the ARS loses its
    leading zero)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Daten"
    sheet.append(FIELDS)
    for record in records:
        row = []
        for name in FIELDS:
            value = record.get(name)
            if numbers and name in ("ars", "ozgid") and isinstance(value, str) and value.isdigit():
                value = int(value)
            row.append(value)
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _int(request, name, default):
    value = request.param(name, str(default))
    return int(value) if value.isdigit() else default


class FakeDashboard(LocalServer):
    def __init__(self, *, by_ars=None, formats=None, germany=None, ars_list=None, script=None, ignore_paging=False):
        super().__init__(default=self.answer)
        self.by_ars = by_ars or {}
        self.formats = formats or {}
        self.germany = germany or []
        self.ars_list = ars_list or []
        self.script = {path: list(replies) for path, replies in (script or {}).items()}
        self.ignore_paging = ignore_paging

    def answer(self, request):
        queued = self.script.get(request.path)
        if queued:
            with self.lock:
                reply = queued.pop(0)
            if reply.delay or reply.status != 200 or reply.body:
                return reply
        if request.path == "/api/v1/ars":
            return self._page(request, self.ars_list)
        if request.path == "/api/v1/data":
            return self._page(request, self.germany)
        if request.path.startswith("/api/v1/data/"):
            ars = request.path.rsplit("/", 1)[-1]
            if ars not in self.by_ars:
                return Reply(400, json.dumps({"error": "unbekannter ARS"}).encode(), "application/json")
            return self._file(request, ars)
        return Reply(404, b'{"error": "Not Found"}', "application/json")

    def _slice(self, request, records):
        page, size = _int(request, "page", 0), _int(request, "size", 100)
        if self.ignore_paging:
            return records, page, size
        return records[page * size : (page + 1) * size], page, size

    def _page(self, request, records):
        content, page, size = self._slice(request, records)
        body = page_object(content, number=page, size=size, total=len(records))
        return Reply(200, json.dumps(body, ensure_ascii=False).encode(), "application/json")

    def _file(self, request, ars):
        records = self.by_ars[ars]
        kind = self.formats.get(ars, "filetype")
        if kind == "filetype":
            kind = "xlsx" if request.param("filetype") == "xlsx" else "csv,"
        if kind == "json":
            return self._page(request, records)
        content, _page, _size = self._slice(request, records)
        if kind == "xlsx":
            return Reply(200, xlsx_bytes(content), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        delimiter = kind[-1]
        return Reply(200, csv_bytes(content, delimiter=delimiter, bom=delimiter == ";"), "text/csv; charset=utf-8")
