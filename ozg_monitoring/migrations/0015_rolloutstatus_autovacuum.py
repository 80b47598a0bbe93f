"""PostgreSQL: autovacuum visits the status table after 1 % of its rows changed (plus 1,000), not after PostgreSQL's
default of 20 %. The dashboard counts and reads its online pairs from the index `rolloutstatus_stage_pair` alone
(an index-only scan) only where the visibility map says a page is all-visible; statuses change all day (a bulk of
1,000 touches as many rows), and at 20 % a Schleswig-Holstein table of 100,000 rows would wait for 20,000 changes,
a Germany one for 520,000, while every such read fetches the changed pages from the table. Nothing on SQLite."""

from django.db import migrations

TABLE = "ozg_monitoring_rolloutstatus"
SETTINGS = {
    "autovacuum_vacuum_scale_factor": "0.01",
    "autovacuum_vacuum_threshold": "1000",
    "autovacuum_analyze_scale_factor": "0.02",
}


def tune(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        options = ", ".join(f"{name} = {value}" for name, value in SETTINGS.items())
        schema_editor.execute(f"ALTER TABLE {TABLE} SET ({options})")


def untune(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} RESET ({', '.join(SETTINGS)})")


class Migration(migrations.Migration):
    dependencies = [
        ("ozg_monitoring", "0014_rolloutstatus_stage_pair"),
    ]

    operations = [
        migrations.RunPython(tune, untune, elidable=False),
    ]
