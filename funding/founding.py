"""The figures the founding documents state, as data, and their loader `founding_funding_load` (called by
`python manage.py load_founding_funding`).

Rules (see funding/README.md): record what a document states, in its words, and mark what it leaves open
instead of inventing it.
- „1,5 Millionen Euro pro Jahr“ without any year → one line with `fiscal_year=None`, `year_is_stated=False`,
  booked on the agreement the source names for the pledge: „im Rahmen der Vereinbarung über finanzielle
  Entlastungsmaßnahmen Anfang 2018 zugesagt“ (recorded with unknown details), not on the Absichtserklärung the
  report is about. Absichtserklärung 2018: two seconded staff with unknown FTE (`fte=None`), no stated period.
- Renewed Kooperationsvereinbarung Land–ITV.SH: „knapp 3 Millionen Euro pro Jahr“ → 3,000,000.00 stored as an
  upper bound with `amount_is_approximate=True` and the wording; „weitere 1,7 Mio. Euro, die kommunal finanziert
  werden“ → 1,700,000.00 a year from the Kommunen (the text names no period for this part; it is read as
  the annual complement of the Land funds, noted on each line). One line per year and source for the five
  years 2025–2029; the years follow from the agreement's term, the document does not list them, so
  `year_is_stated=False` with a note.
- No document reports drawdowns or payments, and nobody records them for these lines: `payments_recorded=False`,
  so approved, paid and available read "nicht bekannt" (never 0,00 €) until staff switch recording on.
- Neither document splits the money by purpose, so the lines carry the purpose „Nicht nach Zwecken
  aufgeschlüsselt“; the purposes named in the text are listed in the note.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from audit.context import acting_as
from common.provenance import SourceKind
from common.services import MissingPrerequisite
from cooperations.selectors import agreement_by_slug
from organisations.models import LAND_ARS, Organisation

from .models import FundingSource, Purpose
from .services import budget_line_upsert, in_kind_upsert

AE_2018 = "absichtserklaerung-ozg-2018"
RELIEF_2018 = "entlastungsvereinbarung-2018"
KV_2025 = "kooperationsvereinbarung-land-itvsh-2025"
LAND_SOURCE = {"slug": "land", "name": "Land Schleswig-Holstein", "kind": "land"}
RECIPIENT_SLUG = "itvsh"
UNSPLIT_PURPOSE = "nicht-aufgeschluesselt"

CITATION_002 = (
    "Fachpresse-Bericht „Schleswig-Holstein: Gemeinsame OZG-Umsetzung“, 23.07.2018 "
    "(Absichtserklärung von Land, Kommunalen Landesverbänden, IHK und Handwerkskammer Schleswig-Holstein)"
)
CITATION_001 = (
    "Staatskanzlei Schleswig-Holstein, Medien-Information, Kiel, undatiert: neue Kooperationsvereinbarung "
    "Land–ITV.SH, unterzeichnet von Dirk Schrödter und Marc Ziertmann"
)
KV_PURPOSES_NOTE = (
    "Verwendung laut Vereinbarung insbesondere: kommunale Digital- und E-Government-Strategie, kommunale "
    "IT-Infrastruktur, Verwaltungsdigitalisierung und OZG-Umsetzung (Fokusleistungen, Landes-Basisdienste), "
    "Informationssicherheit, Digitale Daseinsvorsorge (Schulträgerberatung, Digitale Archivierung, Digitales "
    "Planen und Bauen, Digitalisierung des Ausländerwesens). Die Quelle teilt die Mittel nicht nach Zwecken auf."
)
KV_YEARS = range(2025, 2030)
KV_PERIOD_NOTE = (
    "Jahresbetrag; die Jahre 2025–2029 sind aus der Laufzeit der Vereinbarung (fünf Jahre ab 2025) abgeleitet, "
    "die Quelle nennt sie nicht einzeln."
)


def budget_lines():
    """(key, agreement slug, source slug, fields) for every founding budget line."""
    yield (
        "ae2018-land-pro-jahr",
        RELIEF_2018,
        "land",
        {
            "title": "Landesmittel für den IT-Verbund (Vereinbarung über finanzielle Entlastungsmaßnahmen 2018)",
            "fiscal_year": None,
            "year_is_stated": False,
            "period_note": "„pro Jahr“ – die Quelle nennt weder Beginn noch Ende noch einzelne Haushaltsjahre.",
            "planned_amount": Decimal("1500000.00"),
            "amount_is_approximate": False,
            "amount_wording": "1,5 Millionen Euro pro Jahr",
            "status": "zugesagt",
            "payments_recorded": False,
            "note": (
                "Zusätzliche Mittel des Landes für den zu gründenden IT-Verbund, zugesagt im Rahmen der "
                "Vereinbarung über finanzielle Entlastungsmaßnahmen Anfang 2018. Jahresbetrag ohne Jahresangabe."
            ),
            "source_citation": CITATION_002,
        },
    )
    for year in KV_YEARS:
        yield (
            f"kv2025-land-{year}",
            KV_2025,
            "land",
            {
                "title": "Landesmittel Kooperationsvereinbarung Land–ITV.SH",
                "fiscal_year": year,
                "year_is_stated": False,
                "period_note": KV_PERIOD_NOTE,
                "planned_amount": Decimal("3000000.00"),
                "amount_is_approximate": True,
                "amount_wording": "knapp 3 Millionen Euro pro Jahr",
                "status": "zugesagt",
                "payments_recorded": False,
                "note": (
                    "Obergrenze: die Quelle sagt „knapp 3 Millionen“; den genauen Betrag aus dem Vertragstext "
                    "nachtragen und dann die Markierung „Betrag ungefähr“ entfernen. " + KV_PURPOSES_NOTE
                ),
                "source_citation": CITATION_001,
            },
        )
        yield (
            f"kv2025-kommunen-{year}",
            KV_2025,
            "kommunen",
            {
                "title": "Kommunaler Finanzierungsanteil Kooperationsvereinbarung Land–ITV.SH",
                "fiscal_year": year,
                "year_is_stated": False,
                "period_note": KV_PERIOD_NOTE
                + (
                    " Für den kommunalen Anteil nennt die Quelle keinen Zeitraum; er ist als Jahresbetrag "
                    "gelesen, weil er die jährlichen Landesmittel ergänzt."
                ),
                "planned_amount": Decimal("1700000.00"),
                "amount_is_approximate": False,
                "amount_wording": "weitere 1,7 Mio. Euro, die kommunal finanziert werden",
                "status": "zugesagt",
                "payments_recorded": False,
                "note": KV_PURPOSES_NOTE,
                "source_citation": CITATION_001,
            },
        )


def in_kind():
    """(key, agreement slug, fields) for the founding in-kind contributions; from the Land to ITV.SH."""
    yield (
        "ae2018-land-abordnung",
        AE_2018,
        {
            "kind": "abordnung",
            "title": "Abordnung von zwei Landesbediensteten an den IT-Verbund",
            "people_count": 2,
            "fte": None,
            "period_start": None,
            "period_end": None,
            "period_note": "Zeitraum nicht genannt.",
            "monetary_value": None,
            "wording": "zwei Mitarbeiter an den neu aufzubauenden IT-Verbund abordnen",
            "note": "Stellenumfang (Vollzeitäquivalente) und Geldwert nennt die Quelle nicht.",
            "source_citation": CITATION_002,
        },
    )


# --- the loader -------------------------------------------------------------------------------------------------


def _counts() -> dict:
    return {"created": 0, "changed": 0, "unchanged": 0}


@dataclass
class FoundingFundingResult:
    lines: dict = field(default_factory=_counts)  # {"created"|"changed"|"unchanged": n}
    in_kind: dict = field(default_factory=_counts)


def founding_funding_load(*, by) -> FoundingFundingResult:
    """The budget lines and in-kind contributions above, by key through the services' upserts, in one transaction.
    Idempotent (a second run: 0 created, 0 changed). Needs the register and the founding agreements:
    MissingPrerequisite naming what is missing and the command that loads it; nothing changed."""
    land = Organisation.objects.filter(ars=LAND_ARS).first()
    recipient = Organisation.objects.filter(slug=RECIPIENT_SLUG).first()
    missing = [
        name for name, obj in (("Land (ARS 010000000000)", land), ("ITV.SH (Kennung itvsh)", recipient)) if obj is None
    ]
    if missing:
        raise MissingPrerequisite(
            f"Register unvollständig, es fehlt: {', '.join(missing)}. "
            "Zuerst `python manage.py import_register` ausführen."
        )
    agreements = {slug: agreement_by_slug(slug) for slug in (AE_2018, RELIEF_2018, KV_2025)}
    missing = [slug for slug, agreement in agreements.items() if agreement is None]
    if missing:
        raise MissingPrerequisite(
            f"Gründungsvereinbarungen fehlen: {', '.join(missing)}. "
            "Zuerst `python manage.py load_founding_agreements` ausführen."
        )
    purpose = Purpose.objects.filter(slug=UNSPLIT_PURPOSE).first()
    kommunen = FundingSource.objects.filter(slug="kommunen").first()
    if purpose is None or kommunen is None:
        raise MissingPrerequisite(
            "Zwecke oder Mittelgeber fehlen: zuerst `python manage.py migrate funding` ausführen."
        )
    result = FoundingFundingResult()
    with transaction.atomic(), acting_as(source=SourceKind.GRUENDUNGSDOKUMENT):
        land_source, _ = FundingSource.objects.get_or_create(
            slug=LAND_SOURCE["slug"],
            defaults={"name": LAND_SOURCE["name"], "kind": LAND_SOURCE["kind"], "body": land},
        )
        sources = {"land": land_source, "kommunen": kommunen}
        for key, agreement_slug, source_slug, fields in budget_lines():
            _line, outcome = budget_line_upsert(
                by=by,
                key=key,
                source=sources[source_slug],
                recipient=recipient,
                agreement=agreements[agreement_slug],
                purpose=purpose,
                **fields,
            )
            result.lines[outcome] += 1
        for key, agreement_slug, fields in in_kind():
            _item, outcome = in_kind_upsert(
                by=by, key=key, from_body=land, recipient=recipient, agreement=agreements[agreement_slug], **fields
            )
            result.in_kind[outcome] += 1
    return result
