"""strategy: pillars, mutual expectations, action plans, knowledge day

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 09:00:00
"""
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa

from tenants import rls

TENANT_OWNED = ['action_plans', 'development_goals', 'expectation_clusters', 'expectation_contributions', 'expectation_rounds', 'knowledge_days', 'plan_actions', 'strategy_pillars', 'workshop_evaluations', 'workshop_signups', 'workshops']


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('knowledge_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('location', sa.String(length=160), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'programme_id'], ['programmes.tenant_id', 'programmes.id'], name='fk_knowledge_days_programme', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_knowledge_days_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_days')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_knowledge_days_tenant_id_id'))
    )
    with op.batch_alter_table('knowledge_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_days_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_knowledge_days_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('strategy_pillars',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('meaning', sa.Text(), nullable=False),
    sa.Column('examples', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'programme_id'], ['programmes.tenant_id', 'programmes.id'], name='fk_strategy_pillars_programme', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_strategy_pillars_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_strategy_pillars')),
    sa.UniqueConstraint('programme_id', 'title', name=op.f('uq_strategy_pillars_programme_id_title')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_strategy_pillars_tenant_id_id'))
    )
    with op.batch_alter_table('strategy_pillars', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_strategy_pillars_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_strategy_pillars_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('action_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('unit_kind', sa.String(length=12), nullable=False),
    sa.Column('unit_name', sa.String(length=160), nullable=False),
    sa.Column('coordinator_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("unit_kind IN ('region', 'department', 'team')", name=op.f('ck_action_plans_known_unit_kind')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2099', name=op.f('ck_action_plans_sensible_year')),
    sa.ForeignKeyConstraint(['tenant_id', 'coordinator_id'], ['memberships.tenant_id', 'memberships.id'], name='fk_action_plans_coordinator'),
    sa.ForeignKeyConstraint(['tenant_id', 'programme_id'], ['programmes.tenant_id', 'programmes.id'], name='fk_action_plans_programme', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_action_plans_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_plans')),
    sa.UniqueConstraint('programme_id', 'year', 'unit_kind', 'unit_name', name=op.f('uq_action_plans_programme_id_year_unit_kind_unit_name')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_action_plans_tenant_id_id'))
    )
    with op.batch_alter_table('action_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_plans_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_plans_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('development_goals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('pillar_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'membership_id'], ['memberships.tenant_id', 'memberships.id'], name='fk_development_goals_membership', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'pillar_id'], ['strategy_pillars.tenant_id', 'strategy_pillars.id'], name='fk_development_goals_pillar'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_development_goals_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_development_goals'))
    )
    with op.batch_alter_table('development_goals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_development_goals_membership_id'), ['membership_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_development_goals_pillar_id'), ['pillar_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_development_goals_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('expectation_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pillar_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=True),
    sa.Column('invitation', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'closed', 'published')", name=op.f('ck_expectation_rounds_known_status')),
    sa.ForeignKeyConstraint(['tenant_id', 'pillar_id'], ['strategy_pillars.tenant_id', 'strategy_pillars.id'], name='fk_expectation_rounds_pillar', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_expectation_rounds_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expectation_rounds')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_expectation_rounds_tenant_id_id'))
    )
    with op.batch_alter_table('expectation_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expectation_rounds_pillar_id'), ['pillar_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_expectation_rounds_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('workshops',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('host_id', sa.Integer(), nullable=True),
    sa.Column('pillar_id', sa.Integer(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=False),
    sa.Column('ends_at', sa.Time(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('capacity >= 1', name=op.f('ck_workshops_capacity_positive')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_workshops_ends_after_start')),
    sa.ForeignKeyConstraint(['tenant_id', 'day_id'], ['knowledge_days.tenant_id', 'knowledge_days.id'], name='fk_workshops_day', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'host_id'], ['memberships.tenant_id', 'memberships.id'], name='fk_workshops_host'),
    sa.ForeignKeyConstraint(['tenant_id', 'pillar_id'], ['strategy_pillars.tenant_id', 'strategy_pillars.id'], name='fk_workshops_pillar'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_workshops_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshops')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_workshops_tenant_id_id'))
    )
    with op.batch_alter_table('workshops', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshops_day_id'), ['day_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshops_host_id'), ['host_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshops_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('expectation_clusters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'round_id'], ['expectation_rounds.tenant_id', 'expectation_rounds.id'], name='fk_expectation_clusters_round', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_expectation_clusters_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expectation_clusters')),
    sa.UniqueConstraint('round_id', 'name', name=op.f('uq_expectation_clusters_round_id_name')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_expectation_clusters_tenant_id_id'))
    )
    with op.batch_alter_table('expectation_clusters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expectation_clusters_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_expectation_clusters_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('plan_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('pillar_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('planned', 'in_progress', 'done')", name=op.f('ck_plan_actions_known_status')),
    sa.ForeignKeyConstraint(['tenant_id', 'owner_id'], ['memberships.tenant_id', 'memberships.id'], name='fk_plan_actions_owner'),
    sa.ForeignKeyConstraint(['tenant_id', 'pillar_id'], ['strategy_pillars.tenant_id', 'strategy_pillars.id'], name='fk_plan_actions_pillar'),
    sa.ForeignKeyConstraint(['tenant_id', 'plan_id'], ['action_plans.tenant_id', 'action_plans.id'], name='fk_plan_actions_plan', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_plan_actions_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_actions'))
    )
    with op.batch_alter_table('plan_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_actions_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_actions_pillar_id'), ['pillar_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_actions_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_actions_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('workshop_evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('score BETWEEN 1 AND 5', name=op.f('ck_workshop_evaluations_score_1_to_5')),
    sa.ForeignKeyConstraint(['tenant_id', 'workshop_id'], ['workshops.tenant_id', 'workshops.id'], name='fk_workshop_evaluations_workshop', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_workshop_evaluations_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_evaluations'))
    )
    with op.batch_alter_table('workshop_evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_evaluations_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_evaluations_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('workshop_signups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('signed_up_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attended', sa.Boolean(), nullable=True),
    sa.Column('evaluated', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('confirmed', 'waiting')", name=op.f('ck_workshop_signups_known_status')),
    sa.ForeignKeyConstraint(['tenant_id', 'membership_id'], ['memberships.tenant_id', 'memberships.id'], name='fk_workshop_signups_membership', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'workshop_id'], ['workshops.tenant_id', 'workshops.id'], name='fk_workshop_signups_workshop', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_workshop_signups_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_signups')),
    sa.UniqueConstraint('workshop_id', 'membership_id', name=op.f('uq_workshop_signups_workshop_id_membership_id'))
    )
    with op.batch_alter_table('workshop_signups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_signups_membership_id'), ['membership_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_signups_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workshop_signups_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('expectation_contributions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=12), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('legacy_org_id', sa.Integer(), nullable=True),
    sa.Column('cluster_id', sa.Integer(), nullable=True),
    sa.Column('written_on', sa.Date(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('expectation', 'meaning')", name=op.f('ck_expectation_contributions_known_kind')),
    sa.CheckConstraint("side IN ('staff', 'management')", name=op.f('ck_expectation_contributions_known_side')),
    sa.CheckConstraint('NOT anonymous OR author_id IS NULL', name=op.f('ck_expectation_contributions_anonymous_has_no_author')),
    sa.ForeignKeyConstraint(['tenant_id', 'author_id'], ['memberships.tenant_id', 'memberships.id'], name='fk_expectation_contributions_author'),
    sa.ForeignKeyConstraint(['tenant_id', 'cluster_id'], ['expectation_clusters.tenant_id', 'expectation_clusters.id'], name='fk_expectation_contributions_cluster'),
    sa.ForeignKeyConstraint(['tenant_id', 'legacy_org_id'], ['legacy_organisations.tenant_id', 'legacy_organisations.id'], name='fk_expectation_contributions_legacy_org'),
    sa.ForeignKeyConstraint(['tenant_id', 'round_id'], ['expectation_rounds.tenant_id', 'expectation_rounds.id'], name='fk_expectation_contributions_round', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_expectation_contributions_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expectation_contributions'))
    )
    with op.batch_alter_table('expectation_contributions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expectation_contributions_cluster_id'), ['cluster_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_expectation_contributions_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_expectation_contributions_tenant_id'), ['tenant_id'], unique=False)

    # themes.pillar_id: on SQLite the batch mode rebuilds `themes`, so foreign keys must be off (below)
    with _foreign_keys_off():
        with op.batch_alter_table('themes', schema=None) as batch_op:
            batch_op.add_column(sa.Column('pillar_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f('ix_themes_pillar_id'), ['pillar_id'], unique=False)
            batch_op.create_foreign_key('fk_themes_pillar', 'strategy_pillars', ['tenant_id', 'pillar_id'],
                                        ['tenant_id', 'id'])

    for table in TENANT_OWNED:
        rls.enable(op, table)


def downgrade() -> None:
    for table in TENANT_OWNED:
        rls.disable(op, table)
    with _foreign_keys_off():
        with op.batch_alter_table('themes', schema=None) as batch_op:
            batch_op.drop_constraint('fk_themes_pillar', type_='foreignkey')
            batch_op.drop_index(batch_op.f('ix_themes_pillar_id'))
            batch_op.drop_column('pillar_id')

    with op.batch_alter_table('expectation_contributions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expectation_contributions_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_expectation_contributions_round_id'))
        batch_op.drop_index(batch_op.f('ix_expectation_contributions_cluster_id'))

    op.drop_table('expectation_contributions')
    with op.batch_alter_table('workshop_signups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_signups_workshop_id'))
        batch_op.drop_index(batch_op.f('ix_workshop_signups_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_workshop_signups_membership_id'))

    op.drop_table('workshop_signups')
    with op.batch_alter_table('workshop_evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_evaluations_workshop_id'))
        batch_op.drop_index(batch_op.f('ix_workshop_evaluations_tenant_id'))

    op.drop_table('workshop_evaluations')
    with op.batch_alter_table('plan_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_actions_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_plan_actions_plan_id'))
        batch_op.drop_index(batch_op.f('ix_plan_actions_pillar_id'))
        batch_op.drop_index(batch_op.f('ix_plan_actions_owner_id'))

    op.drop_table('plan_actions')
    with op.batch_alter_table('expectation_clusters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expectation_clusters_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_expectation_clusters_round_id'))

    op.drop_table('expectation_clusters')
    with op.batch_alter_table('workshops', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshops_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_workshops_host_id'))
        batch_op.drop_index(batch_op.f('ix_workshops_day_id'))

    op.drop_table('workshops')
    with op.batch_alter_table('expectation_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expectation_rounds_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_expectation_rounds_pillar_id'))

    op.drop_table('expectation_rounds')
    with op.batch_alter_table('development_goals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_development_goals_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_development_goals_pillar_id'))
        batch_op.drop_index(batch_op.f('ix_development_goals_membership_id'))

    op.drop_table('development_goals')
    with op.batch_alter_table('action_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_plans_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_action_plans_programme_id'))

    op.drop_table('action_plans')
    with op.batch_alter_table('strategy_pillars', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_strategy_pillars_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_strategy_pillars_programme_id'))

    op.drop_table('strategy_pillars')
    with op.batch_alter_table('knowledge_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_days_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_knowledge_days_programme_id'))

    op.drop_table('knowledge_days')


@contextmanager
def _foreign_keys_off():
    """SQLite only: rebuilding a table drops the old one, and with foreign keys on that DROP deletes
    every row that points at it (ON DELETE CASCADE: sponsors, supporters, teams, ...). The pragma is
    ignored inside a transaction, so the migrations before this one are committed first (a
    consistent point: alembic_version already says 0009) and the check runs at the end."""
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        yield
        return
    raw = bind.connection.dbapi_connection
    if raw.in_transaction:
        raw.commit()
    bind.exec_driver_sql('PRAGMA foreign_keys=OFF')
    try:
        yield
    finally:
        problems = bind.exec_driver_sql('PRAGMA foreign_key_check').fetchall()
        if problems:
            raise RuntimeError(f'foreign keys broken after rebuilding a table: {problems[:5]}')
