"""Public pages of the register: "Meine Kommune finden" (/kommunen/) and one page per body (/kommunen/<key>/)."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common import page_cache
from common.csvfiles import SPREADSHEET, csv_download
from common.pages import EXPORT, PAGE, breadcrumbs, page_of, wants_csv
from common.sql import german
from common.stand import REGISTER, stand_of

from . import maps
from .filters import OrganisationFilter
from .models import Organisation
from .related import related_sections
from .selectors import MAX_QUERY_LENGTH, REGISTER_READS, body_detail, members_of_amt, organisation_list

Kind = Organisation.Kind
PAGE_SIZE = 25

# The "Art" choices of the search form, each a group of kinds.
KIND_GROUPS = {
    "gemeinde": (gettext_lazy("Gemeinden und Städte"), Organisation.GEMEINDE_KINDS),
    "amt": (gettext_lazy("Ämter"), (Kind.AMT,)),
    "kreis": (gettext_lazy("Kreise und kreisfreie Städte"), Organisation.KREISEBENE_KINDS),
    "stelle": (
        gettext_lazy("Land, Behörden, Verbände und Kammern"),
        (Kind.LAND, Kind.LANDESBEHOERDE, Kind.ANSTALT, Kind.KOMMUNALER_LANDESVERBAND, Kind.KAMMER, Kind.SONSTIGE),
    ),
}
SORTS = {
    "": (gettext_lazy("beste Treffer zuerst"), None),
    "name": (gettext_lazy("Name (A–Z)"), ("name", "pk")),
    "einwohner": (gettext_lazy("Einwohner (meiste zuerst)"), ("-population", "name", "pk")),
    "schluessel": (gettext_lazy("Regionalschlüssel"), ("ars", "slug")),
}
CSV_COLUMNS = (
    ("name", gettext_lazy("Name")),
    ("kind", gettext_lazy("Art")),
    ("ars", gettext_lazy("ARS")),
    ("ags", gettext_lazy("AGS")),
    ("kreis", gettext_lazy("Kreis")),
    ("amt", gettext_lazy("Amt")),
    ("verwaltung", gettext_lazy("Verwaltung")),
    ("postal_code", gettext_lazy("PLZ")),
    ("population", gettext_lazy("Einwohner")),
    ("area_km2", gettext_lazy("Fläche (km²)")),
    ("territory_as_of", gettext_lazy("Gebietsstand")),
)


def search(request):
    """The search page, cached for anonymous visitors by its canonical parameters (`SEARCH_PARAMS`) in the scope
    `REGISTER_READS`; the CSV download (`export`) is rendered every time, with its own headers."""
    if request.GET.get(EXPORT):
        return _search(request)
    return _cached_search(request)


def _search(request):
    """ "Meine Kommune finden": by name, PLZ or key (`q`), optionally by kind group (`art`), sorted (`sortierung`).

    A unique exact match (one body whose name or key equals the input) leads straight to its page, unless the
    list is asked for (`liste=1`, e.g. by a later page or the CSV export)."""
    query = request.GET.get("q", "").strip()
    group = request.GET.get("art", "")
    sort = request.GET.get("sortierung", "")
    errors = {}
    if group and group not in KIND_GROUPS:
        errors["art"] = _("Unbekannte Art „%(value)s“.") % {"value": group}
    if sort not in SORTS:
        errors["sortierung"] = _("Unbekannte Sortierung „%(value)s“.") % {"value": sort}
    searched = bool(query or group)

    page = None
    results = Organisation.objects.none()
    if searched and not errors:
        data = {"search": query} if query else {}
        if group:
            data["kind"] = list(KIND_GROUPS[group][1])
        filterset = OrganisationFilter(data=data, queryset=organisation_list().order_by("kind", german("name"), "pk"))
        if filterset.is_valid():
            results = filterset.qs
            if SORTS[sort][1]:
                results = results.order_by(*SORTS[sort][1])
            wants_list = request.GET.get("liste") or request.GET.get(PAGE) or request.GET.get(EXPORT)
            if query and not wants_list and SORTS[sort][1]:
                exact = list(results.filter(search_rank=0)[:2])
                if len(exact) == 1:
                    return redirect(exact[0].get_absolute_url())
            if wants_csv(request):
                return _csv_response(results)
            page = page_of(request, results, PAGE_SIZE)
            if query and not wants_list and not SORTS[sort][1]:
                # Best matches first: exact matches (rank 0) lead the first page, so it tells without a query of
                # its own whether exactly one body matches exactly.
                exact = [body for body in list(page)[:2] if body.search_rank == 0]
                if len(exact) == 1:
                    return redirect(exact[0].get_absolute_url())
        else:
            errors.update(
                {"q" if name == "search" else name: " ".join(msgs) for name, msgs in filterset.errors.items()}
            )

    context = {
        "query": query,
        "group": group,
        "sort": sort,
        "groups": [(value, label) for value, (label, _kinds) in KIND_GROUPS.items()],
        "sorts": [(value, label) for value, (label, _order) in SORTS.items()],
        "errors": errors,
        "searched": searched,
        "page": page,
        "kreise": [] if searched else organisation_list().kreisebene().order_by(german("name")),
        "breadcrumbs": breadcrumbs((_("Meine Kommune finden"), "")),
    }
    return render(request, "organisations/search.html", context, status=400 if errors else 200)


#: The parameters of the search page in canonical form (the page cache keys only these; `export` is never cached).
SEARCH_PARAMS = {
    "q": page_cache.Text(max_length=MAX_QUERY_LENGTH),
    "art": page_cache.Choice(KIND_GROUPS),
    "sortierung": page_cache.Choice([value for value in SORTS if value]),
    "liste": page_cache.Choice(["1"]),
    PAGE: page_cache.Integer(digits=4),
}
_cached_search = page_cache.cached_page(REGISTER_READS, params=SEARCH_PARAMS)(_search)


def _csv_response(results) -> HttpResponse:
    response, writer = csv_download("kommunen.csv", dialect=SPREADSHEET, stand=stand_of(REGISTER))
    writer.writerow([str(label) for _name, label in CSV_COLUMNS])
    for body in results:
        writer.writerow(
            [
                body.name,
                body.get_kind_display(),
                body.ars or "",
                body.ags or "",
                body.kreis.name if body.kreis_id else "",
                body.amt.name if body.amt_id else "",
                body.verwaltung.name if body.verwaltung_id else "",
                body.postal_code,
                "" if body.population is None else body.population,
                "" if body.area_km2 is None else body.area_km2,
                body.territory_as_of.isoformat() if body.territory_as_of else "",
            ]
        )
    return response


def locator_for(body: Organisation):
    """The small map of a body's page, or None for bodies without territory."""
    if not body.is_territorial:
        return None
    title = _("Lage: %(name)s") % {"name": body.display_name}
    if body.kind == Kind.LAND:
        keys, layer = list(maps.load_layer("kreise")), "kreise"
        description = _("Karte Schleswig-Holsteins mit seinen Kreisen und kreisfreien Städten.")
    elif body.kind in Organisation.KREISEBENE_KINDS:
        keys, layer = [body.kreis_key], "kreise"
        description = _("Karte Schleswig-Holsteins; hervorgehoben: %(name)s.") % {"name": body.display_name}
    elif body.kind == Kind.AMT:
        keys, layer = [body.verband_key], "verbaende"
        description = _("Karte Schleswig-Holsteins mit den Kreisgrenzen; hervorgehoben: %(name)s im Kreis %(kreis)s.")
    else:
        keys, layer = [body.ars], "gemeinden"
        description = _("Karte Schleswig-Holsteins mit den Kreisgrenzen; hervorgehoben: %(name)s im Kreis %(kreis)s.")
    description = description % {"name": body.display_name, "kreis": body.kreis.name if body.kreis_id else ""}
    return maps.locator_map(highlight_keys=keys, layer=layer, title=title, description=description)


