"""Reads of the register shared by the public pages, the API and other apps.

`search_gemeinden(query)` is the citizen lookup ("Meine Kommune finden", "Was kann ich online erledigen?"):
other apps may call it; its signature and behaviour are kept stable (see its docstring).
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from common.messages import message

from .models import Organisation
from .text import fold, search_name

Kind = Organisation.Kind

MAX_QUERY_LENGTH = 100
KEY_PATTERN = re.compile(r"^01\d{0,10}$")
SLUG_PATTERN = re.compile(r"^[-a-z0-9_]+$")


@dataclass(frozen=True)
class SearchQuery:
    """A checked search input. `kind` is "plz" (5 digits, not starting with 01), "key" (ARS, AGS or a prefix
    of them: 2–12 digits starting with 01) or "name"; `value` is the digits or the normalised name."""

    kind: str
    value: str
    raw: str


def parse_query(query: str) -> SearchQuery:
    """Checks a search input; raises ValidationError with a German message for input that cannot match."""
    raw = (query or "").strip()
    compact = re.sub(r"[\s.]", "", raw)
    if not raw:
        raise ValidationError(message("organisations.query_empty"))
    if len(raw) > MAX_QUERY_LENGTH:
        raise ValidationError(message("organisations.query_too_long") % {"n": MAX_QUERY_LENGTH}, code="too_long")
    if compact.isdigit():
        if len(compact) == 5 and not compact.startswith("01"):
            return SearchQuery("plz", compact, raw)
        if KEY_PATTERN.match(compact):
            return SearchQuery("key", compact, raw)
        code = "organisations.query_digits" if len(compact) > 12 else "organisations.query_no_key"
        raise ValidationError(message(code) % {"q": raw, "n": len(compact)}, code="malformed_key")
    normalised = search_name(raw) or fold(raw)
    if len(normalised) < 2:
        raise ValidationError(message("organisations.query_too_short"), code="too_short")
    return SearchQuery("name", normalised, raw)


def member_count_subquery():
    """Number of Gemeinden whose Amt is the outer row (a subquery, so it combines with select_related)."""
    members = (
        Organisation.objects.filter(amt=OuterRef("pk")).order_by().values("amt").annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(members, output_field=IntegerField()), Value(0))


def organisation_list() -> QuerySet[Organisation]:
    """Every body with its Kreis, Amt, Verwaltung and parent loaded and `member_count` annotated: the base of
    the API list and the search results. Two queries per page (count and rows), however many rows."""
    return Organisation.objects.with_hierarchy().annotate(member_count=member_count_subquery())


def _ranked(queryset: QuerySet, parsed: SearchQuery) -> QuerySet:
    value = parsed.value
    if parsed.kind == "plz":
        return queryset.filter(postal_code=value).annotate(search_rank=Value(0))
    if parsed.kind == "key":
        own = value.ljust(12, "0")
        matches = Q(ars__startswith=value) | Q(ags=value)
        if len(value) == 5:
            matches |= Q(postal_code=value)
        return queryset.filter(matches).annotate(
            search_rank=Case(
                When(Q(ars=value) | Q(ags=value) | Q(ars=own), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
    raw = parsed.raw
    return queryset.filter(Q(search_name__contains=value) | Q(short_name__iexact=raw) | Q(name__iexact=raw)).annotate(
        search_rank=Case(
            When(Q(search_name=value) | Q(short_name__iexact=raw) | Q(name__iexact=raw), then=Value(0)),
            When(search_name__startswith=value, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    )


def search_bodies(query: str, *, kinds=None, queryset: QuerySet | None = None) -> QuerySet[Organisation]:
    """Bodies matching a name, PLZ (5 digits), AGS (8), ARS (12) or key prefix (2–12 digits, starting with 01).

    Names match case-insensitively, with or without umlauts ("Schoenberg"), and with or without the kind
    ("Stadt Heide", "Heide, Stadt", "Amt Hüttener Berge"). Ranked: exact name or key first, then names
    starting with the query, then names containing it; within a rank the bigger body first, then by name.
    Rows carry `search_rank` (0 exact, 1 prefix, 2 contains). Raises ValidationError for malformed input.
    """
    parsed = query if isinstance(query, SearchQuery) else parse_query(query)
    queryset = organisation_list() if queryset is None else queryset
    if kinds:
        queryset = queryset.filter(kind__in=list(kinds))
    return _ranked(queryset, parsed).order_by("search_rank", "-population", "name", "pk")


def search_gemeinden(query: str) -> QuerySet[Organisation]:
    """The citizen lookup: only Gemeinden (kreisfreie Städte, amtsfreie and amtsangehörige Gemeinden,
    gemeindefreie Gebiete), ranked as in `search_bodies`.

    Stable interface for other apps (OZG "Was kann ich online erledigen?"):
    - `query`: a Gemeinde name, a PLZ (5 digits; the register holds the PLZ of each Gemeinde's
      Verwaltungssitz, so a PLZ shared by several Gemeinden returns all of them), an AGS, an ARS or a key prefix.
    - returns a QuerySet of Organisation with `kreis`, `amt`, `verwaltung` and `parent` loaded (no further
      queries to name them), ordered best match first, each with `search_rank` (0 exact, 1 prefix, 2 contains).
    - raises django.core.exceptions.ValidationError (German message) for malformed input, e.g. "123".
    The Verwaltung that serves a Gemeinde is `gemeinde.verwaltung` (its Amt, or itself), its Kreis `gemeinde.kreis`.
    """
    return search_bodies(query, kinds=Organisation.GEMEINDE_KINDS)


def body_detail(key: str) -> Organisation:
    """One body by ARS (12 digits) or slug, with Kreis, Amt, Verwaltung and parent loaded and `member_count`.

    Raises ValidationError for a malformed key and Organisation.DoesNotExist for an unknown one."""
    key = (key or "").strip()
    if key.isdigit():
        if not re.fullmatch(r"01\d{10}", key):
            raise ValidationError(
                message("organisations.not_an_ars") % {"key": key},
                code="malformed_key",
            )
        return organisation_list().get(ars=key)
    if not SLUG_PATTERN.match(key):
        raise ValidationError(message("organisations.malformed_key") % {"key": key}, code="malformed_key")
    return organisation_list().get(slug=key)


def members_of_amt(amt: Organisation) -> QuerySet[Organisation]:
    """The Gemeinden of an Amt, by name (one query, nothing further to load for a table)."""
    return Organisation.objects.filter(amt=amt).order_by("name")
