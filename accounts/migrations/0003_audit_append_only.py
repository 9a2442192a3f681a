"""Database triggers that keep the audit log append-only, whatever client writes.

PostgreSQL refuses UPDATE, DELETE and TRUNCATE of the table; SQLite (which has
no TRUNCATE) refuses UPDATE and DELETE. Inserts stay allowed.
"""

from django.db import migrations

POSTGRESQL = [
    (
        """
        CREATE FUNCTION accounts_auditentry_refuse_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'The audit log is append-only: % refused on %', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$;
        """,
        "DROP FUNCTION IF EXISTS accounts_auditentry_refuse_change();",
    ),
    (
        """
        CREATE TRIGGER accounts_auditentry_append_only
        BEFORE UPDATE OR DELETE ON accounts_auditentry
        FOR EACH ROW EXECUTE FUNCTION accounts_auditentry_refuse_change();
        """,
        "DROP TRIGGER IF EXISTS accounts_auditentry_append_only ON accounts_auditentry;",
    ),
    (
        """
        CREATE TRIGGER accounts_auditentry_no_truncate
        BEFORE TRUNCATE ON accounts_auditentry
        FOR EACH STATEMENT EXECUTE FUNCTION accounts_auditentry_refuse_change();
        """,
        "DROP TRIGGER IF EXISTS accounts_auditentry_no_truncate ON accounts_auditentry;",
    ),
]

SQLITE = [
    (
        """
        CREATE TRIGGER accounts_auditentry_no_update
        BEFORE UPDATE ON accounts_auditentry
        BEGIN SELECT RAISE(ABORT, 'The audit log is append-only: UPDATE refused'); END;
        """,
        "DROP TRIGGER IF EXISTS accounts_auditentry_no_update;",
    ),
    (
        """
        CREATE TRIGGER accounts_auditentry_no_delete
        BEFORE DELETE ON accounts_auditentry
        BEGIN SELECT RAISE(ABORT, 'The audit log is append-only: DELETE refused'); END;
        """,
        "DROP TRIGGER IF EXISTS accounts_auditentry_no_delete;",
    ),
]


class RunSQLOn(migrations.RunSQL):
    """RunSQL only on one database vendor (the trigger languages differ)."""

    def __init__(self, vendor: str, statements: list[tuple[str, str]]):
        self.vendor = vendor
        super().__init__(
            sql=[forward for forward, _ in statements],
            reverse_sql=[backward for _, backward in reversed(statements)],
        )

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_audit_actor_snapshot"),
    ]

    operations = [
        RunSQLOn("postgresql", POSTGRESQL),
        RunSQLOn("sqlite", SQLITE),
    ]
