"""The audit trail (issue 19, point 1): one hash chain per tenant and one for the platform

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 23:20:00

Both tables refuse UPDATE and TRUNCATE by trigger. A tenant's entries go only by cascade, when the
tenant itself is deleted at contract end (the trigger lets a DELETE through once the tenant row is
gone); platform entries never go. Row-level security on the tenant's table like every tenant-owned one.
"""
from alembic import op
import sqlalchemy as sa

from tenants import rls

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None

PG_GUARD = """
CREATE FUNCTION audit_trail_is_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_trail'
       AND NOT EXISTS (SELECT 1 FROM tenants WHERE id = OLD.tenant_id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit trail cannot be changed (%)', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""
PG_NO_TRUNCATE = """
CREATE FUNCTION audit_trail_refuses_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail cannot be truncated';
END;
$$ LANGUAGE plpgsql;
"""


def _columns():
    return [
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor', sa.String(length=320), nullable=False),
        sa.Column('action', sa.String(length=60), nullable=False),
        sa.Column('object_type', sa.String(length=40), nullable=False),
        sa.Column('object_id', sa.String(length=64), nullable=False),
        sa.Column('detail', sa.JSON(), nullable=False),
        sa.Column('result', sa.String(length=10), nullable=False),
        sa.Column('origin', sa.String(length=120), nullable=False),
        sa.Column('prev_hash', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
    ]


def upgrade() -> None:
    op.create_table('audit_trail', *_columns(),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_audit_trail_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_trail')),
    sa.UniqueConstraint('tenant_id', 'seq', name=op.f('uq_audit_trail_tenant_id_seq'))
    )
    op.create_index(op.f('ix_audit_trail_tenant_id'), 'audit_trail', ['tenant_id'], unique=False)
    op.create_table('platform_audit_trail', *_columns(),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_audit_trail')),
    sa.UniqueConstraint('seq', name=op.f('uq_platform_audit_trail_seq'))
    )
    rls.enable(op, 'audit_trail')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(PG_GUARD)
        op.execute(PG_NO_TRUNCATE)
        for table in ('audit_trail', 'platform_audit_trail'):
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}"
                       " FOR EACH ROW EXECUTE FUNCTION audit_trail_is_append_only()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}"
                       " FOR EACH STATEMENT EXECUTE FUNCTION audit_trail_refuses_truncate()")
    else:
        for table in ('audit_trail', 'platform_audit_trail'):
            op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}"
                       " BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be changed'); END")
        op.execute("CREATE TRIGGER audit_trail_no_delete BEFORE DELETE ON audit_trail"
                   " WHEN EXISTS (SELECT 1 FROM tenants WHERE id = OLD.tenant_id)"
                   " BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be changed'); END")
        op.execute("CREATE TRIGGER platform_audit_trail_no_delete BEFORE DELETE ON platform_audit_trail"
                   " BEGIN SELECT RAISE(ABORT, 'the audit trail cannot be changed'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in ('audit_trail', 'platform_audit_trail'):
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION audit_trail_is_append_only()")
        op.execute("DROP FUNCTION audit_trail_refuses_truncate()")
    rls.disable(op, 'audit_trail')
    op.drop_table('platform_audit_trail')
    op.drop_index(op.f('ix_audit_trail_tenant_id'), table_name='audit_trail')
    op.drop_table('audit_trail')
