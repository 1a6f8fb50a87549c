"""Plans and promises cite released figures (issue 21 point 6)

Revision ID: 0047
Revises: 0046
Create Date: 2026-12-07 05:45:00
"""
from alembic import op
import sqlalchemy as sa

from tenants import rls

TENANT_OWNED = ['figure_citations']


revision = '0047'
down_revision = '0046'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('figure_citations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('promise_id', sa.Integer(), nullable=True),
    sa.Column('wave_id', sa.Integer(), nullable=False),
    sa.Column('figure', sa.String(length=200), nullable=False),
    sa.Column('release_number', sa.Integer(), nullable=False),
    sa.Column('group_name', sa.String(length=400), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('ci', sa.JSON(), nullable=True),
    sa.Column('n', sa.Integer(), nullable=True),
    sa.Column('cited_by_id', sa.Integer(), nullable=True),
    sa.Column('cited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('(plan_id IS NULL) <> (promise_id IS NULL)', name=op.f('ck_figure_citations_plan_or_promise')),
    sa.ForeignKeyConstraint(['tenant_id', 'plan_id'], ['action_plans.tenant_id', 'action_plans.id'], name='fk_figure_citations_plan', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'promise_id'], ['leadership_promises.tenant_id', 'leadership_promises.id'], name='fk_figure_citations_promise', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'wave_id'], ['survey_waves.tenant_id', 'survey_waves.id'], name='fk_figure_citations_wave', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_figure_citations_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_figure_citations')),
    sa.UniqueConstraint('plan_id', 'wave_id', 'figure', name='uq_figure_citations_plan_figure'),
    sa.UniqueConstraint('promise_id', 'wave_id', 'figure', name='uq_figure_citations_promise_figure'),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_figure_citations_tenant_id_id'))
    )
    with op.batch_alter_table('figure_citations', schema=None) as batch_op:
        batch_op.create_index('ix_figure_citations_tenant_figure', ['tenant_id', 'figure'], unique=False)
        batch_op.create_index(batch_op.f('ix_figure_citations_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_figure_citations_promise_id'), ['promise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_figure_citations_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_figure_citations_wave_id'), ['wave_id'], unique=False)
    for table in TENANT_OWNED:
        rls.enable(op, table)


def downgrade() -> None:
    for table in TENANT_OWNED:
        rls.disable(op, table)
    op.drop_table('figure_citations')
