"""The tenant of row-level security counts only when signed (issue 19, point 6)

Revision ID: 0038
Revises: 0036
Create Date: 2026-12-07 00:10:00

Since 0033 the app role cannot open every tenant, but it could still name another tenant itself
(`set_config('app.tenant_id', '<id>', false)`). Now the policies take the tenant (and, for the memberships'
own rows, the user) only with a signature beside it: `app.scope_sig` = HMAC-SHA256(key, 'tenant:<id>'),
`app.user_sig` = HMAC-SHA256(key, 'user:<id>'), checked by `koers_scope_tenant()` / `koers_scope_user()`,
SECURITY DEFINER functions of the owner that read the key from `koers_private.scope_key`, which only the owner
can reach (tenants/rls.py). The key is written there by migrations/env.py at every upgrade, from
KOERS_SCOPE_KEY or SECRET_KEY. The policies call the functions in a sub-select: one evaluation per statement
(an InitPlan; 0.03–0.04 ms each, measured: README, Database roles).

The downgrade puts 0033's policies back and drops the functions and the key's schema (pgcrypto stays).
"""
from alembic import op
from sqlalchemy import text

from tenants import rls

revision = '0038'
down_revision = '0036'
branch_labels = None
depends_on = None


def _protected_tables() -> list[str]:
    """Every table with our tenant policy, whichever migration made it."""
    return list(op.get_bind().execute(text(
        "SELECT tablename FROM pg_policies WHERE schemaname = current_schema() AND policyname = 'tenant_isolation' "
        "ORDER BY tablename")).scalars())


def _rebuild(signed: bool) -> None:
    for table in _protected_tables():
        rls.drop_policies(op, table)
        rls.create_policies(op, table, readable_by_own_user=(table == 'memberships'), signed=signed)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _rebuild(signed=True)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _rebuild(signed=False)
    rls.drop_scope_functions(op)
