"""The founding agreements: the facts the five founding documents (shared/sources, see the issue) state, and no
more. What a document leaves open is left empty and named in `unknowns_note`. Loaded by
`python manage.py load_founding_agreements` (`founding_agreements_load` at the end of this module) through the
services, so the same rules hold as in the admin.

Bodies are referenced by register keys: ARS for territorial bodies, slug for the others. A value that no
source states but that follows from one is given with its reasoning under "derived" (shown as "abgeleitet").
Obligations and measures start as "Stand nicht erfasst": no source reports their progress. "former_slugs" keeps
the addresses of renamed records answering (with a redirect).
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from audit.context import acting_as
from common.provenance import SourceKind
from common.services import MissingPrerequisite
from organisations.models import Organisation

from . import services
from .models import Agreement, Measure, Obligation, Topic, Wahlperiode

LAND = ("ars", "010000000000")
ITVSH = ("slug", "itvsh")
STV = ("slug", "staedteverband-sh")
SHGT = ("slug", "shgt")
SHLKT = ("slug", "shlkt")
IHK = ("slug", "ihk-sh")
HWK = ("slug", "hwk-sh")
AMT_HUETTENER_BERGE = ("ars", "010585890000")
AMT_FOEHR_AMRUM = ("ars", "010545488000")

KLV_PUBLISHER = (
    "Kommunale Landesverbände (Städteverband Schleswig-Holstein, Schleswig-Holsteinischer Gemeindetag, "
    "Schleswig-Holsteinischer Landkreistag)"
)
TRADE_PRESS = "Fachpresse (Bericht; Medium in der Quelle nicht genannt)"

SOURCE_ITVSH_LAW = {
    "kind": "pressemitteilung",
    "title": "Neues Kommunales Kompetenzzentrum für Digitalisierung auf den Weg gebracht",
    "publisher": KLV_PUBLISHER,
    "published_on": datetime.date(2018, 11, 27),
    "note": "Pressemitteilung, Kiel. URL in der Quelle nicht angegeben.",
}
SOURCE_KV_2025 = {
    "kind": "pressemitteilung",
    "title": "Medien-Information: neue Kooperationsvereinbarung zwischen Landesregierung und ITV.SH unterzeichnet",
    "publisher": "Staatskanzlei Schleswig-Holstein",
    "published_on": None,
    "note": "Ohne Überschrift und undatiert (Titel beschreibend). URL in der Quelle nicht angegeben.",
}

JOINT_STRUCTURES = "Die bisherigen Strukturen zur Unterstützung der Kommunen neu aufbauen"
JOINT_STRUCTURES_NOTE = (
    "Gemeinsame Zusage von Land und Kommunalen Landesverbänden („Für eine umfangreiche Nutzung werden das Land und "
    "die kommunalen Landesverbände die bisherigen Strukturen zur Unterstützung der Kommunen neu aufbauen“)."
)
SOURCE_AE_2018 = {
    "kind": "fachpresse",
    "title": "Gemeinsame OZG-Umsetzung",
    "publisher": TRADE_PRESS,
    "published_on": datetime.date(2018, 7, 23),
    "note": "Beruft sich auf das Ministerium für Energiewende, Landwirtschaft, Umwelt, Natur und "
    "Digitalisierung. URL in der Quelle nicht angegeben.",
}

FOUNDING_AGREEMENTS = [
    {
        "slug": "itvsh-gesetz-2018",
        "kind": "gesetzentwurf",
        "title": "Gesetzentwurf über den kommunalen IT-Verbund Schleswig-Holstein (ITVSH)",
        "summary": (
            "Die Landesregierung hat am 27.11.2018 auf Initiative der Kommunalen Landesverbände den Gesetzentwurf "
            "für den kommunalen IT-Verbund Schleswig-Holstein (ITVSH) beschlossen. Laut der Pressemitteilung der "
            "Kommunalen Landesverbände soll der ITVSH in einer Anstalt des öffentlichen Rechts Einheiten "
            "zusammenführen, die bisher für die Kommunen Digitalisierungsthemen verantworten, und „ab 2019 das "
            "Kommunale Kompetenzzentrum für Digitalisierung“ sein; alle Kommunen des Landes werden Träger; Land und "
            "Kommunen finanzieren ihn gemeinschaftlich. Aufgaben: kommunale Umsetzung des Onlinezugangsgesetzes, "
            "Einheitlicher Ansprechpartner, Projektträger für kommunale Digitalisierungsprojekte. Die Verbände "
            "hofften, dass der Landtag „grünes Licht für die Umsetzung gibt“."
        ),
        "status": "unbekannt",
        "announced_on": datetime.date(2018, 11, 27),
        "term_kind": "unknown",
        "unknowns_note": (
            "Ob und wann der Landtag das Gesetz beschlossen hat, sein amtlicher Titel, die Fundstelle und das "
            "Inkrafttreten nennen die Quellen nicht; belegt ist der Kabinettsbeschluss des Entwurfs (27.11.2018). "
            "Die Medien-Information der Staatskanzlei zur Kooperationsvereinbarung (undatiert, nach den ersten fünf "
            "Kooperationsjahren) beschreibt den ITV.SH als Anstalt öffentlichen Rechts. Der Titel ist beschreibend."
        ),
        "parties": [
            (LAND, "land", "Gesetzentwurf der Landesregierung; finanziert den ITVSH laut Entwurf mit den Kommunen"),
            (ITVSH, "sonstige", "laut Entwurf zu errichtende Anstalt des öffentlichen Rechts"),
            (STV, "initiator", "Initiative der Kommunalen Landesverbände"),
            (SHGT, "initiator", "Initiative der Kommunalen Landesverbände"),
            (SHLKT, "initiator", "Initiative der Kommunalen Landesverbände"),
        ],
        "signatories": [],
        "topics": ["ozg-umsetzung-daseinsvorsorge", "einheitlicher-ansprechpartner", "digitale-transformation"],
        "obligations": [
            (ITVSH, "Kommunen bei der Umsetzung des Onlinezugangsgesetzes federführend unterstützen", "laut Entwurf"),
            (ITVSH, "Aufgaben des Einheitlichen Ansprechpartners wahrnehmen", "laut Entwurf"),
            (ITVSH, "Kommunale Digitalisierungsprojekte als Projektträger umsetzen", "laut Entwurf"),
            (
                LAND,
                "ITVSH gemeinsam mit den Kommunen finanzieren",
                "laut Entwurf: Land und Kommunen finanzieren gemeinschaftlich.",
            ),
        ],
        "measures": [],
        "sources": [SOURCE_ITVSH_LAW, SOURCE_KV_2025],
    },
    {
        "slug": "kooperationsvereinbarung-land-itvsh-erste",
        "former_slugs": ["kooperationsvereinbarung-land-itvsh-2019"],
        "kind": "kooperationsvereinbarung",
        "title": "Kooperationsvereinbarung Land – ITV.SH (erste Vereinbarung)",
        "summary": (
            "Erste Kooperationsvereinbarung zwischen Landesregierung und ITV.SH über die operative und strategische "
            "Zusammenarbeit, von den Kommunalen Landesverbänden 2018 angestrebt (u. a. Finanzierung, Mittelabruf, "
            "Gremienstrukturen). Nach fünf Kooperationsjahren durch eine neue Vereinbarung abgelöst."
        ),
        "status": "ersetzt",
        "signed_date_unknown": True,
        "term_kind": "years",
        "duration_years": 5,
        "derived": {
            "status": (
                "Die Medien-Information zur Folgevereinbarung spricht von den „ersten fünf Kooperationsjahren“, einer "
                "„neuen“ Vereinbarung und der „nun verlängerten Kooperation“; daraus abgeleitet: die erste "
                "Vereinbarung war geschlossen und ist durch die neue ersetzt."
            ),
            "duration_years": "Aus den „ersten fünf Kooperationsjahren“ der Medien-Information abgeleitet.",
        },
        "unknowns_note": (
            "Unterzeichnungsdatum, Unterzeichnende, Beginn (auch das Jahr) und genaue Inhalte nennen die Quellen "
            "nicht. Belegt sind die angestrebten Regelungsgegenstände (2018) und die „ersten fünf "
            "Kooperationsjahre“ (Medien-Information der Staatskanzlei zur Folgevereinbarung)."
        ),
        "parties": [(LAND, "land", ""), (ITVSH, "partner", "")],
        "signatories": [],
        "topics": ["zusammenarbeit"],
        "obligations": [],
        "measures": [],
        "sources": [SOURCE_ITVSH_LAW, SOURCE_KV_2025],
    },
    {
        "slug": "kooperationsvereinbarung-land-itvsh-2025",
        "predecessor": "kooperationsvereinbarung-land-itvsh-erste",
        "kind": "kooperationsvereinbarung",
        "title": "Kooperationsvereinbarung Land – ITV.SH (Verlängerung ab 2025)",
        "summary": (
            "Neue Kooperationsvereinbarung nach den ersten fünf Kooperationsjahren. Das Land stellt dem ITV.SH "
            "knapp 3 Mio. Euro pro Jahr zur Verfügung, ergänzt um 1,7 Mio. Euro kommunaler Mittel. Schwerpunkte "
            "der nächsten fünf Jahre: ganzheitliche kommunale Digital- und E-Government-Strategie, kommunale "
            "IT-Infrastruktur, Verwaltungsdigitalisierung und OZG-Umsetzung durch den Roll-out festgelegter "
            "Fokusleistungen und der Landes-Basisdienste, Informationssicherheit (kommunale Unterstützungsstelle "
            "für Informationssicherheits- und IT-Notfallmanagement) sowie in der digitalen Daseinsvorsorge "
            "Schulträgerberatung, Digitale Archivierung, Digitales Planen und Bauen und die Digitalisierung des "
            "Ausländerwesens."
        ),
        "status": "in_kraft",
        "signed_date_unknown": True,
        "effective_from": datetime.date(2025, 1, 1),
        "effective_from_precision": "year",
        "term_kind": "years",
        "duration_years": 5,
        "derived": {
            "effective_from": (
                "Die undatierte Medien-Information nennt einen Roll-out-Plan „für 2025“ und die Schwerpunkte „der "
                "nächsten fünf Jahre“; der Beginn 2025 ist daraus abgeleitet, ein Datum nennt sie nicht."
            ),
        },
        "unknowns_note": (
            "Die Medien-Information ist undatiert und nennt weder Unterzeichnungsdatum noch Beginn. Laufzeit: die "
            "„nächsten fünf Jahre“; Beginn als Jahr 2025 abgeleitet (Planung für 2025)."
        ),
        "parties": [(LAND, "land", ""), (ITVSH, "partner", "")],
        "signatories": [
            ("Dirk Schrödter", "Chef der Staatskanzlei und Digitalisierungsminister", LAND),
            ("Marc Ziertmann", "Verwaltungsratsvorsitzender des ITV.SH", ITVSH),
        ],
        "topics": [
            "digitalstrategie",
            "infrastruktur-interoperabilitaet",
            "ozg-umsetzung-daseinsvorsorge",
            "informationssicherheit",
            "schultraegerberatung",
            "digitale-archivierung",
            "digitales-planen-bauen",
            "auslaenderwesen",
        ],
        "obligations": [
            (LAND, "Landesmittel von knapp 3 Mio. Euro pro Jahr für den ITV.SH bereitstellen", ""),
            (
                ITVSH,
                "Kommunale Unterstützungsstelle für Informationssicherheits- und IT-Notfallmanagement etablieren",
                "",
            ),
        ],
        "measures": [
            ("Ganzheitliche kommunale Digital- und E-Government-Strategie entwickeln", ITVSH),
            ("Kommunale IT-Infrastruktur entwickeln", ITVSH),
            ("Roll-out festgelegter Fokusleistungen und der Landes-Basisdienste in den Kommunen", None),
            ("Schulträgerberatung, Digitale Archivierung, Digitales Planen und Bauen, Ausländerwesen ausbauen", None),
        ],
        "sources": [SOURCE_KV_2025],
    },
    {
        "slug": "absichtserklaerung-ozg-2018",
        "kind": "absichtserklaerung",
        "title": "Absichtserklärung zur gemeinsamen Umsetzung des Onlinezugangsgesetzes",
        "summary": (
            "Land, Kommunale Landesverbände, IHK Schleswig-Holstein und Handwerkskammer Schleswig-Holstein "
            "arbeiten gemeinsam an der OZG-Umsetzung: bis 2022 sollen alle Verwaltungsleistungen digital abgefragt "
            "werden können. Das Land stellt zentrale IT-Infrastrukturen, Portale und Referenzimplementierungen "
            "bereit, gibt dem zu gründenden IT-Verbund 1,5 Mio. Euro pro Jahr, ordnet zwei Mitarbeitende ab und "
            "richtet ab dem zweiten Halbjahr 2018 ein öffentliches OZG-Monitoring ein."
        ),
        "status": "unbekannt",
        "announced_on": datetime.date(2018, 7, 23),
        "signed_date_unknown": True,
        "term_kind": "unknown",
        "unknowns_note": (
            "Datum der Vereinbarung, Unterzeichnende und Laufzeit nennt die Quelle nicht (Bericht vom 23.07.2018, "
            "„ist … vereinbart worden“). Ob die Erklärung über ihr Zieljahr 2022 hinaus gilt, belegt keine Quelle; "
            "der Status ist daher nicht bekannt."
        ),
        "parties": [
            (LAND, "land", ""),
            (STV, "partner", "Kommunaler Landesverband"),
            (SHGT, "partner", "Kommunaler Landesverband"),
            (SHLKT, "partner", "Kommunaler Landesverband"),
            (IHK, "partner", ""),
            (HWK, "partner", ""),
        ],
        "signatories": [],
        "topics": ["ozg-umsetzung-daseinsvorsorge", "infrastruktur-interoperabilitaet", "zusammenarbeit"],
        "obligations": [
            (LAND, "Zentrale IT-Infrastrukturen, Portale und Referenzimplementierungen bereitstellen", ""),
            (
                LAND,
                "Dem IT-Verbund 1,5 Mio. Euro pro Jahr zur Verfügung stellen",
                "Laut Quelle zugesagt im Rahmen der Vereinbarung über finanzielle Entlastungsmaßnahmen Anfang 2018.",
            ),
            (LAND, "Zwei Mitarbeitende an den IT-Verbund abordnen", ""),
            (LAND, "Öffentliches Monitoring zum Umsetzungsstand des OZG einrichten", "ab dem zweiten Halbjahr 2018"),
            (LAND, JOINT_STRUCTURES, JOINT_STRUCTURES_NOTE),
            (STV, JOINT_STRUCTURES, JOINT_STRUCTURES_NOTE),
            (SHGT, JOINT_STRUCTURES, JOINT_STRUCTURES_NOTE),
            (SHLKT, JOINT_STRUCTURES, JOINT_STRUCTURES_NOTE),
        ],
        "measures": [
            ("Alle Verwaltungsleistungen digital abrufbar machen (Ziel: bis 2022)", None),
        ],
        "sources": [SOURCE_AE_2018],
    },
    {
        "slug": "entlastungsvereinbarung-2018",
        "kind": "sonstige",
        "title": "Vereinbarung über finanzielle Entlastungsmaßnahmen (Anfang 2018)",
        "summary": (
            "Im Rahmen dieser Vereinbarung hat das Land laut dem Bericht über die Absichtserklärung zur "
            "OZG-Umsetzung Anfang 2018 zusätzliche Mittel von 1,5 Millionen Euro pro Jahr für den zu gründenden "
            "IT-Verbund zugesagt. Weitere Angaben nennt keine der Quellen."
        ),
        "status": "unbekannt",
        "term_kind": "unknown",
        "unknowns_note": (
            "Parteien außer dem Land, Datum (die Quelle sagt „Anfang 2018“), Unterzeichnung, Inhalt und Laufzeit "
            "nennt die Quelle nicht; belegt ist nur die Zusage von 1,5 Millionen Euro pro Jahr für den IT-Verbund. "
            "Der Titel folgt der Quelle."
        ),
        "parties": [(LAND, "land", "sagte die Mittel für den IT-Verbund zu")],
        "signatories": [],
        "topics": [],
        "obligations": [
            (LAND, "Dem zu gründenden IT-Verbund zusätzliche Mittel von 1,5 Millionen Euro pro Jahr bereitstellen", ""),
        ],
        "measures": [],
        "sources": [SOURCE_AE_2018],
    },
    {
        "slug": "verwaltungskooperation-huettener-berge-2018",
        "kind": "verwaltungskooperation",
        "title": "Verwaltungskooperation Land – Amt Hüttener Berge",
        "summary": (
            "Am 04.05.2018 in Ascheffel unterzeichnet. Das Land stellt dem Amt bis zum Ende der Legislaturperiode "
            "die digitale Infrastruktur zur Nutzung von E-Government-Verfahren sowie Internet-Angeboten der "
            "Daseinsvorsorge und der Bürgerbeteiligung zur Verfügung und passt Standardkomponenten für die "
            "kommunale Nutzung an. Das Amt gestaltet neu entwickelte Verfahren und Anwendungen so, dass sie als "
            "Open Source anderen Verwaltungen kostenfrei zur Verfügung stehen."
        ),
        "status": "in_kraft",
        "announced_on": datetime.date(2018, 5, 4),
        "signed_on": datetime.date(2018, 5, 4),
        "term_kind": "wahlperiode",
        "wahlperiode": 19,
        "unknowns_note": (
            "Ein gesondertes Datum des Wirksamwerdens nennt die Quelle nicht; die Laufzeit ist ab der Unterzeichnung "
            "gerechnet. Ob die Pflichten erfüllt wurden, nennt keine Quelle."
        ),
        "parties": [(LAND, "land", ""), (AMT_HUETTENER_BERGE, "partnerkommune", "")],
        "signatories": [
            ("Robert Habeck", "Digitalisierungsminister", LAND),
            ("Andreas Betz", "Amtsdirektor", AMT_HUETTENER_BERGE),
        ],
        "topics": ["infrastruktur-interoperabilitaet", "open-source", "ozg-umsetzung-daseinsvorsorge"],
        "obligations": [
            (
                LAND,
                "Digitale Infrastruktur für E-Government-Verfahren und Internet-Angebote der Daseinsvorsorge und "
                "Bürgerbeteiligung bereitstellen",
                "bis zum Ende der Legislaturperiode",
            ),
            (LAND, "Standardkomponenten für die kommunale Nutzung anpassen", ""),
            (
                AMT_HUETTENER_BERGE,
                "Neu entwickelte Verfahren und Anwendungen als Open Source kostenfrei bereitstellen",
                "für andere Verwaltungen, die die Basiskomponenten nutzen möchten",
            ),
        ],
        "measures": [],
        "sources": [
            {
                "kind": "pressemitteilung",
                "title": "Kommunen bei der Digitalisierung stärken – Landesregierung und Amt Hüttener Berge "
                "unterzeichnen Verwaltungskooperation",
                "publisher": "Landesregierung Schleswig-Holstein",
                "published_on": datetime.date(2018, 5, 4),
                "note": "Medien-Information, Kiel (Sperrfrist 18 Uhr). URL in der Quelle nicht angegeben.",
            }
        ],
    },
    {
        "slug": "verwaltungskooperation-foehr-amrum-2024",
        "kind": "verwaltungskooperation",
        "title": "Verwaltungskooperation Land – Amt Föhr-Amrum",
        "summary": (
            "Land und Amt Föhr-Amrum entwickeln gemeinsam projekthafte Maßnahmen, die anderen Kommunen als "
            "Blaupause dienen sollen. Laufzeit zunächst drei Jahre; geprägt von der Digitalstrategie des Landes."
        ),
        "status": "in_kraft",
        "announced_on": datetime.date(2024, 5, 13),
        "signed_date_unknown": True,
        "term_kind": "years",
        "duration_years": 3,
        "unknowns_note": (
            "Unterzeichnungsdatum und Beginn der Laufzeit nennt die Quelle nicht (Bericht vom 13.05.2024); daher "
            "ist auch das Ende der dreijährigen Laufzeit offen. Die Quelle spricht von fünf Themenfeldern, zählt "
            "aber sechs Begriffe auf; alle sechs sind zugeordnet, dazu „Open Data“, weil die Quelle die "
            "Verfügbarkeit offener Daten ausdrücklich als Ziel der Kooperation nennt."
        ),
        "parties": [(LAND, "land", ""), (AMT_FOEHR_AMRUM, "partnerkommune", "")],
        "signatories": [
            ("Dirk Schrödter", "Digitalisierungsminister", LAND),
            ("Christian Stemmer", "Amtsdirektor", AMT_FOEHR_AMRUM),
        ],
        "topics": [
            "digitale-transformation",
            "ozg-umsetzung-daseinsvorsorge",
            "digitale-teilhabe",
            "kompetenzaufbau",
            "zusammenarbeit",
            "infrastruktur-interoperabilitaet",
            "open-data",
        ],
        "obligations": [],
        "measures": [
            ("Vom Land entwickelte und angebotene Online-Dienste nutzen", AMT_FOEHR_AMRUM),
            ("Verwaltungsdaten aus den Fachverfahren im Open-Data-Portal des Landes veröffentlichen", AMT_FOEHR_AMRUM),
            ("Digitalen Knotenpunkt im Amtsgebiet einrichten", None),
            ("Angebote für den Zugang zu digitalen Verwaltungsleistungen vor Ort entwickeln", None),
            ("Einsatz von IoT-Sensoren in einem LoRaWAN erproben", None),
        ],
        "sources": [
            {
                "kind": "fachpresse",
                "title": "Land und Kommune kooperieren",
                "publisher": TRADE_PRESS,
                "published_on": datetime.date(2024, 5, 13),
                "note": "Beruft sich auf die Staatskanzlei. URL in der Quelle nicht angegeben.",
            }
        ],
    },
]


# --- the loader -------------------------------------------------------------------------------------------------

AGREEMENT_FIELDS = (
    "kind",
    "title",
    "summary",
    "status",
    "announced_on",
    "signed_on",
    "signed_date_unknown",
    "effective_from",
    "effective_from_precision",
    "term_kind",
    "duration_years",
    "unknowns_note",
    "derived",
)


@dataclass
class FoundingAgreementsResult:
    created: list[str] = field(default_factory=list)  # slugs
    present: int = 0
    expired: int = 0
    adjusted: list[str] = field(default_factory=list)  # "slug (fields)" of untouched records brought to the sources


def _keys(spec) -> set:
    keys = {party[0] for party in spec["parties"]}
    keys |= {signatory[2] for signatory in spec["signatories"]}
    keys |= {measure[1] for measure in spec["measures"] if measure[1]}
    return keys


def founding_agreements_load(*, by) -> FoundingAgreementsResult:
    """The agreements the five founding documents name (seven records) with their parties, signatories, topics,
    obligations, measures and sources, in one transaction. Idempotent: what exists (matched by slug, a former slug
    and natural keys) is brought to the documents' facts only while nobody has changed it since loading (its
    history holds only loader writes), so corrections made by staff survive a re-run and corrections of the
    founding facts reach untouched records. Without the register: MissingPrerequisite; a rule of the services
    refusing a record: ValidationError; nothing changed in either case."""
    keys = set().union(*(_keys(spec) for spec in FOUNDING_AGREEMENTS))
    bodies, missing = {}, []
    for name, value in sorted(keys):
        body = Organisation.objects.filter(**{name: value}).first()
        if body is None:
            missing.append(f"{name.upper()} {value}")
        bodies[(name, value)] = body
    if missing:
        raise MissingPrerequisite(
            "Das Register ist nicht (vollständig) importiert; es fehlen: "
            + ", ".join(missing)
            + ". Bitte zuerst `python manage.py import_register` ausführen. Nichts geändert."
        )
    topics = {topic.slug: topic for topic in Topic.objects.all()}
    result = FoundingAgreementsResult()
    with transaction.atomic(), acting_as(source=SourceKind.GRUENDUNGSDOKUMENT):
        for spec in FOUNDING_AGREEMENTS:
            slugs = [spec["slug"], *spec.get("former_slugs", [])]
            agreement = next((found for slug in slugs if (found := Agreement.objects.filter(slug=slug).first())), None)
            if agreement is None:
                agreement = _create(spec, bodies, topics, by=by)
                result.created.append(agreement.slug)
            elif changed := _update_untouched(agreement, spec, by=by):
                result.adjusted.append(f"{agreement.slug} ({', '.join(sorted(changed))})")
            _load_parts(agreement, spec, bodies, by=by)
        result.expired = services.agreements_expire(today=timezone.localdate(), by=by)
    result.present = len(FOUNDING_AGREEMENTS) - len(result.created)
    return result


def _fields(spec) -> dict:
    fields = {name: spec[name] for name in AGREEMENT_FIELDS if name in spec}
    if "wahlperiode" in spec:
        fields["wahlperiode"] = Wahlperiode.objects.get(number=spec["wahlperiode"])
    if "predecessor" in spec:
        fields["predecessor"] = Agreement.objects.get(slug=spec["predecessor"])
    return fields


def _untouched(record, *, by) -> bool:
    """Nobody but the loader (the system actor, or no user in a command) has written the record."""
    return not record.history.exclude(history_user__isnull=True).exclude(history_user=by).exists()


def _update_untouched(agreement, spec, *, by) -> list[str]:
    """Brings an agreement nobody has edited to the documents' facts; returns the changed field names."""
    if not _untouched(agreement, by=by):
        return []
    fields = _fields(spec)
    changes = {"slug": spec["slug"]} if agreement.slug != spec["slug"] else {}
    for name in AGREEMENT_FIELDS:
        wanted = fields.get(name, Agreement._meta.get_field(name).get_default())
        if name == "status" and agreement.status == Agreement.Status.AUSGELAUFEN and wanted == "in_kraft":
            continue  # expired by the daily rule since loading: stays so
        if name == "derived" and "status" in (agreement.derived or {}) and "status" not in wanted:
            wanted = {**wanted, "status": agreement.derived["status"]}
        if getattr(agreement, name) != wanted:
            changes[name] = wanted
    if changes:
        services.agreement_update(agreement=agreement, by=by, **changes)
    elif not agreement.source_kind:
        # Loaded before facts carried their provenance: untouched, so its facts are the documents'.
        services.agreement_save(agreement=agreement, by=by, update_fields=[])
    return list(changes)


