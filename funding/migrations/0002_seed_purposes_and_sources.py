"""The managed list of purposes (from the renewed Kooperationsvereinbarung Land–ITV.SH, Staatskanzlei SH)
and the collective funding sources that need no body from the register. The Land as a source is created by
`load_founding_funding`, because it needs the register."""

from django.db import migrations

PURPOSES = [
    # (slug, name, parent slug, position)
    ("digital-egovernment-strategie", "Digital- und E-Government-Strategie", None, 10),
    ("it-infrastruktur", "IT-Infrastruktur", None, 20),
    ("ozg-umsetzung-basisdienste", "OZG-Umsetzung und Basisdienste", None, 30),
    ("informationssicherheit", "Informationssicherheit", None, 40),
    ("digitale-daseinsvorsorge", "Digitale Daseinsvorsorge", None, 50),
    ("schultraegerberatung", "Schulträgerberatung", "digitale-daseinsvorsorge", 51),
    ("digitale-archivierung", "Digitale Archivierung", "digitale-daseinsvorsorge", 52),
    ("digitales-planen-bauen", "Digitales Planen und Bauen", "digitale-daseinsvorsorge", 53),
    ("digitalisierung-auslaenderwesen", "Digitalisierung des Ausländerwesens", "digitale-daseinsvorsorge", 54),
    ("geschaeftsstelle", "Geschäftsstelle", None, 60),
    ("nicht-aufgeschluesselt", "Nicht nach Zwecken aufgeschlüsselt", None, 70),
    ("sonstiges", "Sonstiges", None, 80),
]

SOURCES = [
    ("kommunen", "Kommunen (kommunaler Finanzierungsanteil)", "kommunen"),
    ("bund", "Bund", "bund"),
    ("eu", "Europäische Union", "eu"),
]


def seed(apps, schema_editor):
    Purpose = apps.get_model("funding", "Purpose")
    FundingSource = apps.get_model("funding", "FundingSource")
    by_slug = {}
    for slug, name, parent, position in PURPOSES:
        purpose, _ = Purpose.objects.update_or_create(
            slug=slug, defaults={"name": name, "parent": by_slug.get(parent), "position": position}
        )
        by_slug[slug] = purpose
    for slug, name, kind in SOURCES:
        FundingSource.objects.update_or_create(slug=slug, defaults={"name": name, "kind": kind})


class Migration(migrations.Migration):
    dependencies = [("funding", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
