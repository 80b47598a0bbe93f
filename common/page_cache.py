"""Whole-page cache for anonymous GETs of public pages, on the versions of `common.cached_reads`.

A cached view declares the query parameters it understands (`cache_params` on the view class, or `params=`):
a name and how its value looks in canonical form (`Integer`, `Text`, `Choice`). The key is built from these only:

    cached-reads:page:<scope>:<language>:<sha256 of "<path>?<canonical parameters, sorted>">[:32]

and the entry holds the version of the page's scope and of the layout's notice providers (so a page is never
older than the last committed write to anything it shows) with the content. A request is answered like this:

- logged in, not a GET, or a path that is not the canonical one of its view (`/leistungen/010000/`): uncached;
- parameters the page does not understand and empty ones are dropped: the view sees, and the cache keys, only
  the canonical query (`?utm_source=x&q=&seite=2` is `?seite=2`), so junk parameters create no entries;
- a known parameter whose value is not in canonical form (`seite=02`, `themenfeld=x`, a text with spaces around
  it or longer than its bound, a repeated parameter): rendered uncached from the request as it came, so the view
  decides what such a value means (it may answer 400);
- otherwise from the cache, or rendered and stored when the answer is a 200. A page without parameters is always
  stored (their number is that of the objects with a page); a variant with parameters draws on the budget
  `VARIANTS` (at most `VARIANT_LIMIT` new variants per hour), beyond which it is rendered uncached.

**HTTP validators and shared caches.** An anonymous answer from the cache (or rendered and stored) carries
- `ETag: W/"<digest of the entry's versions and key>"`: the same while no write it depends on is committed (weak:
  two processes may render the same version with different bytes, e.g. a time of day);
- `Last-Modified`: when the newest of its versions was set, in whole seconds, once that version is older than
  `2 s + CACHED_READS_LOCAL_SECONDS` (before that, a second version set in the same second could carry the same
  date while another process still serves the first one, so no date is sent and only the ETag validates);
- `Cache-Control`: the portal promises that a saved change is on every page within `FRESH_SECONDS` (1 s). A
  process may answer from its own copy of the versions for up to `CACHED_READS_LOCAL_SECONDS` (default 1 s), so a
  reverse proxy may keep the page only for what is left: `public, max-age=0, s-maxage=<n>` with
  `n = FRESH_SECONDS - CACHED_READS_LOCAL_SECONDS` in whole seconds, and `public, no-cache` when nothing is left
  (the default): a proxy or browser stores the page but asks again each time, and gets a 304 without the body
  while nothing changed. No `stale-while-revalidate`: it would serve a page older than the promise;
- `Vary: Accept-Encoding, Accept-Language, Cookie` (the language is in the key; a visitor who is signed in gets
  another answer). A page is stored gzip-compressed too (compressed once, when it is stored) and sent so to a
  client that accepts gzip (`Content-Encoding: gzip`, its ETag ends in `-gz`): the big pages (the Verwaltung page
  is about 400 KB) travel in a fraction of their bytes, and nothing is compressed per request. The pages hold
  nothing secret (no CSRF token, nothing personal), so compression reveals nothing (BREACH).
A request with `If-None-Match` (or `If-Modified-Since`) that matches gets `304 Not Modified` with these headers.
A signed-in visitor's answer of a cached view is `Cache-Control: private, no-store`.

A hit costs no database query and, within `CACHED_READS_LOCAL_SECONDS` of the last check, no round trip to the
shared cache: the key is built from the request, the versions and the entry come from the process's layer
(common/cached_reads.py), and the response is built from the stored bytes.
"""

import functools
import gzip
import hashlib
import math
import re
import time

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse, QueryDict
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

from common import cached_reads

#: How long a page without parameters stays cached at most (it is replaced at once by any write it depends on).
PAGE_SECONDS = 6 * 3600
#: New cached variants (pages with parameters) per hour, over all cached pages; each lives an hour at most.
VARIANT_LIMIT = 1000
VARIANTS = cached_reads.Budget("page-variants", limit=VARIANT_LIMIT, window=3600)
#: A saved change is on every cached page within this many seconds (the process layer's interval included).
FRESH_SECONDS = 1.0
#: The headers a cached view's answer varies by.
VARY = ("Accept-Encoding", "Accept-Language", "Cookie")
_now = time.time  # the clock of Last-Modified (tests replace it)
_GZIP = re.compile(r"\bgzip\b")  # as django.middleware.gzip reads Accept-Encoding


