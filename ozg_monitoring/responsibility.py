"""Who is responsible for a Leistung where a citizen lives: `responsible_for()` resolves it in one place.

Resolution for a Gemeinde, a Leistung and optionally one of its LeiKa-Leistungen, most specific first:

1. an exception (`ZustaendigkeitAusnahme`) for her Gemeinde, else for her Amt, else for her Kreis (an exception for
   the LeiKa-Leistung before one for the whole OZG-Leistung in the same area);
2. the LeiKa row of the default table (`Zustaendigkeit` with the LeiKa-Leistung);
3. the whole-Leistung row (`Zustaendigkeit` without LeiKa-Leistung);
4. the Leistung's own level, if it is trusted: set from a source, by staff, or derived from the LeiKa types and
   confirmed by the check (`TRUSTED_LEVEL_SOURCES`);
5. else unknown: the Zuständigkeit is not recorded, and the offices to ask are her Amt (or amtsfreie Gemeinde)
   and her Kreis. Nothing is guessed.

For a whole OZG-Leistung (`leika=None`) the answer is `LeistungResponsibility`: the main responsibility (the
whole-Leistung row, or the LeiKa rows where they all agree) and the LeiKa rows that differ from it (`parts`, e.g.
BAföG: Studierende at the Land, Schüler at the Kreis). `responsibilities_for()` answers many Leistungen for one
Gemeinde with a fixed number of queries (three, however many Leistungen)."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from organisations import selectors as register
from organisations.models import Organisation

from .models import (
    ExecutingLevel,
    LeikaLeistung,
    OzgLeistung,
    Zustaendigkeit,
    ZustaendigkeitAusnahme,
)

Kind = Organisation.Kind
LevelSource = OzgLeistung.LevelSource
#: A Leistung's own level counts only when it comes from one of these (not merely derived, not the demo).
TRUSTED_LEVEL_SOURCES = (LevelSource.SOURCED, LevelSource.MANUAL, LevelSource.CHECKED)


@dataclass
class Responsibility:
    """Who handles a Leistung (or one LeiKa-Leistung) for the people of one Gemeinde, and why."""

    level: str = ExecutingLevel.UNCLASSIFIED
    verwaltung: Organisation | None = None  # the Land, the Kreis, the Amt or amtsfreie Gemeinde, a town; None: Bund
    office: str = ""
    basis: str = ""
    source_url: str = ""
    source_title: str = ""
    source_date: str = ""
    checked_on: object = None
    evidence: str = ""
    note: str = ""
    is_exception: bool = False
    unknown: bool = False
    ask: list = field(default_factory=list)  # unknown: the offices to ask (her Amt/amtsfreie Gemeinde, her Kreis)
    leika: LeikaLeistung | None = None
    origin: str = ""  # "ausnahme", "leika", "leistung", "ebene" or "" (unknown)

    @property
    def is_bund(self) -> bool:
        return self.level == ExecutingLevel.BUND

    @property
    def level_label(self) -> str:
        return ExecutingLevel(self.level).label

    @property
    def verwaltung_name(self) -> str:
        return self.verwaltung.display_name if self.verwaltung is not None else ""

    def same_place(self, other: "Responsibility") -> bool:
        """Handled by the same Verwaltung (or both by the Bund) at the same level, with the same office."""
        return (
            self.level == other.level
            and getattr(self.verwaltung, "pk", None) == getattr(other.verwaltung, "pk", None)
            and self.office == other.office
            and not self.unknown
            and not other.unknown
        )


@dataclass
class LeistungResponsibility:
    """The answer for a whole OZG-Leistung: `main` (None where the LeiKa rows differ) and the LeiKa `parts` that
    differ from it."""

    leistung: OzgLeistung
    main: Responsibility | None
    parts: list = field(default_factory=list)

    @property
    def is_split(self) -> bool:
        return bool(self.parts)

    @property
    def verwaltungen(self) -> list:
        """Every Verwaltung named (main first): the ones whose status counts."""
        found = []
        for entry in [self.main, *self.parts]:
            if entry is not None and entry.verwaltung is not None and entry.verwaltung not in found:
                found.append(entry.verwaltung)
        return found


@dataclass
class Rules:
    """The rows that decide the Leistungen asked about, loaded once."""

    land: Organisation | None
    defaults: dict  # leistung_id -> {leika_id or None: Zustaendigkeit}
    exceptions: dict  # (leistung_id, leika_id or None, area_id) -> ZustaendigkeitAusnahme


def load_rules(leistungen, *, areas=None) -> Rules:
    """Two queries for the default rows and exceptions of `leistungen` (only exceptions in `areas` if given) and
    one for the Land."""
    ids = [leistung.pk for leistung in leistungen]
    defaults: dict = {}
    for row in Zustaendigkeit.objects.filter(leistung_id__in=ids).select_related("leika").order_by("leika__key"):
        defaults.setdefault(row.leistung_id, {})[row.leika_id] = row
    exceptions = ZustaendigkeitAusnahme.objects.filter(leistung_id__in=ids).select_related("leika", "handled_by")
    if areas is not None:
        exceptions = exceptions.filter(area_id__in=[area.pk for area in areas])
    return Rules(
        land=register.land(),
        defaults=defaults,
        exceptions={(row.leistung_id, row.leika_id, row.area_id): row for row in exceptions},
    )


def areas_of(gemeinde: Organisation) -> list:
    """Her Gemeinde, her Amt, her Kreis: most specific first (a kreisfreie Stadt is all of them at once)."""
    chain = []
    for org in (gemeinde, gemeinde.amt if gemeinde.amt_id else None, gemeinde.kreis if gemeinde.kreis_id else None):
        if org is not None and org not in chain:
            chain.append(org)
    return chain


def gemeinde_verwaltung(gemeinde: Organisation) -> Organisation:
    """Her Amt, or she herself when amtsfrei or kreisfrei."""
    return gemeinde.verwaltung if gemeinde.verwaltung_id else gemeinde


def gemeinde_kreis(gemeinde: Organisation) -> Organisation | None:
    return gemeinde if gemeinde.kind == Kind.KREISFREIE_STADT else gemeinde.kreis


def offices_to_ask(gemeinde: Organisation) -> list:
    """Where to ask when the Zuständigkeit is not recorded: her Amt (or amtsfreie Gemeinde) and her Kreis."""
    found = []
    for org in (gemeinde_verwaltung(gemeinde), gemeinde_kreis(gemeinde)):
        if org is not None and org not in found:
            found.append(org)
    return found


def verwaltung_of_level(gemeinde: Organisation, level: str, land: Organisation | None) -> Organisation | None:
    """The Verwaltung that executes a Leistung of `level` for the people of `gemeinde`: the Land, her Kreis (a
    kreisfreie Stadt is its own Kreis) or her Amt (or herself when amtsfrei). Bund and unclassified: None."""
    if level == ExecutingLevel.LAND:
        return land
    if level == ExecutingLevel.KREIS:
        return gemeinde_kreis(gemeinde)
    if level == ExecutingLevel.AMT_GEMEINDE:
        return gemeinde_verwaltung(gemeinde)
    return None


def _from_row(row, *, gemeinde, land, origin, leika=None) -> Responsibility:
    is_exception = isinstance(row, ZustaendigkeitAusnahme)
    verwaltung = row.handled_by if is_exception and row.handled_by_id else None
    if verwaltung is None:
        verwaltung = verwaltung_of_level(gemeinde, row.level, land)
    return Responsibility(
        level=row.level,
        verwaltung=verwaltung,
        office=row.office,
        basis=row.basis,
        source_url=row.source_url,
        source_title=row.source_title,
        source_date=row.source_date,
        checked_on=row.checked_on,
        evidence=row.evidence,
        note=row.note,
        is_exception=is_exception,
        leika=leika if leika is not None else row.leika,
        origin=origin,
    )


def _unknown(gemeinde, leika=None) -> Responsibility:
    return Responsibility(unknown=True, ask=offices_to_ask(gemeinde), leika=leika)


def _resolve(gemeinde, leistung, leika, rules: Rules, chain) -> Responsibility:
    leika_id = leika.pk if leika is not None else None
    for area in chain:
        for key in (leika_id, None) if leika_id is not None else (None,):
            row = rules.exceptions.get((leistung.pk, key, area.pk))
            if row is not None:
                return _from_row(row, gemeinde=gemeinde, land=rules.land, origin="ausnahme", leika=leika)
    rows = rules.defaults.get(leistung.pk, {})
    if leika_id is not None and leika_id in rows:
        return _from_row(rows[leika_id], gemeinde=gemeinde, land=rules.land, origin="leika")
    if None in rows:
        return _from_row(rows[None], gemeinde=gemeinde, land=rules.land, origin="leistung", leika=leika)
    if leistung.level != ExecutingLevel.UNCLASSIFIED and leistung.level_source in TRUSTED_LEVEL_SOURCES:
        return Responsibility(
            level=leistung.level,
            verwaltung=verwaltung_of_level(gemeinde, leistung.level, rules.land),
            note=str(leistung.get_level_source_display()),
            leika=leika,
            origin="ebene",
        )
    return _unknown(gemeinde, leika)


def _for_leistung(gemeinde, leistung, rules: Rules, chain) -> LeistungResponsibility:
    rows = rules.defaults.get(leistung.pk, {})
    parts = [_resolve(gemeinde, leistung, row.leika, rules, chain) for leika_id, row in rows.items() if leika_id]
    if None in rows or not parts:
        main = _resolve(gemeinde, leistung, None, rules, chain)
    elif all(part.same_place(parts[0]) for part in parts):
        main = parts[0]
    else:
        main = None
    differing = [part for part in parts if main is None or not part.same_place(main)]
    return LeistungResponsibility(leistung=leistung, main=main, parts=differing)


def responsibilities_for(gemeinde: Organisation, leistungen, rules: Rules | None = None) -> dict:
    """{leistung pk: LeistungResponsibility} for the people of `gemeinde` (three queries for any number)."""
    leistungen = list(leistungen)
    chain = areas_of(gemeinde)
    rules = rules or load_rules(leistungen, areas=chain)
    return {leistung.pk: _for_leistung(gemeinde, leistung, rules, chain) for leistung in leistungen}


def responsible_for(
    gemeinde: Organisation, leistung: OzgLeistung, leika: LeikaLeistung | None = None, *, rules: Rules | None = None
):
    """Who handles `leistung` (or its LeiKa-Leistung `leika`) for the people of `gemeinde`: a `Responsibility`
    for a LeiKa-Leistung, a `LeistungResponsibility` for the whole OZG-Leistung. A caller asking for many pairs
    passes `rules` (`load_rules(leistungen)`, loaded once) and `gemeinde` with `amt` and `kreis` loaded: no query."""
    chain = areas_of(gemeinde)
    rules = rules or load_rules([leistung], areas=chain)
    if leika is not None:
        return _resolve(gemeinde, leistung, leika, rules, chain)
    return _for_leistung(gemeinde, leistung, rules, chain)


def executing_verwaltungen(leistungen) -> dict:
    """{leistung pk: set of Verwaltung ids} that execute each Leistung for some Gemeinde of SH (the demo puts its
    statuses only there). Unknown and Bund: none. Four queries; Leistungen with rows are resolved per Gemeinde in
    memory, the others (a trusted level alone) by their level."""
    leistungen = list(leistungen)
    rules = load_rules(leistungen)
    with_rows = {key[0] for key in rules.exceptions} | set(rules.defaults)
    gemeinden = list(register.gemeinden_with_parents())
    executing_kinds = Organisation.VERWALTUNG_AND_LAND_KINDS
    by_level = {
        ExecutingLevel.LAND: {rules.land.pk} if rules.land is not None else set(),
        ExecutingLevel.KREIS: {gemeinde_kreis(g).pk for g in gemeinden if gemeinde_kreis(g) is not None},
        ExecutingLevel.AMT_GEMEINDE: {
            gemeinde_verwaltung(g).pk for g in gemeinden if gemeinde_verwaltung(g).kind in executing_kinds
        },
    }
    result = {leistung.pk: set() for leistung in leistungen}
    chains = [(gemeinde, areas_of(gemeinde)) for gemeinde in gemeinden]
    for leistung in leistungen:
        trusted = leistung.level_source in TRUSTED_LEVEL_SOURCES and leistung.level != ExecutingLevel.UNCLASSIFIED
        if leistung.pk not in with_rows:  # a trusted level alone: every Verwaltung of that level
            result[leistung.pk] = set(by_level.get(leistung.level, set())) if trusted else set()
            continue
        found = result[leistung.pk]
        for gemeinde, chain in chains:
            answer = _for_leistung(gemeinde, leistung, rules, chain)
            found.update(org.pk for org in answer.verwaltungen if org.kind in executing_kinds)
    return result


@dataclass
class Served:
    """Who serves the people of SH for one Leistung: per Verwaltung the residents it is responsible for (its
    Gemeinden where it is the one office for the whole Leistung), and the residents with no one office known
    (not recorded, or its LeiKa-Leistungen handled at different places)."""

    by_verwaltung: dict = field(default_factory=dict)  # verwaltung id -> residents
    unassigned: int = 0


def population_served(leistungen) -> dict:
    """{leistung pk: Served} for the Leistungen a Land, Kreis or Amt body executes, resolved per Gemeinde through
    the same rules as `responsible_for` (four queries; Leistungen with no executing body of SH are left out).
    Residents are the register's population of each Gemeinde (unknown population: 0)."""
    leistungen = list(leistungen)
    rules = load_rules(leistungen)
    with_rows = {key[0] for key in rules.exceptions} | set(rules.defaults)
    gemeinden = list(register.gemeinden_with_parents())
    chains = [(gemeinde, areas_of(gemeinde), gemeinde.population or 0) for gemeinde in gemeinden]
    executing = Organisation.VERWALTUNG_AND_LAND_KINDS
    by_level: dict = {}  # level -> Served of a Leistung known by its trusted level alone (the same for all of them)
    result = {}
    for leistung in leistungen:
        trusted = leistung.level_source in TRUSTED_LEVEL_SOURCES and leistung.level != ExecutingLevel.UNCLASSIFIED
        if leistung.pk not in with_rows and not trusted:
            continue  # nothing recorded: no one is known to serve anyone
        if leistung.pk not in with_rows and leistung.level in by_level:
            served = by_level[leistung.level]
        else:
            served = Served()
            for gemeinde, chain, people in chains:
                main = _for_leistung(gemeinde, leistung, rules, chain).main
                office = main.verwaltung if main is not None and not main.unknown and not main.is_bund else None
                if office is not None and office.kind in executing:
                    served.by_verwaltung[office.pk] = served.by_verwaltung.get(office.pk, 0) + people
                else:
                    served.unassigned += people
            if leistung.pk not in with_rows:
                by_level[leistung.level] = served
        if served.by_verwaltung:
            result[leistung.pk] = served
    return result


def describe(entry: Responsibility) -> str:
    """One line as the pages say it: "zuständig: Amt Föhr-Amrum (Meldebehörde)"."""
    if entry.unknown:
        return _("Zuständigkeit noch nicht erfasst")
    if entry.is_bund:
        if entry.office:
            return _("Diese Leistung bietet der Bund an (%(office)s)") % {"office": entry.office}
        return _("Diese Leistung bietet der Bund an")
    name = entry.verwaltung_name or entry.level_label
    if entry.office:
        return _("zuständig: %(name)s (%(office)s)") % {"name": name, "office": entry.office}
    return _("zuständig: %(name)s") % {"name": name}
