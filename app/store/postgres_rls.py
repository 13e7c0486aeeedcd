"""Server-enforced clerks, for an office that wants it: each clerk connects as a PostgreSQL role of their
own (the role's name is the clerk's login in ``clerks``), and row-level security lets them see and change
only the units assigned to them, or all of them with the office role; only the office role assigns units.

Without this the rule is the client's (``app.store.clerks``), which a clerk with the database password
and psql could step around; docs/office.md says so. ``enable`` is run once by the office's database
owner (``python -m bhxh_desk.app.store.postgres_rls URL ROLE...`` runs both), and ``grant_clerk`` for
each clerk's role, which the DBA creates (``CREATE ROLE an LOGIN``).
"""

from __future__ import annotations

import sys

# The units a row belongs to, for each table that holds a dossier's data.
_BY_UNIT = {
    "units": "code",
    "submissions": "unit",
    "employees": "unit",
}
_BY_DRAFT = ("draft_rows", "draft_attachments", "state_history", "leases")

_FUNCTIONS = (
    """CREATE OR REPLACE FUNCTION bhxh_is_office() RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
       SET search_path FROM CURRENT AS  -- session_user: inside SECURITY DEFINER current_user is the owner
       $$ SELECT EXISTS (SELECT 1 FROM clerks WHERE login = session_user AND office_role = 1) $$""",
    """CREATE OR REPLACE FUNCTION bhxh_sees_unit(code text) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
       SET search_path FROM CURRENT AS  -- session_user: inside SECURITY DEFINER current_user is the owner
       $$ SELECT bhxh_is_office()
            OR EXISTS (SELECT 1 FROM clerk_units WHERE login = session_user AND unit = $1) $$""",
    """CREATE OR REPLACE FUNCTION bhxh_sees_draft(id bigint) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
       SET search_path FROM CURRENT AS  -- session_user: inside SECURITY DEFINER current_user is the owner
       $$ SELECT bhxh_sees_unit((SELECT u.code FROM drafts d JOIN units u ON u.id = d.unit_id WHERE d.id = $1)) $$""",
)


def statements() -> list[str]:
    out = list(_FUNCTIONS)

    def policy(table: str, check: str) -> None:
        out.extend([f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
                    f"DROP POLICY IF EXISTS bhxh_clerk ON {table}",
                    f"CREATE POLICY bhxh_clerk ON {table} USING ({check}) WITH CHECK ({check})"])

    for table, column in _BY_UNIT.items():
        policy(table, f"bhxh_sees_unit({column})")
    policy("drafts", "bhxh_sees_unit((SELECT u.code FROM units u WHERE u.id = unit_id))")
    for table in _BY_DRAFT:
        policy(table, "bhxh_sees_draft(draft_id)")
    for table in ("clerks", "clerk_units"):      # everyone reads who has what; only the office changes it
        out.extend([f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
                    f"DROP POLICY IF EXISTS bhxh_read ON {table}", f"DROP POLICY IF EXISTS bhxh_office ON {table}",
                    f"CREATE POLICY bhxh_read ON {table} FOR SELECT USING (true)",
                    f"CREATE POLICY bhxh_office ON {table} USING (bhxh_is_office()) WITH CHECK (bhxh_is_office())"])
    return out


def enable(conn) -> None:
    """Turn the policies on (the tables' owner runs it; the owner itself is not bound by them)."""
    with conn.transaction():
        for sql in statements():
            conn.execute(sql)


def grant_clerk(conn, role: str) -> None:
    """What a clerk's role needs to work in the store; the policies decide which rows."""
    from psycopg import sql

    name = sql.Identifier(role)
    with conn.transaction():
        schema = conn.execute("SELECT current_schema()").fetchone()[0]
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), name))
        conn.execute(sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}").format(
            sql.Identifier(schema), name))
        conn.execute(sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA {} TO {}").format(sql.Identifier(schema), name))
        conn.execute(sql.SQL("REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM {}").format(name))


def main(argv: list[str]) -> int:
    """``python -m bhxh_desk.app.store.postgres_rls URL [ROLE...]``: enable, then grant each clerk's role."""
    from bhxh_desk.app.store.postgres import PostgresBackend

    backend = PostgresBackend(argv[0], pooled=False)       # migrates the schema first
    try:
        enable(backend.conn)
        for role in argv[1:]:
            grant_clerk(backend.conn, role)
    finally:
        backend.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
