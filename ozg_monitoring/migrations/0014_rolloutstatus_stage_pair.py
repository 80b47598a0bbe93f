# The dashboard's online (Leistung, Verwaltung) pairs from one index alone (bench/README.md, Germany scale).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0005_german_order"),
        ("ozg_monitoring", "0013_statusevent_leistung_time"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="rolloutstatus",
            index=models.Index(fields=["stage", "leistung", "verwaltung"], name="rolloutstatus_stage_pair"),
        ),
    ]
