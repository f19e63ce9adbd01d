"""The append-only triggers on the audit trail and the ledger (installed by core migration 0002).

``install``/``remove`` are also used by the test suite: a test that commits (``transactional_db``)
is followed by a flush that empties every table, which these triggers rightly refuse, so the suite
removes them for the flush and installs them again before the next test.
"""

TABLES = ("core_auditevent", "core_journalentry", "core_posting")


def install(connection) -> None:
    with connection.cursor() as cur:
        for table in TABLES:
            if connection.vendor == "postgresql":
                cur.execute(
                    f"""
                    CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
                    BEGIN
                        RAISE EXCEPTION '{table} is append-only: % refused', TG_OP;
                    END;
                    $$ LANGUAGE plpgsql;
                    """
                )
                cur.execute(f"DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table};")
                cur.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};")
                cur.execute(
                    f"CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table} "
                    f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only();"
                )
                cur.execute(
                    f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only();"
                )
            elif connection.vendor == "sqlite":
                for op in ("UPDATE", "DELETE"):
                    cur.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op.lower()};")
                    cur.execute(
                        f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END;"
                    )


def remove(connection) -> None:
    with connection.cursor() as cur:
        for table in TABLES:
            if connection.vendor == "postgresql":
                cur.execute(f"DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table};")
                cur.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};")
            elif connection.vendor == "sqlite":
                for op in ("update", "delete"):
                    cur.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op};")


def installed(connection) -> bool:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname = %s AND tgenabled <> 'D'",
                ["core_auditevent_no_update_delete"],
            )
        else:
            cur.execute(
                "SELECT count(*) FROM sqlite_master WHERE type='trigger' AND name=%s",
                ["core_auditevent_no_update"],
            )
        return cur.fetchone()[0] > 0
