"""Anonymous public reads go to the read replica, everything else to the primary (itvsh_portal/db_router.py,
common/replica.py). The replica alias is a test mirror of the primary (itvsh_portal/settings.py): the same database,
a connection of its own, so which alias a query went through is counted per connection. Transactional tests: the
mirror does not see the uncommitted rows of a test transaction (and every query inside an atomic block goes to the
primary anyway, which the last tests check)."""

import time

import pytest
from django.contrib.auth.models import Group
from django.db import connections, transaction
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import include, path

from common import replica
from itvsh_portal.db_router import ReplicaRouter, may_read_replica
from tests.accounts.factories import UserFactory, issue_token

pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
    pytest.mark.urls("tests.portal.test_replica"),
]

COOKIE = "portal_primary"


def _write_on_get(request):
    """Reads, writes, reads again: a GET that writes (the write hook, not the method, tells)."""
    before = Group.objects.count()
    Group.objects.create(name=f"Gruppe {before + 1}")
    return HttpResponse(str(Group.objects.count()))


def _read(request):
    return HttpResponse(str(Group.objects.count()))


urlpatterns = [
    path("test/schreiben/", _write_on_get),
    path("test/lesen/", _read),
    path("", include("itvsh_portal.urls")),
]


@pytest.fixture(autouse=True)
def _replica_on(settings):
    settings.READ_REPLICA_ENABLED = True


class Queries:
    """The queries of the block, per alias."""

    def __enter__(self):
        self.default = CaptureQueriesContext(connections["default"])
        self.replica = CaptureQueriesContext(connections["replica"])
        self.default.__enter__()
        self.replica.__enter__()
        return self

    def __exit__(self, *exc):
        self.replica.__exit__(*exc)
        self.default.__exit__(*exc)


def test_an_anonymous_get_of_the_dashboard_reads_from_the_replica(client):
    with Queries() as queries:
        response = client.get("/ozg/")
    assert response.status_code == 200
    assert len(queries.replica) > 0
    assert len(queries.default) == 0, [q["sql"] for q in queries.default.captured_queries]
    assert COOKIE not in response.cookies  # nothing written: no cookie


def test_without_a_replica_every_read_goes_to_the_primary(client, settings):
    settings.READ_REPLICA_ENABLED = False
    with Queries() as queries:
        assert client.get("/ozg/").status_code == 200
        response = client.get("/test/schreiben/")
    assert len(queries.replica) == 0 and len(queries.default) > 0
    assert COOKIE not in response.cookies  # no replica, no cookie


def test_a_post_reads_from_the_primary(client):
    with Queries() as queries:
        response = client.post("/ozg/", {"q": "x"})
    assert response.status_code in (200, 403, 405)
    assert len(queries.replica) == 0


def test_a_logged_in_get_reads_from_the_primary(client):
    client.force_login(UserFactory())
    with Queries() as queries:
        assert client.get("/ozg/").status_code == 200
    assert len(queries.replica) == 0 and len(queries.default) > 0