def _create(spec, bodies, topics, *, by):
    fields = _fields(spec)
    return services.agreement_create(
        by=by,
        slug=spec["slug"],
        parties=[(bodies[key], role, note) for key, role, note in spec["parties"]],
        signatories=[(name, function, bodies[key]) for name, function, key in spec["signatories"]],
        topics=[topics[slug] for slug in spec["topics"]],
        **fields,
    )


def _load_parts(agreement, spec, bodies, *, by) -> None:
    # No source reports progress: founding obligations and measures are "Stand nicht erfasst".
    for key, title, description in spec["obligations"]:
        existing = agreement.obligations.filter(title=title, obligor=bodies[key]).first()
        if existing is None:
            services.obligation_create(
                by=by,
                agreement=agreement,
                obligor=bodies[key],
                title=title,
                description=description,
                status=Obligation.Status.NICHT_ERFASST,
            )
        elif _untouched(existing, by=by) and (existing.description, existing.status) != (
            description,
            Obligation.Status.NICHT_ERFASST,
        ):
            existing.description, existing.status = description, Obligation.Status.NICHT_ERFASST
            services.obligation_save(obligation=existing, by=by)
    for position, (title, lead_key) in enumerate(spec["measures"]):
        existing = agreement.measures.filter(title=title).first()
        if existing is None:
            services.measure_create(
                by=by,
                agreement=agreement,
                title=title,
                lead=bodies[lead_key] if lead_key else None,
                status=Measure.Status.NICHT_ERFASST,
                progress=None,
                position=position,
            )
        elif _untouched(existing, by=by) and existing.status != Measure.Status.NICHT_ERFASST:
            existing.status = Measure.Status.NICHT_ERFASST
            services.measure_save(measure=existing, by=by)
    for source in spec["sources"]:
        if not agreement.sources.filter(title=source["title"], publisher=source["publisher"]).exists():
            services.source_create(agreement=agreement, by=by, **source)
