"""Fewer checks and index entries per status write (bench/README.md, "fifth round").

- A history entry's Leistung and Verwaltung are its status's pair: on PostgreSQL one foreign key (the pair
  references the status's unique pair `rolloutstatus_unique_pair`) replaces the two keys of their own, so the
  commit of a 1,000-item bulk upsert checks 1,000 keys fewer, and no entry can name a pair that no status has. The
  key is added valid: every entry written so far was written with its status's pair. SQLite keeps no key there.
- `is_demo` and `provider` of the statuses are indexed only where the queries look (demo rows; a provider set): a
  status write is never a HOT update (its `updated_at` is indexed), so every index whose condition a row meets
  gets an entry for each write."""

import django.db.models.deletion
from django.db import migrations, models

EVENTS = "ozg_monitoring_statusevent"
STATUS = "ozg_monitoring_rolloutstatus"
KEY = "statusevent_status_pair"


def add_pair_key(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE {EVENTS} ADD CONSTRAINT {KEY} FOREIGN KEY (leistung_id, verwaltung_id) "
        f"REFERENCES {STATUS} (leistung_id, verwaltung_id) DEFERRABLE INITIALLY DEFERRED"
    )


def drop_pair_key(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE {EVENTS} DROP CONSTRAINT IF EXISTS {KEY}")


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0005_german_order"),
        ("ozg_monitoring", "0018_online_pair"),
    ]

    operations = [
        migrations.AlterField(
            model_name="rolloutstatus",
            name="is_demo",
            field=models.BooleanField(default=False, verbose_name="Beispieldaten"),
        ),
        migrations.AlterField(
            model_name="rolloutstatus",
            name="provider",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="organisations.organisation",
                verbose_name="Anbieter",
            ),
        ),
        migrations.AlterField(
            model_name="statusevent",
            name="leistung",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="ozg_monitoring.ozgleistung",
                verbose_name="OZG-Leistung",
            ),
        ),
        migrations.AlterField(
            model_name="statusevent",
            name="verwaltung",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="organisations.organisation",
                verbose_name="Verwaltung",
            ),
        ),
        migrations.AddIndex(
            model_name="rolloutstatus",
            index=models.Index(condition=models.Q(("is_demo", True)), fields=["is_demo"], name="rolloutstatus_demo"),
        ),
        migrations.AddIndex(
            model_name="rolloutstatus",
            index=models.Index(
                condition=models.Q(("provider__isnull", False)), fields=["provider"], name="rolloutstatus_provider"
            ),
        ),
        migrations.RunPython(add_pair_key, drop_pair_key),
    ]
