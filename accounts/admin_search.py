"""Search across the admin (/admin/suche/?q=): one box for bodies, Leistungen, LeiKa keys, agreements, budget
lines, statuses and API tokens.

Each kind (`KINDS`) is searched exactly as its change list searches: the model admin's own queryset
(`get_queryset(request)`, so a Kommune user finds only its own Verwaltungen' rows) and its `search_fields`
(`get_search_results`: names, ARS/AGS, OZG-ID, LeiKa key, slug, token prefix, as each admin declares them).
A kind the user may not view is not searched. Each kind shows at most `PER_KIND` results and, where there are
more, "weitere …" links to its change list with the same search, which shows all of them. One query per
searched kind, whatever the amount of data (tests/accounts/test_admin_search.py pins it).
"""

from dataclasses import dataclass

from django.apps import apps
from django.contrib.admin.utils import quote
from django.db.models import Exists, OuterRef
from django.urls import reverse

from .start_page import changelist_url

PER_KIND = 10
#: Longest search accepted (a longer one is cut; nothing the admin's fields hold is longer).
MAX_QUERY_LENGTH = 100

#: The kinds searched, in the order shown: "app_label.ModelName".
KINDS = [
    "organisations.Organisation",
    "ozg_monitoring.OzgLeistung",
    "ozg_monitoring.LeikaLeistung",
    "ozg_monitoring.RolloutStatus",
    "cooperations.Agreement",
    "funding.BudgetLine",
    "accounts.ApiToken",
]


@dataclass(frozen=True)
class Hit:
    label: str
    url: str


@dataclass(frozen=True)
class KindResult:
    title: str
    hits: list[Hit]
    more_url: str  # the change list with the same search; "" when every hit is shown


def clean_query(raw: str) -> str:
    """The search as typed, without surrounding space and the "…" that the admin shows after a token prefix."""
    return (raw or "").strip().replace("…", "").strip()[:MAX_QUERY_LENGTH]


def searchable_admins(request, site):
    """The model admins of KINDS that the user may view and that have search fields, in order."""
    for label in KINDS:
        model_admin = site._registry.get(apps.get_model(label))
        if model_admin is None or not model_admin.get_search_fields(request):
            continue
        if model_admin.has_view_permission(request):
            yield model_admin


def _select_related(model_admin, request, queryset):
    related = model_admin.get_list_select_related(request)
    if related is True:
        return queryset.select_related()
    return queryset.select_related(*related) if related else queryset


def search_kind(model_admin, request, query: str) -> KindResult:
    queryset = model_admin.get_queryset(request)
    found, may_have_duplicates = model_admin.get_search_results(request, queryset, query)
    if may_have_duplicates:  # as Django's change list does it: each row once, without DISTINCT
        found = queryset.filter(Exists(found.filter(pk=OuterRef("pk"))))
    ordering = model_admin.get_ordering(request) or model_admin.model._meta.ordering or ["pk"]
    rows = list(_select_related(model_admin, request, found).order_by(*ordering, "pk")[: PER_KIND + 1])
    opts = model_admin.model._meta
    change = f"admin:{opts.app_label}_{opts.model_name}_change"
    site_name = model_admin.admin_site.name
    hits = [Hit(str(row), reverse(change, args=[quote(row.pk)], current_app=site_name)) for row in rows[:PER_KIND]]
    more_url = changelist_url(model_admin, q=query) if len(rows) > PER_KIND else ""
    return KindResult(str(opts.verbose_name_plural), hits, more_url)


def admin_search(request, site, query: str) -> list[KindResult]:
    """The kinds with at least one hit, in the order of KINDS (nothing for an empty search)."""
    if not query:
        return []
    results = (search_kind(model_admin, request, query) for model_admin in searchable_admins(request, site))
    return [result for result in results if result.hits]
