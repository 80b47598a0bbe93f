"""Where a change came from (issue 13, common/provenance.py): the source kind on each history entry and on each
status (its current provenance, with its time), and the history's channel "system" (a write from a shell or a
script: the channel is derived from the audit context now, no caller names it).

Existing entries get the source kind that their public label was computed from until now: the channel "demo" and
"import" name theirs; else the author's rights today: who acts for all Verwaltungen (a superuser, a holder of
accounts.act_for_all_verwaltungen itself or through a group, the system actor) wrote as the ITV.SH Redaktion,
anyone else as a Kommune; an entry whose account is gone stays empty (not known). A status takes the source kind
and time of its latest entry; a status without entries its demo flag ("demo") or nothing, with its updated_at.
"""

from django.db import migrations, models
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

SYSTEM_USERNAME = "system"
ACT_FOR_ALL = ("accounts", "act_for_all_verwaltungen")


def forwards(apps, schema_editor):
    User = apps.get_model("auth", "User")
    StatusEvent = apps.get_model("ozg_monitoring", "StatusEvent")
    RolloutStatus = apps.get_model("ozg_monitoring", "RolloutStatus")
    app_label, codename = ACT_FOR_ALL
    for_all = User.objects.filter(
        Q(is_superuser=True)
        | Q(username=SYSTEM_USERNAME, is_active=False)
        | Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app_label)
        | Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label)
    ).values("pk")
    # The plain base manager: the model's own manager guards the append-only history against updates.
    events = StatusEvent._base_manager.filter(source_kind="")
    events.filter(channel="demo").update(source_kind="demo")
    events.filter(channel="import").update(source_kind="import")
    by_people = events.exclude(channel__in=["demo", "import"]).filter(changed_by__isnull=False)
    by_people.filter(changed_by__in=for_all).update(source_kind="redaktion")
    by_people.exclude(changed_by__in=for_all).update(source_kind="kommune")

    latest = StatusEvent._base_manager.filter(status=OuterRef("pk")).order_by("-changed_at", "-id")
    RolloutStatus.objects.update(
        source_kind=Coalesce(Subquery(latest.values("source_kind")[:1]), Value("")),
        source_at=Subquery(latest.values("changed_at")[:1]),
    )
    without = RolloutStatus.objects.filter(source_at__isnull=True)
    without.filter(is_demo=True).update(source_kind="demo")
    without.update(source_at=F("updated_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('ozg_monitoring', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='rolloutstatus',
            name='source_at',
            field=models.DateTimeField(blank=True, help_text='Wann die Herkunft diesen Stand angegeben hat.', null=True, verbose_name='Stand der Herkunft'),
        ),
        migrations.AddField(
            model_name='rolloutstatus',
            name='source_kind',
            field=models.CharField(blank=True, choices=[('demo', 'Beispieldaten'), ('redaktion', 'ITV.SH-Redaktion'), ('kommune', 'Kommune'), ('import', 'Datei-Import'), ('bund', 'Bundes-Dashboard'), ('gruendungsdokument', 'Gründungsdokument')], help_text='Woher der aktuelle Stand kommt (common/provenance.py); leer: nicht bekannt.', max_length=20, verbose_name='Herkunft'),
        ),
        migrations.AddField(
            model_name='statusevent',
            name='source_kind',
            field=models.CharField(blank=True, choices=[('demo', 'Beispieldaten'), ('redaktion', 'ITV.SH-Redaktion'), ('kommune', 'Kommune'), ('import', 'Datei-Import'), ('bund', 'Bundes-Dashboard'), ('gruendungsdokument', 'Gründungsdokument')], help_text='Woher die Änderung kommt, wie öffentliche Ausgaben sie nennen; leer: nicht bekannt.', max_length=20, verbose_name='Herkunft'),
        ),
        migrations.AlterField(
            model_name='statusevent',
            name='channel',
            field=models.CharField(choices=[('admin', 'Verwaltungsoberfläche'), ('api', 'API-Token'), ('import', 'Import'), ('demo', 'Beispieldaten'), ('system', 'System')], max_length=8, verbose_name='Weg'),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