def test_a_token_api_get_reads_from_the_primary(client):
    """A Kommune's client reads `version` before its PATCH: that read must see the last write."""
    _token, key = issue_token()
    with Queries() as queries:
        assert client.get("/api/v1/ozg/status/").status_code == 200  # anonymously
    assert len(queries.replica) > 0 and len(queries.default) == 0
    with Queries() as queries:
        response = client.get("/api/v1/ozg/status/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert len(queries.replica) == 0 and len(queries.default) > 0
    assert COOKIE in response.cookies  # using a token records its last use: a write


def test_a_write_sets_the_sticky_cookie_and_later_reads_of_the_client_go_to_the_primary(client):
    with Queries() as queries:
        response = client.get("/test/schreiben/")
    assert response.content == b"1"
    # read before the write from the replica, the write and the read after it from the primary
    assert len(queries.replica) == 1 and "COUNT" in queries.replica[0]["sql"].upper()
    statements = [q["sql"].split()[0].upper() for q in queries.default]
    assert statements[0] == "INSERT" and statements[-1] == "SELECT"  # the group (and its audit entry), the count
    cookie = response.cookies[COOKIE]
    assert cookie["max-age"] == 5 and cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["secure"]
    with Queries() as queries:
        assert client.get("/test/lesen/").content == b"1"  # the client sends the cookie back
    assert len(queries.replica) == 0 and len(queries.default) == 1
    with Queries() as queries:
        client.cookies.pop(COOKIE)
        assert client.get("/test/lesen/").content == b"1"  # another client
    assert len(queries.replica) == 1 and len(queries.default) == 0


def test_the_sticky_cookie_is_secure_under_https(client, settings):
    settings.SESSION_COOKIE_SECURE = True
    assert client.get("/test/schreiben/").cookies[COOKIE]["secure"]


def test_the_sticky_cookie_expires(client, monkeypatch):
    client.get("/test/schreiben/")
    later = time.time() + 6
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    with Queries() as queries:
        client.get("/test/lesen/")
    assert len(queries.replica) == 1 and len(queries.default) == 0


def test_a_forged_sticky_cookie_counts_for_nothing(client):
    client.cookies[COOKIE] = "1"
    with Queries() as queries:
        client.get("/test/lesen/")
    assert len(queries.replica) == 1


def test_what_marks_a_request(rf):
    assert may_read_replica(rf.get("/ozg/"))
    assert may_read_replica(rf.head("/ozg/"))
    assert not may_read_replica(rf.post("/ozg/"))
    assert not may_read_replica(rf.get("/ozg/", HTTP_AUTHORIZATION="Token abc"))
    assert not may_read_replica(rf.get("/admin/"))
    request = rf.get("/ozg/")
    request.COOKIES["sessionid"] = "x"  # a session: logged in, or just logged out
    assert not may_read_replica(request)


def test_transactions_tasks_and_commands_read_from_the_primary():
    assert replica.read_alias() == "default"  # no request: a Celery task, a management command, the shell
    with replica.request_reads(replica=True):
        assert replica.read_alias() == "replica"
        with transaction.atomic():
            assert replica.read_alias() == "default"
        with replica.on_primary():
            assert replica.read_alias() == "default"
        assert replica.read_alias() == "replica"
    with replica.request_reads(replica=False):
        assert replica.read_alias() == "default"


def test_writes_and_migrations_go_to_the_primary():
    router = ReplicaRouter()
    with replica.request_reads(replica=True):
        assert router.db_for_write(Group) == "default"
        assert router.db_for_read(Group) == "replica"
    assert router.allow_migrate("default", "auth") and not router.allow_migrate("replica", "auth")


def test_a_lagging_replica_fills_no_cache_entry(client, monkeypatch):
    """The lag guard: a value to be cached is computed on the primary when the replica has not caught up; a read
    that fills no cache stays on the replica."""
    monkeypatch.setattr(replica, "replica_caught_up", lambda: False)
    with Queries() as queries:
        assert client.get("/ozg/").status_code == 200  # cold: the page is computed and stored
    assert len(queries.default) > 0 and len(queries.replica) == 0
    with Queries() as queries:
        assert client.get("/ozg/").status_code == 200  # warm: from the cache
    assert len(queries.default) == 0 and len(queries.replica) == 0
    with Queries() as queries:
        assert client.get("/test/lesen/").status_code == 200
    assert len(queries.replica) == 1 and len(queries.default) == 0


def test_a_mirror_of_the_primary_has_caught_up_and_another_database_has_not(monkeypatch):
    assert replica.replica_caught_up()
    monkeypatch.setattr(replica, "_same_database", lambda a, b: False)
    # Not the same database: on PostgreSQL the replica is asked for its replay position (a primary is not in
    # recovery, so it does not count as caught up); other databases cannot tell.
    assert not replica.replica_caught_up()


@pytest.mark.postgres
def test_the_wal_positions_are_compared_on_postgresql(monkeypatch):
    if connections["default"].vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    monkeypatch.setattr(replica, "_same_database", lambda a, b: False)
    with Queries() as queries:
        assert not replica.replica_caught_up()
    assert "pg_current_wal_lsn" in queries.default[0]["sql"]
    assert "pg_last_wal_replay_lsn" in queries.replica[0]["sql"]


def test_the_datenschutzerklaerung_names_the_cookie_only_with_a_replica(client, settings):
    assert "portal_primary" in client.get("/datenschutz/").content.decode()
    settings.READ_REPLICA_ENABLED = False
    assert "portal_primary" not in client.get("/datenschutz/").content.decode()
