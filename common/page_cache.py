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
"""

import functools
import hashlib
import re

from django.http import HttpResponse, QueryDict
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from common import cached_reads

#: How long a page without parameters stays cached at most (it is replaced at once by any write it depends on).
PAGE_SECONDS = 6 * 3600
#: New cached variants (pages with parameters) per hour, over all cached pages; each lives an hour at most.
VARIANT_LIMIT = 1000
VARIANTS = cached_reads.Budget("page-variants", limit=VARIANT_LIMIT, window=3600)


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
    try:
        return match is not None and reverse(match.view_name, args=match.args, kwargs=match.kwargs) == request.path
    except NoReverseMatch:
        return False


def _layout_scopes() -> tuple:
    """The scopes of what the layout adds to every page (its notices): the setting `CACHED_PAGE_LAYOUT_SCOPES` names
    the function that lists them (the project's context processors), so that this module imports no app."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    path = getattr(settings, "CACHED_PAGE_LAYOUT_SCOPES", "")
    return tuple(import_string(path)()) if path else ()


def cached_page(scope: cached_reads.Scope, *, params: dict | None = None, timeout: int = PAGE_SECONDS):
    """Decorates a view (`as_view()` of a class with `cache_params`, or a function with `params=`) that reads only
    models `scope` watches and shows nothing personal (no CSRF token: its forms are GETs)."""

    def decorator(view):
        declared = params if params is not None else getattr(getattr(view, "view_class", None), "cache_params", {})

        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method != "GET" or request.user.is_authenticated or not _canonical_path(request):
                return view(request, *args, **kwargs)
            query = canonical_query(request.GET, declared)
            if query is None:
                return view(request, *args, **kwargs)
            if query != request.GET:
                request.GET = query  # the view renders exactly the page the key names
            digest = hashlib.sha256(f"{request.path}?{query.urlencode()}".encode()).hexdigest()[:32]
            scopes = (scope, *_layout_scopes())
            page = cached_reads.slot(f"page:{scope.name}:{translation.get_language()}:{digest}", scopes)
            if page.fresh:
                content, content_type = page.value
                return HttpResponse(content, content_type=content_type)
            with cached_reads.verified_reads(page.scopes, what=request.path):
                response = view(request, *args, **kwargs)
                if callable(getattr(response, "render", None)):
                    response.render()
            if response.status_code == 200:
                page.store(
                    (response.content, response["Content-Type"]), timeout=timeout, budget=VARIANTS if query else None
                )
            return response

        wrapper.cache_scope = scope
        return wrapper

    return decorator
