# Foreign keys without an index of their own where a composite index begins with them (every write updated both).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('organisations', '0005_german_order'),
        ('ozg_monitoring', '0015_rolloutstatus_autovacuum'),
    ]

    operations = [
        migrations.AlterField(
            model_name='rolloutstatus',
            name='leistung',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='statuses', to='ozg_monitoring.ozgleistung', verbose_name='OZG-Leistung'),
        ),
        migrations.AlterField(
            model_name='rolloutstatus',
            name='stage',
            field=models.CharField(choices=[('nicht_geplant', 'nicht geplant'), ('geplant', 'geplant'), ('in_umsetzung', 'in Umsetzung'), ('online', 'online verfügbar'), ('ende_zu_ende', 'Ende-zu-Ende digital')], default='nicht_geplant', max_length=16, verbose_name='Umsetzungsstand'),
        ),
        migrations.AlterField(
            model_name='statusevent',
            name='leistung',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ozg_monitoring.ozgleistung', verbose_name='OZG-Leistung'),
        ),
        migrations.AlterField(
            model_name='statusevent',
            name='status',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='events', to='ozg_monitoring.rolloutstatus', verbose_name='Umsetzungsstand'),
        ),
        migrations.AlterField(
            model_name='statusevent',
            name='verwaltung',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organisations.organisation', verbose_name='Verwaltung'),
        ),
        migrations.AddIndex(
            model_name='rolloutstatus',
            index=models.Index(fields=['stage'], name='rolloutstatus_stage'),
        ),
    ]
