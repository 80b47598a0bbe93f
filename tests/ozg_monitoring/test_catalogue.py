import io
import shutil

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ozg_monitoring.catalogue import default_level, split_leika_types
from ozg_monitoring.models import ExecutingLevel, Lebenslage, LeikaLeistung, OzgLeistung, Themenfeld

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("import_ozg_catalogue", *args, stdout=out)
    return out.getvalue()


def test_import_counts_and_reports_rows_without_key_or_ozg_id():
    output = run()
    assert Themenfeld.objects.count() == 14
    assert Lebenslage.objects.count() == 55  # the KDN dump's three junk rows ("aaaaabbbbb", …) are gone
    assert not Lebenslage.objects.filter(name__startswith="aaa").exists()
    assert OzgLeistung.objects.count() == 557
    assert LeikaLeistung.objects.count() == 5249
    assert LeikaLeistung.objects.filter(in_leika=False, key__isnull=True).count() == 436
    assert LeikaLeistung.objects.filter(ozg_leistung__isnull=True).count() == 26
    assert "436 Zeilen „nicht im LeiKa“" in output
    assert "26 LeiKa-Leistungen ohne OZG-ID" in output
    elterngeld = OzgLeistung.objects.get(ozg_id=10000)
    assert elterngeld.name == "Elterngeld"
    assert elterngeld.themenfeld.name == "Familie & Kind"
    assert elterngeld.leika_leistungen.count() == 4


def test_import_is_idempotent_and_keeps_manual_levels():
    run()
    ids = set(OzgLeistung.objects.values_list("pk", flat=True))
    OzgLeistung.objects.filter(ozg_id=10000).update(level=ExecutingLevel.KREIS, level_source="manual")
    output = run()
    assert "neu: 0, geändert: 0, entfernt: 0" in output
    assert set(OzgLeistung.objects.values_list("pk", flat=True)) == ids
    assert LeikaLeistung.objects.count() == 5249
    assert OzgLeistung.objects.get(ozg_id=10000).level == ExecutingLevel.KREIS


def test_default_levels_only_where_the_leika_types_decide():
    assert split_leika_types("1, 2/3") == {"1", "2/3"}
    assert default_level({"1"}) == ExecutingLevel.BUND
    assert default_level({"5"}) == ExecutingLevel.AMT_GEMEINDE
    assert default_level({"2/3"}) == ExecutingLevel.UNCLASSIFIED
    assert default_level({"1", "4"}) == ExecutingLevel.UNCLASSIFIED
    run()
    counts = {level: OzgLeistung.objects.filter(level=level).count() for level in ExecutingLevel.values}
    assert counts[ExecutingLevel.BUND] == 93
    assert counts[ExecutingLevel.AMT_GEMEINDE] == 5
    assert sum(counts.values()) == 557


def test_broken_file_names_file_line_and_field_and_changes_nothing(tmp_path, settings):
    source = settings.DATA_DIR / "ozg"
    for name in source.glob("*.csv"):
        shutil.copy(name, tmp_path / name.name)
    path = tmp_path / "ozg_leistungen.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("10002", "zehn", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"ozg_leistungen.csv, Zeile 4, Feld ozg_id"):
        run("--dir", str(tmp_path))
    assert Themenfeld.objects.count() == 0


def test_import_uses_bulk_queries():
    with CaptureQueriesContext(connection) as queries:
        run()
    assert len(queries) < 150  # SQLite batches inserts by its variable limit; PostgreSQL needs about 30
