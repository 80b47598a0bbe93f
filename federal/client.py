"""The client of the federal API "Digitalisierungsfortschritt der öffentlichen Verwaltung"
(data/ozg/digitale-verwaltung-api.openapi.yaml), base URL from the setting `FEDERAL_DASHBOARD_URL`.

What it asks (the assumptions are in federal/README.md):

- `GET /v1/data/{ars}?includeBelow=true&includeAbove=false&filetype=…&page=N&size=S` for a Land, Kreis or other
  SH key: the records of that body and everything below it. The answer's format is recognised by content
  (`federal.parser`); JSON page objects are followed through `page` until `last`/`totalPages`; CSV and XLSX are
  taken as one page of at most `size` rows: a file with exactly `size` rows may have a next page, which is asked
  for until a shorter (or an identical: the server ignores `page`) answer comes.
- `GET /v1/ars` (PageArsDto, page by page) to list the SH keys (prefix 01) where a sync goes Kreis by Kreis.
- `GET /v1/data` (PageDvDataDto of all of Germany, page by page) as the fallback; the caller keeps the SH records.

Every request: the outbound policy (`common.outbound`, every redirect hop), a connect and read timeout
(`FEDERAL_DASHBOARD_TIMEOUT`), up to `FEDERAL_DASHBOARD_RETRIES` retries with exponential backoff
(`FEDERAL_DASHBOARD_BACKOFF` seconds, doubled each time, at most 60 s; a `Retry-After` up to that bound is
honoured) after timeouts, refused connections, 429 and 5xx; no retry after other 4xx. At most
`FEDERAL_DASHBOARD_MAX_BYTES` per answer and `FEDERAL_DASHBOARD_MAX_PAGES` pages per listing. Failures are
`FederalUnavailable` (German message); a garbage answer is the parser's `FederalFormatError`.
"""

import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlencode, urljoin

import urllib3
from django.conf import settings
from django.utils.translation import gettext as _

from common.outbound import require_outbound_allowed

from .parser import Payload, parse_ars_page, parse_payload

#: The server named in the spec.
DEFAULT_URL = "https://digitale-verwaltung.api.proxy.bund.dev/api/"
LAND_ARS = "010000000000"
SH_PREFIX = "01"
USER_AGENT = "ITV.SH-Portal/1.0 (Abgleich mit dem Bundes-Dashboard)"
RETRY_STATUSES = {429, 500, 502, 503, 504}
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 5
BACKOFF_MAX = 60.0


