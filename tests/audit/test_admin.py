"""The audit trail in the admin: readable with the view permission, never addable, changeable or deletable (not
even by a superuser), a change list with a fixed number of queries, a readable table of changes, CSV export."""

import csv
import io
import itertools

import pytest
from django.contrib.auth.models import Group, Permission

from audit.context import acting_as
from audit.models import AuditEntry
from common.authorization import system_actor
from cooperations import services as cooperation_services
from tests.accounts.factories import StaffUserFactory, issue_token
from tests.cooperations.factories import AgreementFactory

pytestmark = pytest.mark.django_db
URL = "/admin/audit/auditentry/"
_numbers = itertools.count()


def _some_entries(n=3):
    for index in itertools.islice(_numbers, n):
        agreement = AgreementFactory(title=f"Vereinbarung {index}")
        cooperation_services.agreement_update(agreement=agreement, title=f"Vereinbarung {index}b", by=system_actor())
        Group.objects.create(name=f"Gruppe {index}")
        issue_token(name=f"Token {index}")


def test_superuser_cannot_add_change_or_delete(admin_client):
    _some_entries(1)
    entry = AuditEntry.objects.first()
    assert admin_client.get(f"{URL}add/").status_code == 403
    assert admin_client.post(f"{URL}add/", {"action": "created"}).status_code == 403
    assert admin_client.post(f"{URL}{entry.pk}/change/", {"object_label": "anders"}).status_code == 403
    assert admin_client.get(f"{URL}{entry.pk}/delete/").status_code == 403
    assert admin_client.post(f"{URL}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = admin_client.post(URL, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})
    assert bulk.status_code in (200, 302)  # the action does not exist: nothing happens
    assert AuditEntry.objects.get(pk=entry.pk).object_label == entry.object_label


def test_detail_is_read_only_and_shows_a_table_of_changes(admin_client):
    with acting_as(user=StaffUserFactory(username="redaktion2")):
        agreement = AgreementFactory(title="Alt")
        cooperation_services.agreement_update(agreement=agreement, title="Neu", by=system_actor())
    entry = AuditEntry.objects.filter(action="changed", content_type__model="agreement").get()
    page = admin_client.get(f"{URL}{entry.pk}/change/").content.decode()
    assert '<table class="audit-changes">' in page
    assert "<th scope=\"row\">Titel</th><td>Alt</td><td>Neu</td>" in page
    assert "redaktion2" in page
    assert 'name="object_label"' not in page and 'name="_save"' not in page


def test_staff_need_the_view_permission(client, verified_login):
    _some_entries(1)
    staff = StaffUserFactory()
    verified_login(client, staff)
    assert client.get(URL).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_auditentry"))
    assert client.get(URL).status_code == 200


def test_changelist_costs_a_fixed_number_of_queries(admin_client, django_assert_num_queries):
    _some_entries(1)
    admin_client.get(URL)  # warm caches (content types, session)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(URL).status_code == 200
    _some_entries(8)
    assert AuditEntry.objects.count() > 40
    with django_assert_num_queries(len(few)):
        response = admin_client.get(URL)
    assert response.status_code == 200
    assert response.content.decode().count('class="field-action"') == min(AuditEntry.objects.count(), 100)


def test_filters_and_search(admin_client):
    _some_entries(2)
    by_door = admin_client.get(URL, {"door__exact": "system"})
    assert by_door.status_code == 200
    title = AuditEntry.objects.filter(action="changed").order_by("id").last().object_label
    other = AuditEntry.objects.filter(action="changed").order_by("id").first().object_label
    found = admin_client.get(URL, {"q": title}).content.decode()
    assert title in found and other not in found


def test_csv_export_of_selected_entries(admin_client):
    _some_entries(1)
    ids = list(AuditEntry.objects.values_list("pk", flat=True))
    response = admin_client.post(URL, {"action": "export_csv", "_selected_action": ids})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["zeitpunkt", "benutzer", "zugang", "zugang_detail", "vorgang"]
    assert len(rows) == 1 + len(ids)
    assert any("cooperations.agreement" in row for row in rows)
