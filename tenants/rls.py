"""Row-level security, the second wall on PostgreSQL (DESIGN.md §2). Used by migrations.

Each tenant-owned table gets ENABLE + FORCE (so even the owner is filtered) and one policy with
USING and WITH CHECK on `app.tenant_id`, which tenants.scoping sets per transaction. With no
tenant set, `NULLIF('', '')::int` is NULL and no row matches.
"""
from __future__ import annotations

TENANT = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::int"
ALL_TENANTS = "current_setting('app.all_tenants', true) = 'on'"
OWN_USER = "user_id = NULLIF(current_setting('app.user_id', true), '')::int"


def enable(op, table: str, *, readable_by_own_user: bool = False) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    using = f"({TENANT}) OR ({ALL_TENANTS})"
    if readable_by_own_user:
        using += f" OR ({OWN_USER})"
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({using}) WITH CHECK (({TENANT}) OR ({ALL_TENANTS}))")


def disable(op, table: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def tenant_owned_tables(metadata) -> list[str]:
    return sorted(t.name for t in metadata.tables.values() if "tenant_id" in t.c and t.name != "tenants")
