"""Answer codes for a pulse check (issue 20, point 1): a batch of codes for a group, each code an invitation without a person

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-07 03:40:00

- `pulse_code_batches`: tenant-owned, with row-level security: the pulse check, the group the codes went to (a legacy
  organisation and/or a team, or neither with a typed label), how many codes, who ordered them and when.
- `pulse_invitations.batch_id` (to the batch, within the tenant) and `membership_id` nullable: an answer code is an
  invitation with a batch and no person; a check keeps exactly one of the two set (as survey_invitations, 0039).
"""
from alembic import op
import sqlalchemy as sa

from tenants import rls

revision = '0043'
down_revision = '0042'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pulse_code_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('legacy_org_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('ordered_by_id', sa.Integer(), nullable=True),
    sa.Column('ordered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("count > 0", name=op.f('ck_pulse_code_batches_positive_count')),
    sa.ForeignKeyConstraint(['tenant_id', 'round_id'], ['pulse_rounds.tenant_id', 'pulse_rounds.id'],
                            name='fk_pulse_code_batches_round', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'legacy_org_id'], ['legacy_organisations.tenant_id', 'legacy_organisations.id'],
                            name='fk_pulse_code_batches_legacy_org'),
    sa.ForeignKeyConstraint(['tenant_id', 'team_id'], ['teams.tenant_id', 'teams.id'],
                            name='fk_pulse_code_batches_team'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_pulse_code_batches_tenant_id_tenants'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pulse_code_batches')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_pulse_code_batches_tenant_id_id'))
    )
    op.create_index(op.f('ix_pulse_code_batches_tenant_id'), 'pulse_code_batches', ['tenant_id'], unique=False)
    op.create_index(op.f('ix_pulse_code_batches_round_id'), 'pulse_code_batches', ['round_id'], unique=False)
    rls.enable(op, 'pulse_code_batches')
    # pulse_invitations is no parent table, so SQLite's batch rebuild cascades nothing away.
    with op.batch_alter_table('pulse_invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch_op.alter_column('membership_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f('ix_pulse_invitations_batch_id'), ['batch_id'], unique=False)
        batch_op.create_foreign_key('fk_pulse_invitations_batch', 'pulse_code_batches',
                                    ['tenant_id', 'batch_id'], ['tenant_id', 'id'], ondelete='CASCADE')
        batch_op.create_check_constraint('person_or_batch', "(membership_id IS NULL) <> (batch_id IS NULL)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT set_config('app.all_tenants', 'on', true)")  # the owner is bound by RLS too
    op.execute("DELETE FROM pulse_invitations WHERE batch_id IS NOT NULL")
    with op.batch_alter_table('pulse_invitations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_pulse_invitations_person_or_batch'), type_='check')
        batch_op.drop_constraint('fk_pulse_invitations_batch', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_pulse_invitations_batch_id'))
        batch_op.alter_column('membership_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('batch_id')
    rls.disable(op, 'pulse_code_batches')
    op.drop_index(op.f('ix_pulse_code_batches_round_id'), table_name='pulse_code_batches')
    op.drop_index(op.f('ix_pulse_code_batches_tenant_id'), table_name='pulse_code_batches')
    op.drop_table('pulse_code_batches')
