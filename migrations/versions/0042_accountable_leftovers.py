"""Sign-in records kept for a period, and a tenant's mails carry its id (issue 19's leftovers)

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-07 02:30:00

- `audit_trail` and `platform_audit_trail` gain `chain`: "main" (every entry so far) or "signin" (sign-ins,
  failed sign-ins, sign-outs), each its own hash chain with its own sequence. The sign-in chain is pruned from
  its oldest end by the daily retention job, which anchors what remains in the main chain (saas.kernel.audit).
  The append-only trigger lets a DELETE through only for that: a sign-in record older than 30 days (the
  shortest period an admin can choose), deleted by the platform role. Everything else is refused as before.
- `retention_policies.signins_days`: how long the tenant's sign-in records are kept (30–730, default 180).
- `outbound_mail.tenant_id` (nullable: the platform's own mails have none), with row-level security; rows
  without a tenant stay open to every role, as the whole table was (tenants/rls.py, `tenantless_mail`).
"""
from alembic import op
import sqlalchemy as sa

from tenants import rls

revision = '0042'
down_revision = '0041'
branch_labels = None
depends_on = None

PG_GUARD = """
CREATE OR REPLACE FUNCTION audit_trail_is_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN  -- nested: PL/pgSQL does not promise to stop at the first false AND
        IF TG_TABLE_NAME = 'audit_trail' THEN
            IF NOT EXISTS (SELECT 1 FROM tenants WHERE id = OLD.tenant_id) THEN
                RETURN OLD;
            END IF;
        END IF;
        IF OLD.chain = 'signin' AND OLD.at < now() - interval '30 days'
           AND pg_has_role(current_user, '{platform}', 'MEMBER') THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'the audit trail cannot be changed (%)', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""
PG_GUARD_0032 = """
CREATE OR REPLACE FUNCTION audit_trail_is_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_trail'
       AND NOT EXISTS (SELECT 1 FROM tenants WHERE id = OLD.tenant_id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit trail cannot be changed (%)', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""
# SQLite has no roles: only the age and the chain are checked there (development and the smoke tests).
SQLITE_OLD_SIGN_IN = "(OLD.chain = 'signin' AND OLD.at < datetime('now', '-30 days'))"
SQLITE_REFUSE = "BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be changed'); END"


def _sqlite_triggers(sign_ins_may_go: bool) -> None:
    """All four again: a batch alteration on SQLite copies a table into a new one, without its triggers."""
    extra = f" AND NOT {SQLITE_OLD_SIGN_IN}" if sign_ins_may_go else ""
    for table in ('audit_trail', 'platform_audit_trail'):
        for kind in ('no_update', 'no_delete'):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_{kind}")
        op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} {SQLITE_REFUSE}")
    op.execute("CREATE TRIGGER audit_trail_no_delete BEFORE DELETE ON audit_trail"
               f" WHEN EXISTS (SELECT 1 FROM tenants WHERE id = OLD.tenant_id){extra} {SQLITE_REFUSE}")
    when = f" WHEN NOT {SQLITE_OLD_SIGN_IN}" if sign_ins_may_go else ""
    op.execute(f"CREATE TRIGGER platform_audit_trail_no_delete BEFORE DELETE ON platform_audit_trail{when}"
               f" {SQLITE_REFUSE}")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == 'postgresql'
    with op.batch_alter_table('audit_trail') as batch:
        batch.add_column(sa.Column('chain', sa.String(length=10), server_default='main', nullable=False))
        batch.drop_constraint('uq_audit_trail_tenant_id_seq', type_='unique')
        batch.create_unique_constraint(op.f('uq_audit_trail_tenant_id_chain_seq'), ['tenant_id', 'chain', 'seq'])
    with op.batch_alter_table('platform_audit_trail') as batch:
        batch.add_column(sa.Column('chain', sa.String(length=10), server_default='main', nullable=False))
        batch.drop_constraint('uq_platform_audit_trail_seq', type_='unique')
        batch.create_unique_constraint(op.f('uq_platform_audit_trail_chain_seq'), ['chain', 'seq'])
    if postgres:
        op.execute(PG_GUARD.replace('{platform}', rls.PLATFORM_ROLE))
    else:
        _sqlite_triggers(True)

    with op.batch_alter_table('retention_policies') as batch:
        batch.add_column(sa.Column('signins_days', sa.Integer(), server_default='180', nullable=False))
        batch.create_check_constraint(op.f('ck_retention_policies_signins_days_range'),
                                      'signins_days BETWEEN 30 AND 730')

    with op.batch_alter_table('outbound_mail') as batch:
        batch.add_column(sa.Column('tenant_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_outbound_mail_tenant_id_tenants'), 'tenants', ['tenant_id'], ['id'],
                                 ondelete='CASCADE')
        batch.create_index(op.f('ix_outbound_mail_tenant_id'), ['tenant_id'], unique=False)
    rls.enable(op, 'outbound_mail')


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == 'postgresql'
    rls.disable(op, 'outbound_mail')
    with op.batch_alter_table('outbound_mail') as batch:
        batch.drop_index(op.f('ix_outbound_mail_tenant_id'))
        batch.drop_constraint(op.f('fk_outbound_mail_tenant_id_tenants'), type_='foreignkey')
        batch.drop_column('tenant_id')
    with op.batch_alter_table('retention_policies') as batch:
        batch.drop_constraint(op.f('ck_retention_policies_signins_days_range'), type_='check')
        batch.drop_column('signins_days')
    # Sign-in records keep their place in the one sequence they join: renumbered after the main chain's
    # entries, they would no longer match their hashes, so the downgrade refuses when there are any.
    for table in ('audit_trail', 'platform_audit_trail'):
        left = op.get_bind().execute(sa.text(f"SELECT count(*) FROM {table} WHERE chain <> 'main'")).scalar()
        if left:
            raise RuntimeError(f"{table} holds {left} sign-in records of their own chain: 0042 cannot be undone")
    if postgres:
        op.execute(PG_GUARD_0032)
    else:
        _sqlite_triggers(False)
    with op.batch_alter_table('platform_audit_trail') as batch:
        batch.drop_constraint(op.f('uq_platform_audit_trail_chain_seq'), type_='unique')
        batch.create_unique_constraint('uq_platform_audit_trail_seq', ['seq'])
        batch.drop_column('chain')
    with op.batch_alter_table('audit_trail') as batch:
        batch.drop_constraint(op.f('uq_audit_trail_tenant_id_chain_seq'), type_='unique')
        batch.create_unique_constraint('uq_audit_trail_tenant_id_seq', ['tenant_id', 'seq'])
        batch.drop_column('chain')
