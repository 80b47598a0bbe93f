"""The Reifegrad in plain words beside every value: one definition (ozg_monitoring.maturity), used by the include
and the filter on every page that shows a level."""

from pathlib import Path

from django.template.loader import render_to_string

from ozg_monitoring.maturity import HIGHEST, MODELS, explain
from ozg_monitoring.models import MATURITY_MODELS, RolloutStatus


def test_every_level_of_both_models_has_words():
    assert HIGHEST == MATURITY_MODELS  # the same scales as the model's check
    for model, highest in MATURITY_MODELS.items():
        assert sorted(MODELS[model]) == list(range(highest + 1))
    assert explain(3, "1.1") == (
        "Reifegrad 3 von 4 (Modell 1.1): Online-Leistung: der Antrag kann einschließlich aller Nachweise online "
        "gestellt werden"
    )
    assert explain(7, "2.0").startswith("Reifegrad 7 von 7 (Modell 2.0): vollständig Ende-zu-Ende digital")


def test_unknown_is_said_never_guessed():
    assert explain(None, "2.0") == "Reifegrad nicht bekannt"
    assert explain(3, "") == "Reifegrad 3 (Reifegradmodell nicht bekannt)"


def test_the_include_and_the_stage_badge_explain_the_level():
    status = RolloutStatus(stage="online", maturity_level=3, maturity_model="1.1")
    html = render_to_string("ozg_monitoring/_maturity.html", {"status": status})
    assert "Reifegrad 3 von 4 (Modell 1.1): Online-Leistung" in html
    stage = render_to_string("ozg_monitoring/_stage.html", {"status": status, "maturity": True})
    assert "online verfügbar" in stage and "Reifegrad 3 von 4" in stage
    # Not online: the stored level (default 0) is not shown as a fact about the service.
    planned = RolloutStatus(stage="geplant", maturity_level=0, maturity_model="2.0")
    assert "Reifegrad" not in render_to_string("ozg_monitoring/_stage.html", {"status": planned, "maturity": True})


def test_no_template_shows_a_bare_level():
    """Every public page showing a Reifegrad goes through the include: no template prints maturity_level itself
    (the staff's reconciliation page in the admin reads the level without its model and keeps the number)."""
    root = Path(__file__).resolve().parents[2] / "templates"
    bare = [
        path.relative_to(root).as_posix()
        for path in root.rglob("*.html")
        if path.relative_to(root).parts[0] != "admin"
        and ("{{ status.maturity_level" in path.read_text() or "{{ row.maturity_level" in path.read_text())
    ]
    assert bare == []
