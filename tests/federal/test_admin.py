"""The staff side: Monitoring reads record sets and records (filters, report), nobody writes them in the admin."""

import pytest
from django.urls import reverse

from federal.models import FederalRecordSet
from tests.accounts.factories import role_user

from .fake_dashboard import FakeDashboard

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_static_storage")]


@pytest.fixture
def synced(settings, planted):
    from django.core.management import call_command

    with FakeDashboard(by_ars={"010000000000": planted.records}) as server:
        settings.FEDERAL_DASHBOARD_URL = server.url("/api/")
        call_command("sync_federal_dashboard", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return FederalRecordSet.objects.get()


def test_monitoring_reads_sets_and_records(client, verified_login, synced, territory):
    verified_login(client, role_user("Monitoring"))
    sets = client.get(reverse("admin:federal_federalrecordset_changelist"))
    assert sets.status_code == 200 and list(sets.context_data["cl"].result_list) == [synced]
    detail = client.get(reverse("admin:federal_federalrecordset_change", args=[synced.pk]))
    assert detail.status_code == 200 and "ozgid_unknown" in detail.content.decode()
    records = client.get(reverse("admin:federal_federalrecord_changelist"), {"rule__exact": "kept_unresolved"})
    assert records.status_code == 200
    assert len(records.context_data["cl"].result_list) == 5
    in_nf = client.get(reverse("admin:federal_federalrecord_changelist"), {"kreis": territory.nf.ars[:5]})
    assert {r.ars[:5] for r in in_nf.context_data["cl"].result_list} == {"01054"}
    assert len(in_nf.context_data["cl"].result_list) == 5  # Föhr twice, Alkersum, Husum, the Kreis
    found = client.get(reverse("admin:federal_federalrecord_changelist"), {"q": "99999999999999"})  # LeiKa key
    assert [(r.ozgid, r.reasons) for r in found.context_data["cl"].result_list] == [(10200, ["leika_unknown"])]


def test_kommune_and_redaktion_do_not_see_them(client, verified_login, synced):
    for group in ("Kommune", "Redaktion"):
        client.logout()
        verified_login(client, role_user(group))
        assert client.get(reverse("admin:federal_federalrecordset_changelist")).status_code == 403
