"""The public pages' shared vocabulary: one name for the page parameter, one for the export, one pagination, one
breadcrumb trail.

URL vocabulary. Every public list page takes

- `seite` for its page number (`?seite=2`): most public pages used it already (the register's search, the citizen
  lookup, the OZG lists), and the public URLs are German (`/kommunen/`, `/online-erledigen/`);
- `export=csv` for the CSV download of what it lists: `format` is the API's renderer switch (DRF's `?format=json`),
  and FilterSets are shared by pages and API, so pages keep clear of that name.

The old names (`page`, `format`) answer 301 with the new URL (`RenamedParamsMiddleware`), before any page cache, so
that bookmarks and links keep working while the cache keys only the new names. The API (`/api/`: DRF's `page` and
`page_size`, the federal format's `page`, `size`, `order`) and the admin are exempt (`PUBLIC_URL_EXEMPT_PREFIXES`).

Pagination. `page_of(request, items, per_page)` reads `seite`; the one partial `includes/pagination.html` writes it
with `{% querystring %}` (the other parameters of the page stay as they are).

Breadcrumbs. `breadcrumbs((label, url), ..., (label, ""))`: the trail from the start page to the current page
(always led by "Startseite"), shown by `includes/breadcrumbs.html` from `base.html`.
"""

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils.encoding import escape_uri_path
from django.utils.translation import gettext as _

PAGE = "seite"
EXPORT = "export"
CSV = "csv"
#: Old parameter names of public pages and their new ones.
RENAMED = {"page": PAGE, "format": EXPORT}
EXEMPT_PREFIXES = ("/api/", "/admin/")


def page_of(request, items, per_page: int) -> Page:
    """The page of `items` that `?seite=` asks for (the first for a missing or malformed number, the last beyond
    the end)."""
    return Paginator(items, per_page).get_page(request.GET.get(PAGE))


def wants_csv(request) -> bool:
    """True when the page is asked for its CSV download (`?export=csv`)."""
    return request.GET.get(EXPORT) == CSV


def renamed_query(query):
    """`query` with the old names replaced by the new ones (a new name given as well wins), or None when it has
    no old name."""
    if not any(old in query for old in RENAMED):
        return None
    renamed = query.copy()
    for old, new in RENAMED.items():
        values = renamed.pop(old, None)
        if values is not None and new not in renamed:
            renamed.setlist(new, values)
    return renamed


class RenamedParamsMiddleware:
    """Answers a GET or HEAD of a public page that uses an old parameter name with 301 to the URL with the new one
    (`/kooperationen/?page=2&format=csv` → `/kooperationen/?seite=2&export=csv`)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.exempt = tuple(getattr(settings, "PUBLIC_URL_EXEMPT_PREFIXES", EXEMPT_PREFIXES))

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and not request.path.startswith(self.exempt):
            renamed = renamed_query(request.GET)
            if renamed is not None:
                query = renamed.urlencode()
                return HttpResponsePermanentRedirect(escape_uri_path(request.path) + (f"?{query}" if query else ""))
        return self.get_response(request)


def breadcrumbs(*trail) -> list[dict]:
    """The trail of a page for `includes/breadcrumbs.html`: "Startseite", then each (label, url); the last pair
    is the current page (its url is not linked and may be empty)."""
    return [{"label": _("Startseite"), "url": reverse("home")}, *({"label": label, "url": url} for label, url in trail)]
