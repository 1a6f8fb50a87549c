"""The benchmark across tenants: participation, frozen sector norms, contributions (issue 21 point 7)

Revision ID: 0048
Revises: 0047
Create Date: 2026-12-07 06:00:00

- `benchmark_participation` (tenant-owned): a tenant takes part with its sector.
- `benchmark_releases` (platform-wide, no tenant id): one sector's norm of one half-year, made once.
- `benchmark_contributions` (tenant-owned): a tenant's record that a wave's released figures went into a norm.
"""
from alembic import op
import sqlalchemy as sa

from tenants import rls

TENANT_OWNED = ['benchmark_participation', 'benchmark_contributions']

revision = '0048'
down_revision = '0047'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('benchmark_releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sector', sa.String(length=40), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('contributors', sa.Integer(), nullable=False),
    sa.Column('candidates', sa.Integer(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('made_on', sa.Date(), nullable=False),
    sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benchmark_releases')),
    sa.UniqueConstraint('sector', 'period', name=op.f('uq_benchmark_releases_sector_period'))
    )
    op.create_table('benchmark_participation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sector', sa.String(length=40), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_benchmark_participation_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benchmark_participation')),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_benchmark_participation_tenant_id'))
    )
    with op.batch_alter_table('benchmark_participation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_benchmark_participation_tenant_id'), ['tenant_id'], unique=False)
    op.create_table('benchmark_contributions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('benchmark_id', sa.Integer(), nullable=False),
    sa.Column('wave_id', sa.Integer(), nullable=False),
    sa.Column('release_number', sa.Integer(), nullable=False),
    sa.Column('measures', sa.JSON(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['benchmark_id'], ['benchmark_releases.id'], name=op.f('fk_benchmark_contributions_benchmark_id_benchmark_releases')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_benchmark_contributions_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benchmark_contributions')),
    sa.UniqueConstraint('tenant_id', 'benchmark_id', name=op.f('uq_benchmark_contributions_tenant_id_benchmark_id'))
    )
    with op.batch_alter_table('benchmark_contributions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_benchmark_contributions_benchmark_id'), ['benchmark_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_benchmark_contributions_tenant_id'), ['tenant_id'], unique=False)
    for table in TENANT_OWNED:
        rls.enable(op, table)


def downgrade() -> None:
    for table in TENANT_OWNED:
        rls.disable(op, table)
    with op.batch_alter_table('benchmark_contributions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_benchmark_contributions_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_benchmark_contributions_benchmark_id'))
    op.drop_table('benchmark_contributions')
    with op.batch_alter_table('benchmark_participation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_benchmark_participation_tenant_id'))
    op.drop_table('benchmark_participation')
    op.drop_table('benchmark_releases')