class Integer:
    """A positive integer without sign or leading zeros, of at most `digits` digits."""

    def __init__(self, digits: int = 9):
        self.pattern = re.compile(rf"[1-9][0-9]{{0,{digits - 1}}}")

    def canonical(self, value: str) -> bool:
        return self.pattern.fullmatch(value) is not None


class Text:
    """Free text of at most `max_length` characters, without surrounding white space or control characters."""

    def __init__(self, max_length: int):
        self.max_length = max_length

    def canonical(self, value: str) -> bool:
        return len(value) <= self.max_length and value == value.strip() and value.isprintable()


class Choice:
    def __init__(self, values):
        self.values = frozenset(str(value) for value in values)

    def canonical(self, value: str) -> bool:
        return value in self.values


def canonical_query(query: QueryDict, params: dict) -> QueryDict | None:
    """The page's own parameters of `query`, sorted, without empty values; None when one of them is not in
    canonical form (or repeated)."""
    canonical = QueryDict(mutable=True)
    for name in sorted(params):
        values = query.getlist(name)
        if not values or values == [""]:
            continue
        if len(values) > 1 or not params[name].canonical(values[0]):
            return None
        canonical[name] = values[0]
    canonical._mutable = False
    return canonical


def _canonical_path(request) -> bool:
    match = request.resolver_match
    return match is not None and _reversed(match.view_name, tuple(match.args), tuple(match.kwargs.items())) == (
        request.path
    )


@functools.lru_cache(maxsize=4096)
def _reversed(view_name: str, args: tuple, kwargs: tuple) -> str | None:
    """The canonical path of a view and its arguments (remembered: the URL conf does not change in a process)."""
    try:
        return reverse(view_name, args=args, kwargs=dict(kwargs))
    except NoReverseMatch:
        return None


@functools.cache
def _layout_scopes() -> tuple:
    """The scopes of what the layout adds to every page (its notices): the setting `CACHED_PAGE_LAYOUT_SCOPES` names
    the function that lists them (the project's context processors), so that this module imports no app. Asked once
    per process (and again after a test changes a setting)."""
    from django.utils.module_loading import import_string

    path = getattr(settings, "CACHED_PAGE_LAYOUT_SCOPES", "")
    return tuple(import_string(path)()) if path else ()


@receiver(setting_changed)
def _settings_changed(**kwargs):
    _layout_scopes.cache_clear()