class FederalUnavailable(Exception):
    """The federal API cannot be used now (unreachable, an HTTP error, an answer too large); German message."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass
class Answer:
    url: str
    status: int
    content_type: str
    body: bytes
    retry_after: float | None = None


def _seconds(value: float) -> str:
    return f"{value:g}".replace(".", ",")


class FederalClient:
    def __init__(
        self,
        base_url: str | None = None,
        *,
        timeout: float | None = None,
        retries: int | None = None,
        backoff: float | None = None,
        max_bytes: int | None = None,
        max_pages: int | None = None,
        progress: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        base = base_url or getattr(settings, "FEDERAL_DASHBOARD_URL", "") or DEFAULT_URL
        self.base_url = base if base.endswith("/") else base + "/"
        self.timeout = float(timeout if timeout is not None else getattr(settings, "FEDERAL_DASHBOARD_TIMEOUT", 30))
        self.retries = int(retries if retries is not None else getattr(settings, "FEDERAL_DASHBOARD_RETRIES", 3))
        self.backoff = float(backoff if backoff is not None else getattr(settings, "FEDERAL_DASHBOARD_BACKOFF", 2))
        self.max_bytes = int(max_bytes or getattr(settings, "FEDERAL_DASHBOARD_MAX_BYTES", 200 * 1024 * 1024))
        self.max_pages = int(max_pages or getattr(settings, "FEDERAL_DASHBOARD_MAX_PAGES", 10_000))
        self.progress = progress or (lambda line: None)
        self.sleep = sleep
        self.requests = 0
        self._pool = urllib3.PoolManager(
            retries=False,
            timeout=urllib3.Timeout(connect=self.timeout, read=self.timeout),
            headers={"User-Agent": USER_AGENT},
        )

    # --- one request ----------------------------------------------------------------------------------------------

    def url(self, path: str, params: dict | None = None) -> str:
        url = urljoin(self.base_url, path.lstrip("/"))
        return f"{url}?{urlencode(params)}" if params else url

    def get(self, path: str, params: dict | None = None) -> Answer:
        """One GET with retries; the final answer 2xx, else FederalUnavailable."""
        url = self.url(path, params)
        attempts = self.retries + 1
        reason, retry_after = "", None
        for attempt in range(attempts):
            if attempt:
                delay = min(self.backoff * 2 ** (attempt - 1), BACKOFF_MAX)
                if retry_after is not None:
                    delay = min(max(delay, retry_after), BACKOFF_MAX)
                self.progress(
                    _("  Versuch %(n)d von %(of)d in %(s)s s (%(reason)s)")
                    % {"n": attempt + 1, "of": attempts, "s": _seconds(delay), "reason": reason}
                )
                self.sleep(delay)
            retry_after = None
            try:
                answer = self._get_following_redirects(url)
            except urllib3.exceptions.NewConnectionError:  # before TimeoutError: it derives from it
                reason = _("keine Verbindung (abgelehnt oder Server nicht erreichbar)")
                continue
            except urllib3.exceptions.TimeoutError:
                reason = _("Zeitüberschreitung nach %(s)s s") % {"s": _seconds(self.timeout)}
                continue
            except (urllib3.exceptions.HTTPError, OSError) as error:
                reason = _("keine Verbindung (%(kind)s)") % {"kind": type(error).__name__}
                continue
            if 200 <= answer.status < 300:
                return answer
            retry_after = answer.retry_after
            reason = _("HTTP %(status)d") % {"status": answer.status}
            if answer.status not in RETRY_STATUSES:
                raise FederalUnavailable(
                    _("Das Bundes-Dashboard lehnt die Anfrage %(url)s ab: %(reason)s.") % {"url": url, "reason": reason}
                )
        raise FederalUnavailable(
            _("Das Bundes-Dashboard ist nicht erreichbar (%(url)s): %(reason)s, %(n)d Versuche.")
            % {"url": url, "reason": reason, "n": attempts}
        )

    def _get_following_redirects(self, url: str) -> Answer:
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            require_outbound_allowed(current)
            self.requests += 1
            response = self._pool.request("GET", current, redirect=False, preload_content=False)
            try:
                if response.status in REDIRECT_STATUSES and response.headers.get("Location"):
                    current = urljoin(current, response.headers["Location"])
                    continue
                return Answer(
                    url=current,
                    status=response.status,
                    content_type=response.headers.get("Content-Type", ""),
                    body=self._read(response, current),
                    retry_after=_retry_after(response.headers.get("Retry-After")),
                )
            finally:
                response.release_conn()
        raise FederalUnavailable(
            _("Das Bundes-Dashboard leitet mehr als %(n)d Mal weiter (%(url)s).") % {"n": MAX_REDIRECTS, "url": url}
        )

    def _read(self, response, url: str) -> bytes:
        chunks, total = [], 0
        for chunk in response.stream(64 * 1024):
            total += len(chunk)
            if total > self.max_bytes:
                raise FederalUnavailable(
                    _("Die Antwort von %(url)s ist größer als %(mb)d MB; abgebrochen.")
                    % {"url": url, "mb": self.max_bytes // (1024 * 1024)}
                )
            chunks.append(chunk)
        return b"".join(chunks)

    # --- listings -------------------------------------------------------------------------------------------------

    def _pages(self, path: str, params: dict, size: int) -> Iterator[tuple[str, Payload]]:
        """(label, payload) per page of a listing, as the module docstring describes."""
        previous = None
        for page in range(self.max_pages):
            answer = self.get(path, {**params, "page": page, "size": size})
            digest = hashlib.sha256(answer.body).digest()
            if page and digest == previous:
                self.progress(
                    _("  Seite %(page)d gleicht der vorigen: der Server blättert nicht; Ende.") % {"page": page}
                )
                return
            previous = digest
            payload = parse_payload(answer.body, content_type=answer.content_type)
            label = f"{path} " + _("Seite %(page)d") % {"page": page}
            if payload.page and payload.page.total_pages is not None:
                label += f"/{payload.page.total_pages}"
            yield label, payload
            if not _has_next(payload, page, size):
                return
        raise FederalUnavailable(
            _("Mehr als %(n)d Seiten unter %(path)s; abgebrochen (FEDERAL_DASHBOARD_MAX_PAGES).")
            % {"n": self.max_pages, "path": path}
        )

    def ars_data(self, ars: str, *, size: int, filetype: str = "csv") -> Iterator[tuple[str, Payload]]:
        """`/v1/data/{ars}` with everything below the body."""
        params = {"filetype": filetype, "includeBelow": "true", "includeAbove": "false"}
        yield from self._pages(f"v1/data/{ars}", params, size)

    def data_pages(self, *, size: int) -> Iterator[tuple[str, Payload]]:
        """`/v1/data`: every record of Germany, page by page (the caller filters to SH)."""
        yield from self._pages("v1/data", {"order": "asc"}, size)

    def sh_ars(self, *, size: int) -> list[dict]:
        """The SH entries of `/v1/ars` ({"ars", "arsName"}), page by page. While the keys come sorted ascending
        (order=asc), the listing stops after the first page that goes past the prefix 01."""
        found, previous = [], None
        for page in range(self.max_pages):
            answer = self.get("v1/ars", {"order": "asc", "page": page, "size": size})
            entries, info = parse_ars_page(answer.body)
            keys = [entry["ars"] for entry in entries]
            found.extend(entry for entry in entries if entry["ars"].startswith(SH_PREFIX))
            self.progress(
                _("/v1/ars Seite %(page)d: %(n)d Schlüssel, bisher %(sh)d aus Schleswig-Holstein")
                % {"page": page, "n": len(entries), "sh": len(found)}
            )
            ascending = keys == sorted(keys) and (previous is None or not keys or keys[0] >= previous)
            if keys and ascending and keys[-1][:2] > SH_PREFIX:
                break
            previous = keys[-1] if keys else previous
            if not _has_next(Payload(format="json-page", records=entries, page=info), page, size):
                break
        else:
            raise FederalUnavailable(_("Mehr als %(n)d Seiten unter /v1/ars; abgebrochen.") % {"n": self.max_pages})
        return found

    def sh_kreise(self, *, size: int) -> list[str]:
        """The keys of the SH Kreise and kreisfreien Städte in `/v1/ars` (ARS "01" + "0" + KK + "0000000")."""
        return sorted(
            {
                entry["ars"]
                for entry in self.sh_ars(size=size)
                if len(entry["ars"]) == 12 and entry["ars"].isdigit() and entry["ars"][5:] == "0000000"
                if entry["ars"] != LAND_ARS
            }
        )


def _has_next(payload: Payload, page: int, size: int) -> bool:
    info = payload.page
    if info is not None:
        if info.number is not None and info.number != page:
            return False  # the server answers another page than asked: it does not page
        if info.last is not None:
            return not info.last
        if info.total_pages is not None:
            return page + 1 < info.total_pages
    return len(payload.records) == size and size > 0


def _retry_after(value: str | None) -> float | None:
    if value and value.strip().isdigit():
        return float(value.strip())
    return None