def detail(request, key):
    """One body: kind, Kreis, Amt, Verwaltung, members (Amt) or Ämter and Gemeinden (Kreis), figures, map, and
    the sections other apps add through organisations.related (`related_sections`)."""
    try:
        body = body_detail(key)
    except (ValidationError, Organisation.DoesNotExist):
        raise Http404(_("Keine Stelle mit dem Schlüssel „%(key)s“.") % {"key": key}) from None

    members = list(members_of_amt(body)) if body.kind == Kind.AMT else []
    children = []
    if body.kind in (Kind.LAND, Kind.KREIS):
        children = list(organisation_list().filter(parent=body).territorial().order_by("kind", german("name")))
    trail = [(_("Meine Kommune finden"), reverse("organisations:search"))]
    if body.kreis_id and body.kreis_id != body.pk:
        trail.append((body.kreis.display_name, body.kreis.get_absolute_url()))
    if body.amt_id:
        trail.append((body.amt.display_name, body.amt.get_absolute_url()))
    trail.append((body.display_name, ""))
    context = {
        "body": body,
        "members": members,
        "members_population": sum(m.population or 0 for m in members),
        "children": children,
        "map_svg": locator_for(body),
        "related_sections": related_sections(body, request),
        "breadcrumbs": breadcrumbs(*trail),
    }
    return render(request, "organisations/detail.html", context)