def _signed_in(request) -> bool:
    """Whether the visitor is signed in. Without a session cookie nobody is (the portal's pages know no other
    login), and the session and user are not loaded for the answer."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated


def cache_control() -> str:
    """The Cache-Control of an anonymous cached page (see the module docstring)."""
    shared = math.floor(FRESH_SECONDS - cached_reads._Local.seconds())
    return f"public, max-age=0, s-maxage={shared}" if shared > 0 else "public, no-cache"


def _last_modified(version: str) -> int | None:
    """When the newest of the versions in `version` (a combined version) was set, in whole seconds; None while it
    is too young to be told apart from a later one by a date (see the module docstring), or without a time."""
    times = [cached_reads.version_time(part.partition("=")[2]) for part in version.split("|")]
    if not times or None in times:
        return None
    newest = math.floor(max(times))
    if _now() < newest + 2 + cached_reads._Local.seconds():
        return None
    return newest


#: zlib's level for the stored pages: 5 instead of the default 6 compresses the dashboard (73 KB) in 1.4 instead of
#: 2.2 ms, 2 % larger (21.0 instead of 20.6 KB); every render after a write pays it once (bench/README.md).
GZIP_LEVEL = 5


def _compressed(content: bytes) -> bytes | None:
    """The page gzip-compressed once when it is stored (no time of its own, so the bytes depend on the page only),
    or None when that does not make it smaller."""
    if len(content) < 200:
        return None
    compressed = gzip.compress(content, compresslevel=GZIP_LEVEL, mtime=0)
    return compressed if len(compressed) < len(content) else None


def _accepts_gzip(request) -> bool:
    return _GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")) is not None


def _answer(request, value) -> HttpResponse:
    """The response built from a stored page `(content, content type, compressed content or None)`."""
    content, content_type, compressed = value if len(value) == 3 else (*value, None)
    if compressed is not None and _accepts_gzip(request):
        response = HttpResponse(compressed, content_type=content_type)
        response.headers["Content-Encoding"] = "gzip"
        return response
    return HttpResponse(content, content_type=content_type)


def _validated(request, response, *, key: str, version: str):
    """`response` with the validators and caching headers of an anonymous cached page, or a 304 instead."""
    etag, last_modified, last_modified_header = _validators(version, key)
    etag += '-gz"' if response.headers.get("Content-Encoding") == "gzip" else '"'
    headers = response.headers
    headers["ETag"] = etag
    if last_modified is not None:
        headers["Last-Modified"] = last_modified_header
    headers["Cache-Control"] = cache_control()
    if "Vary" in headers:
        patch_vary_headers(response, VARY)
    else:
        headers["Vary"] = ", ".join(VARY)
    if "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META:
        return get_conditional_response(request, etag=etag, last_modified=last_modified, response=response)
    return response


_VALIDATORS: dict = {}  # (version, key) -> validators, once Last-Modified can be told (then they never change)
_VALIDATORS_MAX = 4096


def _validators(version: str, key: str) -> tuple[str, int | None, str]:
    """The ETag (without its closing quote) and Last-Modified (seconds, header) of a page, remembered per process
    so that a hit costs no hashing or date formatting."""
    found = _VALIDATORS.get((version, key))
    if found is None:
        last_modified = _last_modified(version)
        found = (
            'W/"' + hashlib.blake2b(f"{version}#{key}".encode(), digest_size=16).hexdigest(),
            last_modified,
            "" if last_modified is None else http_date(last_modified),
        )
        if last_modified is not None:
            if len(_VALIDATORS) >= _VALIDATORS_MAX:
                _VALIDATORS.clear()
            _VALIDATORS[(version, key)] = found
    return found


def _private(response):
    patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, VARY)
    return response


def cached_page(scope: cached_reads.Scope, *, params: dict | None = None, timeout: int = PAGE_SECONDS):
    """Decorates a view (`as_view()` of a class with `cache_params`, or a function with `params=`) that reads only
    models `scope` watches and shows nothing personal (no CSRF token: its forms are GETs)."""

    def decorator(view):
        declared = params if params is not None else getattr(getattr(view, "view_class", None), "cache_params", {})

        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if _signed_in(request):
                return _private(view(request, *args, **kwargs))
            if request.method != "GET" or not _canonical_path(request):
                return view(request, *args, **kwargs)
            query = canonical_query(request.GET, declared)
            if query is None:
                return view(request, *args, **kwargs)
            if query != request.GET:
                request.GET = query  # the view renders exactly the page the key names
            digest = hashlib.sha256(f"{request.path}?{query.urlencode()}".encode()).hexdigest()[:32]
            scopes = (scope, *_layout_scopes())
            key = f"page:{scope.name}:{translation.get_language()}:{digest}"
            page = cached_reads.slot(key, scopes)
            if page.fresh:
                return _validated(request, _answer(request, page.value), key=key, version=page.version)
            with cached_reads.verified_reads(page.scopes, what=request.path):
                response = view(request, *args, **kwargs)
                if callable(getattr(response, "render", None)):
                    response.render()
            if response.status_code != 200:
                return response
            stored = (response.content, response["Content-Type"], _compressed(response.content))
            if page.store(stored, timeout=timeout, budget=VARIANTS if query else None):
                if stored[2] is not None and _accepts_gzip(request):
                    response.content = stored[2]
                    response.headers["Content-Encoding"] = "gzip"
                return _validated(request, response, key=key, version=page.version)
            return response

        wrapper.cache_scope = scope
        return wrapper

    return decorator
