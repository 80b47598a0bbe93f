"""The running count of statuses per stage (ozg_monitoring/tally.py): the table, and on PostgreSQL the statement
triggers on the status table that keep it, with the count of the statuses there are now. Nothing more on SQLite."""

from django.db import migrations, models

TALLY = "ozg_monitoring_stagetally"
STATUS = "ozg_monitoring_rolloutstatus"
EVENTS = {
    "insert": ("NEW TABLE AS new_rows", "SELECT stage, COUNT(*) FROM new_rows GROUP BY stage"),
    "delete": ("OLD TABLE AS old_rows", "SELECT stage, -COUNT(*) FROM old_rows GROUP BY stage"),
    # Rows whose stage did not change cancel out: an update of notes or addresses adds nothing.
    "update": (
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "SELECT stage, SUM(n) FROM (SELECT stage, 1 AS n FROM new_rows UNION ALL SELECT stage, -1 FROM old_rows) d "
        "GROUP BY stage HAVING SUM(n) <> 0",
    ),
}


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for event, (referencing, select) in EVENTS.items():
        function = f"ozg_stage_tally_{event}"
        schema_editor.execute(
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN INSERT INTO {TALLY} (stage, n) {select}; RETURN NULL; END $$"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {function} AFTER {event.upper()} ON {STATUS} REFERENCING {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )
    schema_editor.execute(
        "CREATE OR REPLACE FUNCTION ozg_stage_tally_truncate() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN DELETE FROM {TALLY}; RETURN NULL; END $$"
    )
    schema_editor.execute(
        f"CREATE TRIGGER ozg_stage_tally_truncate AFTER TRUNCATE ON {STATUS} "
        "FOR EACH STATEMENT EXECUTE FUNCTION ozg_stage_tally_truncate()"
    )
    # The statuses there are now, counted while nobody writes them (the lock lasts to the end of the migration).
    schema_editor.execute(f"LOCK TABLE {STATUS} IN SHARE MODE")
    schema_editor.execute(f"INSERT INTO {TALLY} (stage, n) SELECT stage, COUNT(*) FROM {STATUS} GROUP BY stage")


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for event in (*EVENTS, "truncate"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS ozg_stage_tally_{event} ON {STATUS}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS ozg_stage_tally_{event}()")


class Migration(migrations.Migration):

    dependencies = [
        ('ozg_monitoring', '0016_shared_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='StageTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('stage', models.CharField(choices=[('nicht_geplant', 'nicht geplant'), ('geplant', 'geplant'), ('in_umsetzung', 'in Umsetzung'), ('online', 'online verfügbar'), ('ende_zu_ende', 'Ende-zu-Ende digital')], max_length=16, verbose_name='Umsetzungsstand')),
                ('n', models.BigIntegerField(verbose_name='Änderung der Anzahl')),
            ],
            options={
                'verbose_name': 'Zählung je Umsetzungsstand',
                'verbose_name_plural': 'Zählungen je Umsetzungsstand',
            },
        ),
        migrations.RunPython(install, uninstall, elidable=False),
    ]
