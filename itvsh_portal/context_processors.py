from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

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


def _navigation(current_path: str) -> list[dict]:
    items = []
    for label, name in NAVIGATION:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        active = current_path == url if url == "/" else current_path.startswith(url)
        items.append({"label": label, "url": url, "active": active})
    return items


def portal(request):
    return {
        "portal_name": settings.PORTAL_NAME,
        "portal_operator": settings.PORTAL_OPERATOR,
        "navigation": _navigation(request.path),
    }
