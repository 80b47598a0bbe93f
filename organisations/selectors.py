"""Reads of the register shared by the public pages, the API and other apps.

`search_gemeinden(query)` is the citizen lookup ("Meine Kommune finden", "Was kann ich online erledigen?"):
other apps may call it; its signature and behaviour are kept stable (see its docstring). Other apps read the
register through the functions here (`land()`, `gemeinde_by_ars()`, `verwaltung_by_ars()`, `bodies_by_keys()`, ...),
not through `Organisation.objects`: what a lookup loads with a body is decided in one place.
"""

import difflib
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from common.cached_reads import Scope
from common.messages import message
from common.sql import german

from . import keys
from .models import Organisation, PostalCode
from .text import fold, search_name

Kind = Organisation.Kind

MAX_QUERY_LENGTH = 100

#: The register's public pages (the search "Meine Kommune finden"): every committed write to a body or a PLZ replaces
#: the version. "Stand der Daten" also reads the bodies' history (common/stand.py), which changes with them.
REGISTER_READS = Scope(
    "register",
    watches=["organisations.Organisation", "organisations.PostalCode"],
    unshown=["organisations.HistoricalOrganisation"],
)
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
        if keys.is_prefix(compact):
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


def _postal_code_gemeinden(code: str) -> QuerySet:
    """The Gemeinden with this PLZ among all of theirs (data/gebiete/sh_plz.csv), as a subquery."""
    return PostalCode.objects.filter(code=code).values("gemeinde_id")


#: How close a misspelt name must be to count (difflib's ratio): "aschefel" finds "ascheffel", "kil" finds nothing.
FUZZY_CUTOFF = 0.8
FUZZY_MATCHES = 10


def _close_names(queryset: QuerySet, value: str) -> list[str]:
    """The search names of `queryset` closest to `value`, for a name that matches nothing as typed (one query of
    about 1,300 short names, only then)."""
    names = set(queryset.values_list("search_name", flat=True))
    return difflib.get_close_matches(value, names, n=FUZZY_MATCHES, cutoff=FUZZY_CUTOFF)


def _ranked(queryset: QuerySet, parsed: SearchQuery) -> QuerySet:
    value = parsed.value
    if parsed.kind == "plz":
        return queryset.filter(Q(postal_code=value) | Q(pk__in=_postal_code_gemeinden(value))).annotate(
            search_rank=Value(0)
        )
    if parsed.kind == "key":
        own = keys.ars_of_prefix(value)
        matches = Q(ars__startswith=value) | Q(ags=value)
        if len(value) == 5:
            matches |= Q(postal_code=value) | Q(pk__in=_postal_code_gemeinden(value))
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
    found = _ranked(queryset, parsed).order_by("search_rank", "-population", "name", "pk")
    if parsed.kind == "name" and not found.exists():
        # A typo ("Aschefel"): the closest names, ranked after everything typed correctly would be.
        close = _close_names(queryset, parsed.value)
        found = queryset.filter(search_name__in=close).annotate(search_rank=Value(3))
        found = found.order_by("search_rank", "-population", "name", "pk")
    return found


def search_gemeinden(query: str) -> QuerySet[Organisation]:
    """The citizen lookup: only Gemeinden (kreisfreie Städte, amtsfreie and amtsangehörige Gemeinden,
    gemeindefreie Gebiete), ranked as in `search_bodies`.

    Stable interface for other apps (OZG "Was kann ich online erledigen?"):
    - `query`: a Gemeinde name (misspelt too: the closest names when nothing matches as typed), the name of an
      Amt (its Gemeinden), any of a Gemeinde's PLZ (data/gebiete/sh_plz.csv: a PLZ shared by several Gemeinden
      returns all of them), an AGS, an ARS or a key prefix.
    - returns a QuerySet of Organisation with `kreis`, `amt`, `verwaltung` and `parent` loaded (no further
      queries to name them), ordered best match first, each with `search_rank` (0 exact, 1 prefix, 2 contains).
    - raises django.core.exceptions.ValidationError (German message) for malformed input, e.g. "123".
    The Verwaltung that serves a Gemeinde is `gemeinde.verwaltung` (its Amt, or itself), its Kreis `gemeinde.kreis`.
    """
    parsed = query if isinstance(query, SearchQuery) else parse_query(query)
    found = search_bodies(parsed, kinds=Organisation.GEMEINDE_KINDS)
    if parsed.kind == "name":
        # The name of an Amt finds its Gemeinden: "Amt Föhr-Amrum" (named as an Amt: also by its beginning), or
        # "Föhr-Amrum" exactly where no Gemeinde has that name (Amt Achterwehr and Gemeinde Achterwehr: she means
        # the Gemeinde, which comes first).
        named_as_amt = fold(parsed.raw).startswith(("amt ", "kirchspielslandgemeinde "))
        amts = _ranked(Organisation.objects.filter(kind=Organisation.Kind.AMT), parsed)
        amts = amts.filter(search_rank__lte=1 if named_as_amt else 0)
        if amts.exists() and (named_as_amt or not found.filter(search_rank=0).exists()):
            members = organisation_list().filter(amt__in=amts.values("pk")).annotate(search_rank=Value(1))
            return members.order_by("search_rank", "-population", "name", "pk")
    return found


