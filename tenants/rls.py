"""Row-level security, the second wall on PostgreSQL (DESIGN.md §2). Used by migrations.

Each tenant-owned table gets ENABLE + FORCE (so even the owner is filtered) and three policies (permissive:
a row passes when one of them lets it):

- `tenant_isolation`, for every role: the row's tenant is `app.tenant_id`, which tenants.scoping sets per
  transaction, signed (since 0038: `koers_scope_tenant()`, below; memberships: also the rows of the signed
  `app.user_id`). With no tenant set, or an unsigned or wrongly signed one, it is NULL and no row matches.
  This is all the app role (DATABASE_URL) gets.
- `platform_all`, for the group role `koers_platform` only: every row. The platform role
  (KOERS_PLATFORM_DATABASE_URL) is its member; the app role is not and cannot become one.
- `owner_all_tenants`, for the role that ran the migration (the tables' owner) only: every row while
  `app.all_tenants` is on, so data migrations and the test suite's inspection can read across tenants.

Before 0033 `tenant_isolation` also let through every row while `app.all_tenants` was on, for every role:
the app role could switch that on itself (`SELECT set_config('app.all_tenants', 'on', false)`), so RLS
stopped mistakes in our own queries but not SQL injection or a leaked password. Now that setting is trusted
from the owner only. `enable_before_0033` is the old policy, for 0033's downgrade. Until 0038 the app role
could still name any tenant in `app.tenant_id` itself; now the tenant counts only when signed with a key the
app role cannot read (`create_policies(signed=False)` is 0033's, for 0038's downgrade).
"""
from __future__ import annotations

from sqlalchemy import text

from saas.kernel.db import PLATFORM_ROLE

# Since 0038 the scope counts only signed (see "The signed scope" below); 0033's policies took the settings as set.
TENANT = "tenant_id = (SELECT koers_scope_tenant())"
OWN_USER = "user_id = (SELECT koers_scope_user())"
TENANT_0033 = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::int"
OWN_USER_0033 = "user_id = NULLIF(current_setting('app.user_id', true), '')::int"
ALL_TENANTS = "current_setting('app.all_tenants', true) = 'on'"
POLICIES = ("tenant_isolation", "platform_all", "owner_all_tenants")
# job_runs: the records of platform jobs (mail delivery) belong to no tenant; a tenant's request adds them for
# its mails (INSERT only: reading and changing them is the platform role's, which runs those jobs).
TENANTLESS_JOB_RUNS = "tenantless_runs"
# outbound_mail: a tenant's mails carry its id (its export, deletion and retention reach them); the platform's
# own (sign-up, password reset) have none, and any request writes and reads those, as before 0042.
TENANTLESS_MAIL = "tenantless_mail"


def enable(op, table: str, *, readable_by_own_user: bool = False) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    create_policies(op, table, readable_by_own_user=readable_by_own_user)


def create_policies(op, table: str, *, readable_by_own_user: bool = False, signed: bool = True) -> None:
    """The policies of today (`signed`, migration 0038), or 0033's (`signed=False`, for 0038's downgrade)."""
    tenant, own_user = (TENANT, OWN_USER) if signed else (TENANT_0033, OWN_USER_0033)
    if signed:
        create_scope_functions(op)
    using = f"({tenant}) OR ({own_user})" if readable_by_own_user else tenant
    op.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({using}) WITH CHECK ({tenant})")
    op.execute(f"CREATE POLICY platform_all ON {table} TO {PLATFORM_ROLE} USING (true) WITH CHECK (true)")
    op.execute(f"CREATE POLICY owner_all_tenants ON {table} TO CURRENT_USER USING ({ALL_TENANTS}) "
               f"WITH CHECK ({ALL_TENANTS})")
    if table == "job_runs":
        op.execute(f"CREATE POLICY {TENANTLESS_JOB_RUNS} ON job_runs FOR INSERT WITH CHECK (tenant_id IS NULL)")
    if table == "outbound_mail":
        op.execute(f"CREATE POLICY {TENANTLESS_MAIL} ON outbound_mail USING (tenant_id IS NULL) "
                   "WITH CHECK (tenant_id IS NULL)")


