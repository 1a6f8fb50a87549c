"""SMS invitations (issue 20, point 4): the mobile numbers an SMS batch's invitations are sent to

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-07 02:40:00

- `answer_code_batches.channel` may be 'sms' too: a batch of invitations sent by text message, one per number.
- `sms_recipients`: tenant-owned, with row-level security: the number (E.164) of one such invitation, the
  message waiting for the provider (emptied once it has it), its round (0: the invitation, n: reminder n),
  the delivery's status and attempts. Kept only for sending and reminders: the wave's close deletes its rows.
- `survey_invitations` gains a unique (tenant_id, id), so a number points at its invitation within the tenant.
"""
from alembic import op
import sqlalchemy as sa

from tenants import rls

revision = '0040'
down_revision = '0039'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('answer_code_batches', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_answer_code_batches_known_channel'), type_='check')
        batch_op.create_check_constraint('known_channel', "channel IN ('paper', 'sms')")
    with op.batch_alter_table('survey_invitations', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_survey_invitations_tenant_id_id'), ['tenant_id', 'id'])
    op.create_table('sms_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('wave_id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('messaged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name=op.f('ck_sms_recipients_known_status')),
    sa.ForeignKeyConstraint(['tenant_id', 'wave_id'], ['survey_waves.tenant_id', 'survey_waves.id'],
                            name='fk_sms_recipients_wave', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'invitation_id'], ['survey_invitations.tenant_id', 'survey_invitations.id'],
                            name='fk_sms_recipients_invitation', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_sms_recipients_tenant_id_tenants'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_recipients')),
    sa.UniqueConstraint('invitation_id', name=op.f('uq_sms_recipients_invitation_id')),
    sa.UniqueConstraint('wave_id', 'number', name=op.f('uq_sms_recipients_wave_id_number'))
    )
    op.create_index(op.f('ix_sms_recipients_tenant_id'), 'sms_recipients', ['tenant_id'], unique=False)
    op.create_index(op.f('ix_sms_recipients_wave_id'), 'sms_recipients', ['wave_id'], unique=False)
    rls.enable(op, 'sms_recipients')


def downgrade() -> None:
    rls.disable(op, 'sms_recipients')
    op.drop_index(op.f('ix_sms_recipients_wave_id'), table_name='sms_recipients')
    op.drop_index(op.f('ix_sms_recipients_tenant_id'), table_name='sms_recipients')
    op.drop_table('sms_recipients')
    with op.batch_alter_table('survey_invitations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_survey_invitations_tenant_id_id'), type_='unique')
    op.execute("DELETE FROM survey_invitations WHERE batch_id IN "
               "(SELECT id FROM answer_code_batches WHERE channel = 'sms')")
    op.execute("DELETE FROM answer_code_batches WHERE channel = 'sms'")
    with op.batch_alter_table('answer_code_batches', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_answer_code_batches_known_channel'), type_='check')
        batch_op.create_check_constraint('known_channel', "channel IN ('paper')")
