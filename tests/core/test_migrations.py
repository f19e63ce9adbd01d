"""The migrations build the schema the suite runs on.

The suite creates its test databases from the models (``--no-migrations``, see pyproject.toml) and
then installs what the migrations add by hand (``tests.conftest.install_migration_extras``: the
append-only triggers, the library's GIN index). Here ``manage.py migrate`` runs for real, in a
separate process, on a fresh database of the same engine, and the two schemas must be the same:
tables, columns, constraints and indexes, triggers. (``makemigrations --check`` in ``make test``
checks that the migrations are complete; this checks what they do.)
"""

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from django.db import connection

REPO = Path(__file__).resolve().parents[2]


def schema(conn) -> dict:
    """Tables → columns, constraints and indexes (named ones by name; SQLite's unnamed ones by what
    they are), and the triggers."""
    out = {"tables": {}}
    with conn.cursor() as cur:
        intro = conn.introspection
        for table in sorted(set(intro.table_names(cur)) - {"django_migrations"}):  # only where migrated
            columns = {
                c.name: (str(c.type_code), c.null_ok, c.precision, c.scale, c.default)
                for c in intro.get_table_description(cur, table)
            }
            constraints = set()
            for name, c in intro.get_constraints(cur, table).items():
                # SQLite numbers what its tables leave unnamed ("__unnamed_constraint_1__", "fk_0")
                # in the order of the table's definition, which differs once a migration rebuilt it.
                key = "" if name.startswith("__") or re.fullmatch(r"fk_\d+", name) else name
                constraints.add(
                    (
                        key,
                        tuple(c["columns"] or ()),
                        c["primary_key"],
                        c["unique"],
                        str(c["foreign_key"]),
                        c["check"],
                        c["index"],
                        str(c.get("type")),
                    )
                )
            out["tables"][table] = {"columns": columns, "constraints": sorted(constraints)}
        if conn.vendor == "postgresql":
            cur.execute(
                "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2"
            )
        else:
            cur.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' ORDER BY 1, 2")
        out["triggers"] = cur.fetchall()
    return out


def migrate_fresh_database(tmp_path):
    """Run ``manage.py migrate`` on a new, empty database; its connection (closed by the caller) and
    how to drop it."""
    other = connection.copy()
    env = {**os.environ, "TECHFUND_VAR": str(tmp_path / "var")}
    if connection.vendor == "sqlite":
        path = tmp_path / "migrated.sqlite3"
        other.settings_dict["NAME"] = str(path)
        env["DATABASE_URL"] = f"sqlite:///{path}"

        def drop():
            pass

    else:
        name = f"{connection.settings_dict['NAME']}_migrated"[:63]
        with connection._nodb_cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cur.execute(f'CREATE DATABASE "{name}"')
        s = other.settings_dict
        s["NAME"] = name
        auth = quote(s["USER"] or "") + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
        env["DATABASE_URL"] = f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{name}"

        def drop():
            with connection._nodb_cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{name}"')

    done = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "migrate", "--no-input", "-v", "0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return other, drop


#: Django's own difference, not ours: in the migrations' historical state the automatic through table
#: of ``Group.permissions`` takes its id type from DEFAULT_AUTO_FIELD (bigint), built from the models it
#: takes auth's ``AutoField`` (integer).
DJANGO_OWN = {("auth_group_permissions", "id")}


def differences(migrated: dict, used: dict) -> dict:
    out = {}
    for table in sorted(set(migrated["tables"]) | set(used["tables"])):
        m, u = migrated["tables"].get(table), used["tables"].get(table)
        if m is None or u is None:
            out[table] = "only migrated" if u is None else "not migrated"
            continue
        columns = {
            name: (m["columns"].get(name), u["columns"].get(name))
            for name in set(m["columns"]) | set(u["columns"])
            if m["columns"].get(name) != u["columns"].get(name) and (table, name) not in DJANGO_OWN
        }
        only_migrated = set(m["constraints"]) - set(u["constraints"])
        only_used = set(u["constraints"]) - set(m["constraints"])
        if columns or only_migrated or only_used:
            out[table] = {"columns": columns, "only migrated": only_migrated, "only in tests": only_used}
    if migrated["triggers"] != used["triggers"]:
        out["triggers"] = (migrated["triggers"], used["triggers"])
    return out


def test_the_migrations_build_the_schema_the_tests_use(db, tmp_path):
    other, drop = migrate_fresh_database(tmp_path)
    try:
        migrated = schema(other)
    finally:
        other.close()
        drop()
    used = schema(connection)
    # The append-only triggers and, on PostgreSQL, the library's GIN index are there both ways.
    trigger = "core_auditevent_no_update" + ("_delete" if connection.vendor == "postgresql" else "")
    assert ("core_auditevent", trigger) in used["triggers"]
    if connection.vendor == "postgresql":
        gin = used["tables"]["library_searchentry"]["constraints"]
        assert any(c[0] == "library_searchentry_vector_gin" for c in gin)
    assert differences(migrated, used) == {}
