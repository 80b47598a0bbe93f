"""The one way to change an existing row's fields in a service: common.services.model_update."""

import ast
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.services import editable_fields, model_update
from funding.models import InKindContribution
from tests.funding.factories import InKindFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _updates(queries) -> list[str]:
    return [query["sql"] for query in queries if query["sql"].startswith("UPDATE")]


def test_changes_only_what_differs_and_saves_only_that():
    item = InKindFactory(title="Abordnung", people_count=2)
    with CaptureQueriesContext(connection) as queries:
        same, updated = model_update(
            instance=item, fields=["title", "people_count"], data={"title": "Abordnung", "people_count": 3}
        )
    assert same is item and updated is True
    (sql,) = _updates(queries)
    set_part = sql.split(" SET ", 1)[1].split(" WHERE ")[0]
    assert '"people_count"' in set_part and '"updated_at"' in set_part and '"title"' not in set_part
    assert InKindContribution.objects.get(pk=item.pk).people_count == 3


def test_nothing_changed_nothing_saved():
    item = InKindFactory(title="Abordnung")
    with CaptureQueriesContext(connection) as queries:
        _item, updated = model_update(instance=item, fields=["title"], data={"title": "Abordnung"})
    assert updated is False and _updates(queries) == []


def test_a_field_outside_the_allowed_is_a_programming_error():
    item = InKindFactory()
    with pytest.raises(TypeError, match="titel"):
        model_update(instance=item, fields=["title"], data={"titel": "Tippfehler"})


def test_the_model_rules_run_before_saving():
    item = InKindFactory(title="Abordnung")
    with pytest.raises(ValidationError) as error:
        model_update(instance=item, fields=["title"], data={"title": ""})
    assert "title" in error.value.message_dict
    assert InKindContribution.objects.get(pk=item.pk).title == "Abordnung"


def test_a_service_save_gets_the_update_fields():
    item = InKindFactory(title="Abordnung")
    calls = []
    model_update(instance=item, fields=["title"], data={"title": "Neu"}, save=lambda obj, fields: calls.append(fields))
    assert calls == [["title", "updated_at"]]


def test_editable_fields_leave_out_key_stamps_and_derived_fields():
    from cooperations.models import Agreement

    assert {"id", "created_at", "updated_at"}.isdisjoint(editable_fields(InKindContribution))
    assert "key" not in editable_fields(InKindContribution, exclude=("key",))
    assert {"term_start", "term_end"}.isdisjoint(editable_fields(Agreement))
    assert {"title", "term_kind", "wahlperiode"} <= set(editable_fields(Agreement))


def _setattr_loops(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.For):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call) and getattr(inner.func, "id", None) == "setattr":
                    lines.append(node.lineno)
    return lines


SERVICES = sorted(
    [*ROOT.glob("*/services.py"), *ROOT.glob("*/services/*.py"), *ROOT.glob("*/api/views.py")],
    key=lambda path: str(path),
)


@pytest.mark.parametrize("path", SERVICES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_service_sets_fields_in_a_loop_of_its_own(path):
    """The helper itself has the one loop; apply_changes of the OZG statuses sets an in-memory status that the bulk
    upsert writes in bulk (no save of the row)."""
    allowed = {"common/services.py", "ozg_monitoring/services/values.py"}
    found = _setattr_loops(path)
    if str(path.relative_to(ROOT)) in allowed:
        assert len(found) == 1
    else:
        assert found == []
