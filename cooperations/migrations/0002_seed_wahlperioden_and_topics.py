"""Seeds the Wahlperioden of the Schleswig-Holsteinischer Landtag and the managed list of topic fields.

Wahlperioden: a period begins with the constituent session of the newly elected Landtag and ends when the next
one convenes (Art. 19 Landesverfassung SH); `end` is the last day before that. Constituent sessions: 5 June 2012
(18th), 6 June 2017 (19th), 7 June 2022 (20th). The 20th period's end is open (next election 2027). Staff can
correct dates in the admin; derived agreement ends follow (services.wahlperiode_update).
Topics: the topic fields named in the founding documents (issue 3). Existing rows are left untouched.
"""

import datetime

from django.db import migrations

WAHLPERIODEN = [
    (18, datetime.date(2012, 6, 5), datetime.date(2017, 6, 5), "Landtagswahl 6. Mai 2012"),
    (19, datetime.date(2017, 6, 6), datetime.date(2022, 6, 6), "Landtagswahl 7. Mai 2017"),
    (20, datetime.date(2022, 6, 7), None, "Landtagswahl 8. Mai 2022; Ende offen"),
]

TOPICS = [
    ("digitale-transformation", "Digitale Transformation"),
    ("ozg-umsetzung-daseinsvorsorge", "OZG-Umsetzung und digitale Daseinsvorsorge"),
    ("digitale-teilhabe", "Digitale Teilhabe"),
    ("kompetenzaufbau", "Kompetenzaufbau der Mitarbeitenden"),
    ("zusammenarbeit", "Interkommunale und ebenenübergreifende Zusammenarbeit"),
    ("infrastruktur-interoperabilitaet", "Digitale Infrastruktur und Interoperabilität"),
    ("informationssicherheit", "Informationssicherheit und IT-Notfallmanagement"),
    ("open-data", "Open Data"),
    ("schultraegerberatung", "Schulträgerberatung"),
    ("digitale-archivierung", "Digitale Archivierung"),
    ("digitales-planen-bauen", "Digitales Planen und Bauen"),
    ("auslaenderwesen", "Digitalisierung des Ausländerwesens"),
    ("digitalstrategie", "Kommunale Digital- und E-Government-Strategie"),
    ("open-source", "Open Source"),
    ("einheitlicher-ansprechpartner", "Einheitlicher Ansprechpartner"),
]


def seed(apps, schema_editor):
    Wahlperiode = apps.get_model("cooperations", "Wahlperiode")
    Topic = apps.get_model("cooperations", "Topic")
    for number, start, end, note in WAHLPERIODEN:
        Wahlperiode.objects.get_or_create(number=number, defaults={"start": start, "end": end, "note": note})
    for slug, name in TOPICS:
        if not Topic.objects.filter(name=name).exists():
            Topic.objects.get_or_create(slug=slug, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [
        ("cooperations", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
