"""leadership: promises, pulse checks, 360-degree feedback, consistency

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 09:00:00
"""
from alembic import op
import sqlalchemy as sa

from tenants import rls

TENANT_OWNED = ['leadership_promises', 'pulse_rounds', 'pulse_invitations', 'pulse_answer_pool', 'pulse_answers',
                'feedback_rounds', 'feedback_invitations', 'feedback_answer_pool', 'feedback_answers',
                'promise_evidence']


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('leadership_promises',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('made_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'programme_id'], ['programmes.tenant_id', 'programmes.id'], name='fk_leadership_promises_programme', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_leadership_promises_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leadership_promises')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_leadership_promises_tenant_id_id'))
    )
    with op.batch_alter_table('leadership_promises', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leadership_promises_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_leadership_promises_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('pulse_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('promise_ids', sa.JSON(), nullable=False),
    sa.Column('consent_on', sa.Date(), nullable=True),
    sa.Column('consent_text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'open', 'closed')", name=op.f('ck_pulse_rounds_known_status')),
    sa.CheckConstraint('closes_on >= opens_on', name=op.f('ck_pulse_rounds_closes_after_opening')),
    sa.ForeignKeyConstraint(['tenant_id', 'programme_id'], ['programmes.tenant_id', 'programmes.id'], name='fk_pulse_rounds_programme', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_pulse_rounds_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pulse_rounds')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_pulse_rounds_tenant_id_id'))
    )
    with op.batch_alter_table('pulse_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pulse_rounds_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pulse_rounds_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('pulse_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('answered', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'membership_id'], ['memberships.tenant_id', 'memberships.id'], name='fk_pulse_invitations_membership', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'round_id'], ['pulse_rounds.tenant_id', 'pulse_rounds.id'], name='fk_pulse_invitations_round', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_pulse_invitations_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pulse_invitations')),
    sa.UniqueConstraint('round_id', 'membership_id', name=op.f('uq_pulse_invitations_round_id_membership_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_pulse_invitations_token_hash'))
    )
    with op.batch_alter_table('pulse_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pulse_invitations_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pulse_invitations_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('pulse_answer_pool',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'round_id'], ['pulse_rounds.tenant_id', 'pulse_rounds.id'], name='fk_pulse_answer_pool_round', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_pulse_answer_pool_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pulse_answer_pool'))
    )
    with op.batch_alter_table('pulse_answer_pool', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pulse_answer_pool_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pulse_answer_pool_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('pulse_answers',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('examples', sa.JSON(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'round_id'], ['pulse_rounds.tenant_id', 'pulse_rounds.id'], name='fk_pulse_answers_round', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_pulse_answers_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pulse_answers'))
    )
    with op.batch_alter_table('pulse_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pulse_answers_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pulse_answers_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('feedback_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('coach_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('promise_ids', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_feedback_rounds_known_status')),
    sa.ForeignKeyConstraint(['tenant_id', 'programme_id'], ['programmes.tenant_id', 'programmes.id'], name='fk_feedback_rounds_programme', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'subject_id'], ['memberships.tenant_id', 'memberships.id'], name='fk_feedback_rounds_subject', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_feedback_rounds_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_rounds')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_feedback_rounds_tenant_id_id'))
    )
    with op.batch_alter_table('feedback_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_rounds_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_rounds_subject_id'), ['subject_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_rounds_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('feedback_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('relation', sa.String(length=10), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('mailed', sa.Boolean(), nullable=False),
    sa.Column('answered', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("relation IN ('self', 'manager', 'peer', 'report')", name=op.f('ck_feedback_invitations_known_relation')),
    sa.ForeignKeyConstraint(['tenant_id', 'membership_id'], ['memberships.tenant_id', 'memberships.id'], name='fk_feedback_invitations_membership', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'round_id'], ['feedback_rounds.tenant_id', 'feedback_rounds.id'], name='fk_feedback_invitations_round', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_feedback_invitations_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_invitations')),
    sa.UniqueConstraint('round_id', 'membership_id', name=op.f('uq_feedback_invitations_round_id_membership_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_feedback_invitations_token_hash'))
    )
    with op.batch_alter_table('feedback_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_invitations_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_invitations_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('feedback_answer_pool',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'round_id'], ['feedback_rounds.tenant_id', 'feedback_rounds.id'], name='fk_feedback_answer_pool_round', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_feedback_answer_pool_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_answer_pool'))
    )
    with op.batch_alter_table('feedback_answer_pool', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_answer_pool_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_answer_pool_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('feedback_answers',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('rater_group', sa.String(length=10), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('comments', sa.JSON(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("rater_group IN ('self', 'peer', 'report', 'other')", name=op.f('ck_feedback_answers_known_group')),
    sa.ForeignKeyConstraint(['tenant_id', 'round_id'], ['feedback_rounds.tenant_id', 'feedback_rounds.id'], name='fk_feedback_answers_round', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_feedback_answers_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_answers'))
    )
    with op.batch_alter_table('feedback_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_answers_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_answers_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('promise_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('promise_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('rating', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=True),
    sa.Column('content_type', sa.String(length=100), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('pulse_round_id', sa.Integer(), nullable=True),
    sa.Column('feedback_round_id', sa.Integer(), nullable=True),
    sa.Column('added_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('document', 'interview', 'pulse', 'feedback')", name=op.f('ck_promise_evidence_known_kind')),
    sa.CheckConstraint("rating IN ('consistent', 'inconsistent')", name=op.f('ck_promise_evidence_known_rating')),
    sa.ForeignKeyConstraint(['tenant_id', 'feedback_round_id'], ['feedback_rounds.tenant_id', 'feedback_rounds.id'], name='fk_promise_evidence_feedback_round', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'promise_id'], ['leadership_promises.tenant_id', 'leadership_promises.id'], name='fk_promise_evidence_promise', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'pulse_round_id'], ['pulse_rounds.tenant_id', 'pulse_rounds.id'], name='fk_promise_evidence_pulse_round', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_promise_evidence_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_promise_evidence'))
    )
    with op.batch_alter_table('promise_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_promise_evidence_promise_id'), ['promise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_promise_evidence_tenant_id'), ['tenant_id'], unique=False)

    for table in TENANT_OWNED:
        rls.enable(op, table)


def downgrade() -> None:
    for table in TENANT_OWNED:
        rls.disable(op, table)
    with op.batch_alter_table('promise_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_promise_evidence_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_promise_evidence_promise_id'))

    op.drop_table('promise_evidence')
    with op.batch_alter_table('feedback_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_answers_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_answers_round_id'))

    op.drop_table('feedback_answers')
    with op.batch_alter_table('feedback_answer_pool', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_answer_pool_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_answer_pool_round_id'))

    op.drop_table('feedback_answer_pool')
    with op.batch_alter_table('feedback_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_invitations_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_invitations_round_id'))

    op.drop_table('feedback_invitations')
    with op.batch_alter_table('feedback_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_rounds_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_rounds_subject_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_rounds_programme_id'))

    op.drop_table('feedback_rounds')
    with op.batch_alter_table('pulse_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pulse_answers_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_pulse_answers_round_id'))

    op.drop_table('pulse_answers')
    with op.batch_alter_table('pulse_answer_pool', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pulse_answer_pool_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_pulse_answer_pool_round_id'))

    op.drop_table('pulse_answer_pool')
    with op.batch_alter_table('pulse_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pulse_invitations_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_pulse_invitations_round_id'))

    op.drop_table('pulse_invitations')
    with op.batch_alter_table('pulse_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pulse_rounds_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_pulse_rounds_programme_id'))

    op.drop_table('pulse_rounds')
    with op.batch_alter_table('leadership_promises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leadership_promises_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_leadership_promises_programme_id'))

    op.drop_table('leadership_promises')
