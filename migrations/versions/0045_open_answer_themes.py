"""The themes of a wave's open answers: one stored result per wave (issue 21 point 5)

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-07 03:30:00
"""
from alembic import op
import sqlalchemy as sa

from tenants import rls

TENANT_OWNED = ['open_answer_themes']


revision = '0045'
down_revision = '0044'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('open_answer_themes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('wave_id', sa.Integer(), nullable=False),
    sa.Column('release', sa.Integer(), nullable=False),
    sa.Column('method_version', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'wave_id'], ['survey_waves.tenant_id', 'survey_waves.id'], name='fk_open_answer_themes_wave', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_open_answer_themes_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open_answer_themes')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_open_answer_themes_tenant_id_id')),
    sa.UniqueConstraint('wave_id', name=op.f('uq_open_answer_themes_wave_id'))
    )
    with op.batch_alter_table('open_answer_themes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open_answer_themes_tenant_id'), ['tenant_id'], unique=False)
    for table in TENANT_OWNED:
        rls.enable(op, table)


def downgrade() -> None:
    for table in TENANT_OWNED:
        rls.disable(op, table)
    with op.batch_alter_table('open_answer_themes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open_answer_themes_tenant_id'))
    op.drop_table('open_answer_themes')
