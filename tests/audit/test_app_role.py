"""The application's database role owns no table (migrations run as the owner; docs/BETRIEB.md, "Datenbankrollen"),
so the audit trail's append-only trigger binds the application too: connected as that role, nobody can change or
delete an entry, nor switch off or drop the trigger. PostgreSQL only."""

import io
import os
import secrets

import psycopg2
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from audit.context import acting_as
from audit.models import AuditEntry
from tests.accounts.factories import StaffUserFactory
from tests.cooperations.factories import AgreementFactory

pytestmark = pytest.mark.postgres


@pytest.fixture
def app_role(transactional_db):
    """A login role, granted by `grant_app_role` as the migrate job does; committed rows are visible to it."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    name = f"itvsh_test_app_{os.getpid()}_{secrets.token_hex(3)}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {name} LOGIN")
    try:
        call_command("grant_app_role", name, stdout=io.StringIO())
        yield name
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {name}")
            cursor.execute(f"DROP ROLE {name}")


@pytest.fixture
def as_app(app_role):
    """A cursor connected as the application role (autocommit: each refused statement stands alone)."""
    settings = connection.settings_dict
    conn = psycopg2.connect(
        dbname=settings["NAME"], user=app_role, host=settings["HOST"] or None, port=settings["PORT"] or None
    )
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            yield cursor
    finally:
        conn.close()


@pytest.fixture
def entry(transactional_db):
    editor = StaffUserFactory(username="redakteurin")
    with acting_as(user=editor):
        AgreementFactory()
    return AuditEntry.objects.filter(actor=editor).order_by("id").first()


def _refused(cursor, sql, params=None) -> psycopg2.Error:
    with pytest.raises(psycopg2.Error) as caught:
        cursor.execute(sql, params)
    return caught.value


def test_app_role_reads_and_writes_the_portal_tables(as_app, entry):
    as_app.execute("SELECT count(*) FROM audit_auditentry")
    assert as_app.fetchone()[0] == AuditEntry.objects.count() > 0
    as_app.execute("SELECT count(*) FROM cooperations_agreement")
    assert as_app.fetchone()[0] == 1
    as_app.execute("UPDATE cooperations_agreement SET title = title")
    assert as_app.rowcount == 1


def test_app_role_appends_audit_entries(as_app, entry):
    columns = ", ".join(f'"{f.column}"' for f in AuditEntry._meta.concrete_fields if not f.primary_key)
    sql = f"INSERT INTO audit_auditentry ({columns}) SELECT {columns} FROM audit_auditentry WHERE id = %s"  # noqa: S608
    as_app.execute(sql, [entry.id])
    assert as_app.rowcount == 1


def test_app_role_cannot_change_or_delete_audit_entries(as_app, entry):
    error = _refused(as_app, "UPDATE audit_auditentry SET object_label = 'gefälscht' WHERE id = %s", [entry.id])
    assert error.pgcode == "42501" and "Das Audit-Protokoll kann nicht geändert werden" in str(error)
    error = _refused(as_app, "DELETE FROM audit_auditentry WHERE id = %s", [entry.id])
    assert error.pgcode == "42501" and "permission denied" in str(error)
    error = _refused(as_app, "TRUNCATE audit_auditentry")
    assert error.pgcode == "42501"
    entry.refresh_from_db()
    assert entry.object_label != "gefälscht"


def test_app_role_cannot_switch_off_or_drop_the_trigger(as_app, entry):
    for sql in (
        "ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only",
        "ALTER TABLE audit_auditentry DISABLE TRIGGER ALL",
        "DROP TRIGGER audit_entry_append_only ON audit_auditentry",
        "DROP FUNCTION audit_entry_append_only()",
        "CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$ BEGIN RETURN NEW; END; $$ "
        "LANGUAGE plpgsql",
        "DROP TABLE audit_auditentry",
    ):
        error = _refused(as_app, sql)
        assert error.pgcode == "42501", sql
        assert "must be owner" in str(error) or "permission denied for schema" in str(error), sql
    # Triggers off for the session (as a replica would): superusers only.
    error = _refused(as_app, "SET session_replication_role = replica")
    assert error.pgcode == "42501"
    as_app.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = 'audit_entry_append_only'")
    assert as_app.fetchone() == ("O",)  # still enabled


def test_app_role_may_remove_a_deleted_users_name_link_only(as_app, entry):
    """Django's SET_NULL when a user is deleted: the one update the trigger lets through."""
    as_app.execute("UPDATE audit_auditentry SET actor_id = NULL WHERE id = %s", [entry.id])
    assert as_app.rowcount == 1
    entry.refresh_from_db()
    assert entry.actor_id is None and entry.actor_label == "redakteurin"


def test_app_role_cannot_change_the_schema(as_app):
    error = _refused(as_app, "CREATE TABLE itvsh_fremd (id int)")
    assert error.pgcode == "42501"


def test_tables_of_later_migrations_are_granted_too(app_role, as_app):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE itvsh_later_migration (id serial PRIMARY KEY, name text)")
    try:
        as_app.execute("INSERT INTO itvsh_later_migration (name) VALUES ('neu') RETURNING id")
        assert as_app.fetchone() == (1,)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE itvsh_later_migration")


def test_grant_refuses_the_owner_and_unknown_roles(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
    with pytest.raises(CommandError, match="Superuser oder die Eigentümerin"):
        call_command("grant_app_role", owner, stdout=io.StringIO())
    with pytest.raises(CommandError, match="gibt es nicht"):
        call_command("grant_app_role", "itvsh_no_such_role_x", stdout=io.StringIO())
    with pytest.raises(CommandError, match="Ungültiger Rollenname"):
        call_command("grant_app_role", "x; DROP TABLE y", stdout=io.StringIO())