def body_detail(key: str) -> Organisation:
    """One body by ARS (12 digits) or slug, with Kreis, Amt, Verwaltung and parent loaded and `member_count`.

    Raises ValidationError for a malformed key and Organisation.DoesNotExist for an unknown one."""
    key = (key or "").strip()
    if key.isdigit():
        if not keys.is_ars(key):
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
    return Organisation.objects.filter(amt=amt).order_by(german("name"))


def served_by(verwaltung: Organisation) -> QuerySet[Organisation]:
    """The Gemeinden a Verwaltung serves (an Amt: its members; an amtsfreie Gemeinde or kreisfreie Stadt: itself)."""
    return Organisation.objects.filter(verwaltung=verwaltung).gemeinden().order_by(german("name"))


# --- one body or a few, for other apps -------------------------------------------------------------------------


def land() -> Organisation | None:
    """The Land Schleswig-Holstein (None before the register is imported)."""
    return Organisation.objects.filter(ars=keys.LAND_ARS).first()


def body_by_key(key) -> Organisation | None:
    """One body by ARS or slug (surrounding white space ignored); None for an unknown or malformed key."""
    key = key.strip() if isinstance(key, str) else ""
    if keys.is_ars(key):
        return Organisation.objects.filter(ars=key).first()
    if SLUG_PATTERN.match(key):
        return Organisation.objects.filter(slug=key).first()
    return None


def body_by_id(pk: int) -> Organisation | None:
    return Organisation.objects.filter(pk=pk).first()


def bodies_by_keys(arses=(), ids=()) -> list[Organisation]:
    """The bodies with these ARS or ids, each with the Verwaltung that serves it loaded (one query)."""
    arses, ids = set(arses), set(ids)
    if not arses and not ids:
        return []
    return list(Organisation.objects.filter(Q(ars__in=arses) | Q(pk__in=ids)).select_related("verwaltung"))


def gemeinde_by_ars(ars: str) -> Organisation | None:
    """The Gemeinde of the citizen lookup, with her Kreis, Amt and Verwaltung loaded; None if `ars` is none."""
    if not keys.is_ars(ars):
        return None
    return Organisation.objects.gemeinden().select_related("kreis", "verwaltung", "amt").filter(ars=ars).first()


def verwaltung_by_ars(ars: str) -> Organisation | None:
    """A Verwaltung or the Land by its ARS (the bodies that hold an OZG status); None otherwise."""
    if not keys.is_ars(ars):
        return None
    return Organisation.objects.verwaltungen_and_land().filter(ars=ars).first()


def verwaltungen_and_land() -> QuerySet[Organisation]:
    return Organisation.objects.verwaltungen_and_land()


def verwaltungen() -> QuerySet[Organisation]:
    return Organisation.objects.verwaltungen()


def kreisebene() -> QuerySet[Organisation]:
    """Kreise and kreisfreie Städte, by name."""
    return Organisation.objects.kreisebene().order_by(german("name"))


def peers(body: Organisation, *, population: tuple[int, int]) -> QuerySet[Organisation]:
    """Bodies of the same kind with `population[0] <= population < population[1]` (a size class)."""
    low, high = population
    return Organisation.objects.filter(kind=body.kind, population__gte=low, population__lt=high)


def prefix_below(body: Organisation) -> str | None:
    """The key prefix of everything below a Kreis or kreisfreie Stadt (5 digits) or an Amt (9 digits); None for
    other bodies."""
    if body.ars and body.kind in Organisation.KREISEBENE_KINDS:
        return keys.kreis_key(body.ars)
    if body.ars and body.kind == Kind.AMT:
        return keys.verband_key(body.ars)
    return None


def bodies_with_ars() -> QuerySet[Organisation]:
    """Every territorial body with its ARS (for loaders that resolve many keys at once)."""
    return Organisation.objects.filter(ars__isnull=False)


def gemeinden_with_parents() -> QuerySet[Organisation]:
    """Every Gemeinde with her Kreis, Amt and Verwaltung loaded, by ARS."""
    return Organisation.objects.gemeinden().select_related("kreis", "verwaltung", "amt").order_by("ars")
