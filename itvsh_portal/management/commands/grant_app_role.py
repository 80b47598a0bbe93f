"""`python manage.py grant_app_role ROLE`: the rights of the database role the application connects as.

Run as the owner of the tables (the role the migrations run as), after `migrate`; the image's `migrate` command
does it when DATABASE_APP_ROLE is set. Idempotent. The application role reads and writes rows but owns nothing:
it cannot change the schema, truncate a table, or disable or drop a trigger, so the audit trail's append-only
trigger binds the application too (audit/migrations/0002_append_only_trigger.py). On the audit table it may
only read, insert and update (the trigger lets an update through only where a deleted user's entries lose their
actor, as Django's SET_NULL does); it may not delete. Tables and sequences made by later migrations of the same
owner get the same rights (default privileges). See docs/BETRIEB.md, "Datenbankrollen".
"""

import re

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

AUDIT_TABLE = "audit_auditentry"
_ROLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class Command(BaseCommand):
    help = (
        "Gibt der Datenbankrolle der Anwendung (nicht Eigentümerin der Tabellen) Lese- und Schreibrechte auf "
        "alle Tabellen, auf das Audit-Protokoll nur Lesen, Anlegen und das Entfernen der handelnden Person."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="Name der Rolle, mit der sich die Anwendung verbindet")

    def handle(self, *args, role, **options):
        if connection.vendor != "postgresql":
            raise CommandError("grant_app_role braucht PostgreSQL (DATABASE_URL).")
        if not _ROLE_NAME.match(role):
            raise CommandError(f"Ungültiger Rollenname: {role!r}.")
        quoted = connection.ops.quote_name(role)
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper, rolname = current_user FROM pg_roles WHERE rolname = %s", [role])
            row = cursor.fetchone()
            if row is None:
                raise CommandError(
                    f"Die Rolle {role} gibt es nicht. Anlegen mit: CREATE ROLE {role} LOGIN PASSWORD '…';"
                )
            superuser, is_owner = row
            if superuser or is_owner:
                raise CommandError(
                    f"Die Rolle {role} ist Superuser oder die Eigentümerin der Tabellen; die Anwendung braucht eine "
                    "eigene Rolle ohne diese Rechte."
                )
            cursor.execute("SELECT current_database(), current_schema()")
            database, schema = cursor.fetchone()
        database, schema = connection.ops.quote_name(database), connection.ops.quote_name(schema)
        statements = [
            f"GRANT CONNECT ON DATABASE {database} TO {quoted}",
            f"GRANT USAGE ON SCHEMA {schema} TO {quoted}",
            f"REVOKE CREATE ON SCHEMA {schema} FROM {quoted}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {quoted}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {quoted}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {quoted}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {quoted}",
            f"REVOKE DELETE, TRUNCATE, REFERENCES, TRIGGER ON {AUDIT_TABLE} FROM {quoted}",
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(f"Rechte für {role} gesetzt ({len(statements)} Anweisungen).")
