"""Exit (issue 19, point 4): a tenant's exit archives, and the end of its contract

Revision ID: 0036
Revises: 0034
Create Date: 2026-12-06 23:10:00

- `tenant_exports`: an archive of the whole tenant, made by a job for the person who asked, downloadable
  once; tenant-owned, with row-level security.
- `tenants.contract_ends_on`: the contract's last day, set by a platform admin; the tenant is deleted once
  the grace period after it has passed.
"""
from alembic import op
import sqlalchemy as sa

from tenants import rls

revision = '0036'
down_revision = '0034'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('tenants', sa.Column('contract_ends_on', sa.Date(), nullable=True))
    op.create_table('tenant_exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('job_id', sa.String(length=36), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('downloaded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'done', 'failed', 'downloaded', 'expired')",
                       name=op.f('ck_tenant_exports_known_status')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tenant_exports_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant_exports'))
    )
    op.create_index(op.f('ix_tenant_exports_tenant_id'), 'tenant_exports', ['tenant_id'], unique=False)
    rls.enable(op, 'tenant_exports')


def downgrade() -> None:
    rls.disable(op, 'tenant_exports')
    op.drop_index(op.f('ix_tenant_exports_tenant_id'), table_name='tenant_exports')
    op.drop_table('tenant_exports')
    op.drop_column('tenants', 'contract_ends_on')
