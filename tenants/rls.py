"""Row-level security, the second wall on PostgreSQL (DESIGN.md §2). Used by migrations.

Each tenant-owned table gets ENABLE + FORCE (so even the owner is filtered) and three policies (permissive:
a row passes when one of them lets it):

- `tenant_isolation`, for every role: the row's tenant is `app.tenant_id`, which tenants.scoping sets per
  transaction (memberships: also the rows of `app.user_id`). With no tenant set, `NULLIF('', '')::int` is NULL
  and no row matches. This is all the app role (DATABASE_URL) gets.
- `platform_all`, for the group role `koers_platform` only: every row. The platform role
  (KOERS_PLATFORM_DATABASE_URL) is its member; the app role is not and cannot become one.
- `owner_all_tenants`, for the role that ran the migration (the tables' owner) only: every row while
  `app.all_tenants` is on, so data migrations and the test suite's inspection can read across tenants.

Before 0033 `tenant_isolation` also let through every row while `app.all_tenants` was on, for every role:
the app role could switch that on itself (`SELECT set_config('app.all_tenants', 'on', false)`), so RLS
stopped mistakes in our own queries but not SQL injection or a leaked password. Now that setting is trusted
from the owner only. `enable_before_0033` is the old policy, for 0033's downgrade.
"""
from __future__ import annotations

from saas.kernel.db import PLATFORM_ROLE

TENANT = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::int"
ALL_TENANTS = "current_setting('app.all_tenants', true) = 'on'"
OWN_USER = "user_id = NULLIF(current_setting('app.user_id', true), '')::int"
POLICIES = ("tenant_isolation", "platform_all", "owner_all_tenants")
# job_runs: the records of platform jobs (mail delivery) belong to no tenant; a tenant's request adds them for
# its mails (INSERT only: reading and changing them is the platform role's, which runs those jobs).
TENANTLESS_JOB_RUNS = "tenantless_runs"


def enable(op, table: str, *, readable_by_own_user: bool = False) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    create_policies(op, table, readable_by_own_user=readable_by_own_user)


def create_policies(op, table: str, *, readable_by_own_user: bool = False) -> None:
    using = f"({TENANT}) OR ({OWN_USER})" if readable_by_own_user else TENANT
    op.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({using}) WITH CHECK ({TENANT})")
    op.execute(f"CREATE POLICY platform_all ON {table} TO {PLATFORM_ROLE} USING (true) WITH CHECK (true)")
    op.execute(f"CREATE POLICY owner_all_tenants ON {table} TO CURRENT_USER USING ({ALL_TENANTS}) "
               f"WITH CHECK ({ALL_TENANTS})")
    if table == "job_runs":
        op.execute(f"CREATE POLICY {TENANTLESS_JOB_RUNS} ON job_runs FOR INSERT WITH CHECK (tenant_id IS NULL)")


def drop_policies(op, table: str) -> None:
    for name in (*POLICIES, TENANTLESS_JOB_RUNS):
        op.execute(f"DROP POLICY IF EXISTS {name} ON {table}")


def enable_before_0033(op, table: str, *, readable_by_own_user: bool = False) -> None:
    """The one policy of before 0033 (trusting `app.all_tenants` from any role), for 0033's downgrade."""
    using = f"({TENANT}) OR ({ALL_TENANTS})"
    if readable_by_own_user:
        using += f" OR ({OWN_USER})"
    op.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({using}) WITH CHECK (({TENANT}) OR ({ALL_TENANTS}))")


def disable(op, table: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    drop_policies(op, table)
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def tenant_owned_tables(metadata) -> list[str]:
    return sorted(t.name for t in metadata.tables.values() if "tenant_id" in t.c and t.name != "tenants")
