"""The founding agreements: the facts the five founding documents (shared/sources, see the issue) state, and no
more. What a document leaves open is left empty and named in `unknowns_note`. Loaded by
`python manage.py load_founding_agreements` through the services, so the same rules hold as in the admin.

Bodies are referenced by register keys: ARS for territorial bodies, slug for the others.
"""

import datetime

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

FOUNDING_AGREEMENTS = [
    {
        "slug": "itvsh-gesetz-2018",
        "kind": "gesetz",
        "title": "Gesetz über den kommunalen IT-Verbund Schleswig-Holstein (ITVSH)",
        "summary": (
            "Die Landesregierung hat am 27.11.2018 auf Initiative der Kommunalen Landesverbände den Gesetzentwurf "
            "für den kommunalen IT-Verbund Schleswig-Holstein beschlossen. Der ITVSH ist ab 2019 als Anstalt des "
            "öffentlichen Rechts das Kommunale Kompetenzzentrum für Digitalisierung. Alle Kommunen des Landes sind "
            "Träger; Land und Kommunen finanzieren ihn gemeinschaftlich. Aufgaben: kommunale Umsetzung des "
            "Onlinezugangsgesetzes, Einheitlicher Ansprechpartner, Projektträger für kommunale "
            "Digitalisierungsprojekte."
        ),
        "status": "in_kraft",
        "announced_on": datetime.date(2018, 11, 27),
        "signed_date_unknown": True,
        "effective_from": datetime.date(2019, 1, 1),
        "effective_from_precision": "year",
        "term_kind": "open_ended",
        "unknowns_note": (
            "Amtlicher Titel, Fundstelle, Ausfertigungs- und Inkrafttretensdatum nennen die Quellen nicht; belegt "
            "sind der Kabinettsbeschluss des Entwurfs (27.11.2018) und der Betrieb des ITV.SH als Anstalt des "
            "öffentlichen Rechts ab 2019. Der Titel ist beschreibend."
        ),
        "parties": [
            (LAND, "land", "Gesetzentwurf der Landesregierung; finanziert den ITVSH gemeinsam mit den Kommunen"),
            (ITVSH, "sonstige", "durch das Gesetz errichtete Anstalt des öffentlichen Rechts"),
            (STV, "initiator", "Initiative der Kommunalen Landesverbände"),
            (SHGT, "initiator", "Initiative der Kommunalen Landesverbände"),
            (SHLKT, "initiator", "Initiative der Kommunalen Landesverbände"),
        ],
        "signatories": [],
        "topics": ["ozg-umsetzung-daseinsvorsorge", "einheitlicher-ansprechpartner", "digitale-transformation"],
        "obligations": [
            (ITVSH, "Kommunen bei der Umsetzung des Onlinezugangsgesetzes federführend unterstützen", ""),
            (ITVSH, "Aufgaben des Einheitlichen Ansprechpartners wahrnehmen", ""),
            (ITVSH, "Kommunale Digitalisierungsprojekte als Projektträger umsetzen", ""),
            (LAND, "ITVSH gemeinsam mit den Kommunen finanzieren", "Land und Kommunen finanzieren gemeinschaftlich."),
        ],
        "measures": [],
        "sources": [SOURCE_ITVSH_LAW],
    },
    {
        "slug": "kooperationsvereinbarung-land-itvsh-2019",
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
        "unknowns_note": (
            "Unterzeichnungsdatum, Unterzeichnende, Beginn und genaue Inhalte nennen die Quellen nicht. Belegt sind "
            "die angestrebten Regelungsgegenstände (2018) und die „ersten fünf Kooperationsjahre“ (Medien-Information "
            "der Staatskanzlei zur Folgevereinbarung)."
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
        "predecessor": "kooperationsvereinbarung-land-itvsh-2019",
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
        "unknowns_note": (
            "Die Medien-Information ist undatiert und nennt kein Unterzeichnungsdatum. Laufzeit: die „nächsten fünf "
            "Jahre“ mit Planung für 2025; Beginn daher nur als Jahr 2025 erfasst."
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
        "status": "in_kraft",
        "announced_on": datetime.date(2018, 7, 23),
        "signed_date_unknown": True,
        "term_kind": "unknown",
        "unknowns_note": (
            "Datum der Vereinbarung, Unterzeichnende und Laufzeit nennt die Quelle nicht (Bericht vom 23.07.2018, "
            "„ist … vereinbart worden“)."
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
            (LAND, "Dem IT-Verbund 1,5 Mio. Euro pro Jahr zur Verfügung stellen", ""),
            (LAND, "Zwei Mitarbeitende an den IT-Verbund abordnen", ""),
            (LAND, "Öffentliches Monitoring zum Umsetzungsstand des OZG einrichten", "ab dem zweiten Halbjahr 2018"),
        ],
        "measures": [
            ("Alle Verwaltungsleistungen digital abrufbar machen (Ziel: bis 2022)", None),
        ],
        "sources": [
            {
                "kind": "fachpresse",
                "title": "Gemeinsame OZG-Umsetzung",
                "publisher": TRADE_PRESS,
                "published_on": datetime.date(2018, 7, 23),
                "note": "Beruft sich auf das Ministerium für Energiewende, Landwirtschaft, Umwelt, Natur und "
                "Digitalisierung. URL in der Quelle nicht angegeben.",
            }
        ],
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
        "unknowns_note": "Ein gesondertes Datum des Wirksamwerdens nennt die Quelle nicht; Laufzeit ab Unterzeichnung.",
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
