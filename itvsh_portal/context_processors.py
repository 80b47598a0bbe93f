"""Context for every page rendered with base.html: the portal's identity, the main navigation and notices.

`portal_notices` is a list of dicts shown above the content of every public page (e.g. the OZG app's
"Beispieldaten" notice while demo data are loaded). Each notice has
  - `level`: "info", "success", "warning" or "danger" (KERN alert variants; anything else becomes "info"),
  - `text`: plain text (escaped on output),
  - `title` (optional): a short heading; a German default per level is used when missing.
Apps contribute notices through functions named (dotted path) in the setting PORTAL_NOTICE_PROVIDERS; each is
called with the request and returns an iterable of such dicts. Providers should be cheap (a cached lookup).

Cached pages (common/page_cache.py) contain the notices, so each provider names the cached-read scopes its
notices depend on as `cache_scopes` (a tuple of `common.cached_reads.Scope`; empty for fixed notices): a cached page
is replaced when any of them changes. A cached page refuses a provider without `cache_scopes`.
"""

from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from common import stand

# The main navigation. A section whose app has not registered its page yet is left out.
NAVIGATION = [
    (_("Startseite"), "home"),
    (_("Meine Kommune finden"), "organisations:search"),
    (_("Online erledigen"), "ozg_monitoring:lookup"),
    (_("OZG-Dashboard"), "ozg_monitoring:dashboard"),
    (_("Kooperationen"), "cooperations:list"),
    (_("Finanzierung"), "funding:overview"),
    (_("Offene Daten"), "opendata:index"),
]

NOTICE_TITLES = {
    "info": _("Hinweis"),
    "success": _("Erledigt"),
    "warning": _("Achtung"),
    "danger": _("Fehler"),
}


def _in_section(path: str, url: str) -> bool:
    return path == url if url == "/" else path.startswith(url)


def navigation_items(current_path: str) -> list[dict]:
    """The navigation entries; exactly one is active where the path lies in a section: the one with the longest
    URL the path starts with (/ozg/online-erledigen/ is "Online erledigen", not also the dashboard at /ozg/), and
    the home page only on itself."""
    items = []
    for label, name in NAVIGATION:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "active": False, "name": name})
    matching = [item for item in items if _in_section(current_path, item["url"])]
    if matching:
        max(matching, key=lambda item: len(item["url"]))["active"] = True
    return items


@cache
def _notice_providers(paths: tuple[str, ...]) -> list:
    return [import_string(path) for path in paths]


def notice_scopes() -> tuple:
    """The cached-read scopes of every notice provider (see the module docstring)."""
    scopes = []
    for provider in _notice_providers(tuple(getattr(settings, "PORTAL_NOTICE_PROVIDERS", ()))):
        declared = getattr(provider, "cache_scopes", None)
        if declared is None:
            raise ImproperlyConfigured(
                f"The notice provider {provider.__module__}.{provider.__qualname__} declares no `cache_scopes`: "
                "cached pages could not tell when its notices change."
            )
        scopes.extend(declared)
    return tuple(scopes)


def normalise_notice(notice: dict) -> dict:
    level = notice.get("level", "info")
    if level not in NOTICE_TITLES:
        level = "info"
    return {"level": level, "text": notice.get("text", ""), "title": notice.get("title") or NOTICE_TITLES[level]}


def _notices(request) -> list[dict]:
    paths = tuple(getattr(settings, "PORTAL_NOTICE_PROVIDERS", ()))
    notices = []
    for provider in _notice_providers(paths):
        notices.extend(normalise_notice(notice) for notice in provider(request) or ())
    return notices


def portal(request):
    return {
        "portal_name": settings.PORTAL_NAME,
        "portal_operator": settings.PORTAL_OPERATOR,
        "navigation": navigation_items(request.path),
        # Lazy: only pages that render the notices (the public layout) ask the providers.
        "portal_notices": SimpleLazyObject(lambda: _notices(request)),
        # Lazy too: "Stand der Daten" of the page's domain (common/stand.py), read only where a page shows it.
        "stand": SimpleLazyObject(lambda: stand.for_request(request) or stand.Stand(None)),
    }
