"""Row-level security that binds stolen credentials too (issue 19, point 6)

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06 23:30:00

Until now every tenant-owned table had one policy that let every row through while `app.all_tenants` was
on, and the app role could switch that on itself. Now (tenants/rls.py):
- `tenant_isolation` (every role): the transaction's tenant only (memberships: also the user's own rows);
- `platform_all` (the group role `koers_platform`, of which KOERS_PLATFORM_DATABASE_URL's role is a member):
  every row, for the work across tenants (webhooks, platform admin, the sweeper, the consultancy);
- `owner_all_tenants` (the role running this migration, the owner): every row while `app.all_tenants` is on;
- job_runs also `tenantless_runs` (INSERT only): a tenant's request adds the records of platform jobs (its
  mails), which belong to no tenant; reading and changing them is the platform role's.

Roles belong to the cluster, not to the database: `koers_platform` is made by migrations/env.py when it is
missing and the owner may create roles; else the database administrator makes it first (README, Production
setup). The grants (SELECT, INSERT, UPDATE, DELETE; never TRUNCATE) are given by migrations/env.py after
every upgrade, to the app role and to `koers_platform`.
"""
from alembic import op
from sqlalchemy import text

from tenants import rls

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def _protected_tables() -> list[str]:
    """Every table with our tenant policy, whichever migration made it."""
    return list(op.get_bind().execute(text(
        "SELECT tablename FROM pg_policies WHERE schemaname = current_schema() AND policyname = 'tenant_isolation' "
        "ORDER BY tablename")).scalars())


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _protected_tables():
        rls.drop_policies(op, table)
        rls.create_policies(op, table, readable_by_own_user=(table == 'memberships'), signed=False)  # 0038 signs


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _protected_tables():
        rls.drop_policies(op, table)
        rls.enable_before_0033(op, table, readable_by_own_user=(table == 'memberships'))