# The signed scope (migration 0038). Setting `app.tenant_id` is not enough: the database takes the tenant only
# with `app.scope_sig` = HMAC-SHA256(key, 'tenant:<id>') beside it (the user of `app.user_id`, for the
# memberships' own rows, with `app.user_sig` = HMAC(key, 'user:<id>')). The key is the app's
# (Settings.scope_signing_key; saas.kernel.db.scope_signature signs); the database keeps a copy in a schema only
# the owner can reach, written by migrations/env.py at every `koers db upgrade`, and checks the signature in
# SECURITY DEFINER functions of the owner that return the id or NULL, nothing else. The app role (a leaked
# password, an SQL injection) can set any id but sign none, so it reads the tenant Koers scoped its transaction
# to and no other.
SCOPE_SCHEMA = "koers_private"
SCOPE_KEY_TABLE = f"{SCOPE_SCHEMA}.scope_key"
SCOPE_FUNCTIONS = {"tenant": ("koers_scope_tenant", "app.tenant_id", "app.scope_sig"),
                   "user": ("koers_scope_user", "app.user_id", "app.user_sig")}


def create_scope_functions(op) -> None:
    """The owner's key table and the functions that check a scope against it (idempotent)."""
    bind = op.get_bind()
    op.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto")
    crypto = bind.execute(text("SELECT quote_ident(extnamespace::regnamespace::text) FROM pg_extension "
                               "WHERE extname = 'pgcrypto'")).scalar()
    op.execute(f"CREATE SCHEMA IF NOT EXISTS {SCOPE_SCHEMA}")
    op.execute(f"REVOKE ALL ON SCHEMA {SCOPE_SCHEMA} FROM PUBLIC")
    op.execute(f"CREATE TABLE IF NOT EXISTS {SCOPE_KEY_TABLE} "
               "(one boolean PRIMARY KEY DEFAULT true CHECK (one), key bytea NOT NULL)")
    for kind, (function, setting, signature) in SCOPE_FUNCTIONS.items():
        # The id when the signature is the key's, else NULL (no row matches). The two signatures are compared
        # through one more HMAC, so the time the comparison takes tells nothing about the right one. PL/pgSQL,
        # not SQL: it keeps its plans for the session (an SQL function that cannot be inlined is planned again
        # in every statement). A fixed search_path: a SECURITY DEFINER function must not find the caller's objects.
        op.execute(
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS integer LANGUAGE plpgsql STABLE SECURITY DEFINER "
            f"SET search_path = pg_catalog, pg_temp AS $$\n"
            f"DECLARE k bytea;\n"
            f"BEGIN\n"
            f"  SELECT key INTO k FROM {SCOPE_KEY_TABLE};\n"
            f"  IF {crypto}.hmac(convert_to(encode({crypto}.hmac(convert_to('{kind}:' || "
            f"current_setting('{setting}', true), 'UTF8'), k, 'sha256'), 'hex'), 'UTF8'), k, 'sha256')\n"
            f"     = {crypto}.hmac(convert_to(current_setting('{signature}', true), 'UTF8'), k, 'sha256') THEN\n"
            f"    RETURN NULLIF(current_setting('{setting}', true), '')::int;\n"
            f"  END IF;\n"
            f"  RETURN NULL;\n"
            f"END $$")


def drop_scope_functions(op) -> None:
    for function, _setting, _signature in SCOPE_FUNCTIONS.values():
        op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    op.execute(f"DROP SCHEMA IF EXISTS {SCOPE_SCHEMA} CASCADE")


def drop_policies(op, table: str) -> None:
    for name in (*POLICIES, TENANTLESS_JOB_RUNS, TENANTLESS_MAIL):
        op.execute(f"DROP POLICY IF EXISTS {name} ON {table}")


def enable_before_0033(op, table: str, *, readable_by_own_user: bool = False) -> None:
    """The one policy of before 0033 (trusting `app.all_tenants` from any role), for 0033's downgrade."""
    using = f"({TENANT_0033}) OR ({ALL_TENANTS})"
    if readable_by_own_user:
        using += f" OR ({OWN_USER_0033})"
    op.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({using}) "
               f"WITH CHECK (({TENANT_0033}) OR ({ALL_TENANTS}))")


def disable(op, table: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    drop_policies(op, table)
    op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def tenant_owned_tables(metadata) -> list[str]:
    return sorted(t.name for t in metadata.tables.values() if "tenant_id" in t.c and t.name != "tenants")
