"""Answer codes (issue 20, point 1): a batch of codes for a wave's group, each code an invitation without a person

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-07 02:20:00

- `answer_code_batches`: tenant-owned, with row-level security: the wave, the group the codes went to (a legacy
  organisation and/or a team, or neither with a typed label such as "Werkbedrijf Noord"), the channel
  ('paper'; a check that a later migration extends), how many codes, who ordered them and when.
- `survey_invitations.batch_id` (to the batch, within the tenant) and `membership_id` nullable: an answer code is
  an invitation with a batch and no person; a check keeps exactly one of the two set.
"""
from alembic import op
import sqlalchemy as sa

from tenants import rls

revision = '0039'
down_revision = '0038'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('answer_code_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('wave_id', sa.Integer(), nullable=False),
    sa.Column('legacy_org_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('ordered_by_id', sa.Integer(), nullable=True),
    sa.Column('ordered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("channel IN ('paper')", name=op.f('ck_answer_code_batches_known_channel')),
    sa.CheckConstraint("count > 0", name=op.f('ck_answer_code_batches_positive_count')),
    sa.ForeignKeyConstraint(['tenant_id', 'wave_id'], ['survey_waves.tenant_id', 'survey_waves.id'],
                            name='fk_answer_code_batches_wave', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'legacy_org_id'], ['legacy_organisations.tenant_id', 'legacy_organisations.id'],
                            name='fk_answer_code_batches_legacy_org'),
    sa.ForeignKeyConstraint(['tenant_id', 'team_id'], ['teams.tenant_id', 'teams.id'],
                            name='fk_answer_code_batches_team'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_answer_code_batches_tenant_id_tenants'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_code_batches')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_answer_code_batches_tenant_id_id'))
    )
    op.create_index(op.f('ix_answer_code_batches_tenant_id'), 'answer_code_batches', ['tenant_id'], unique=False)
    op.create_index(op.f('ix_answer_code_batches_wave_id'), 'answer_code_batches', ['wave_id'], unique=False)
    rls.enable(op, 'answer_code_batches')
    # survey_invitations is no parent table, so SQLite's batch rebuild cascades nothing away.
    with op.batch_alter_table('survey_invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch_op.alter_column('membership_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f('ix_survey_invitations_batch_id'), ['batch_id'], unique=False)
        batch_op.create_foreign_key('fk_survey_invitations_batch', 'answer_code_batches',
                                    ['tenant_id', 'batch_id'], ['tenant_id', 'id'], ondelete='CASCADE')
        batch_op.create_check_constraint('person_or_batch', "(membership_id IS NULL) <> (batch_id IS NULL)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT set_config('app.all_tenants', 'on', true)")  # the owner is bound by RLS too
    op.execute("DELETE FROM survey_invitations WHERE batch_id IS NOT NULL")
    with op.batch_alter_table('survey_invitations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_survey_invitations_person_or_batch'), type_='check')
        batch_op.drop_constraint('fk_survey_invitations_batch', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_survey_invitations_batch_id'))
        batch_op.alter_column('membership_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('batch_id')
    rls.disable(op, 'answer_code_batches')
    op.drop_index(op.f('ix_answer_code_batches_wave_id'), table_name='answer_code_batches')
    op.drop_index(op.f('ix_answer_code_batches_tenant_id'), table_name='answer_code_batches')
    op.drop_table('answer_code_batches')
