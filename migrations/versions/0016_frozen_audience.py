"""survey invitations freeze the audience: the invited person's legacy organisation and teams at the invitation

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 15:00:00

The response rates used to read each invited person's organisation and teams as they are now, so a
move between two readings told whether that person had answered. Each invitation now records them when
it is made; existing invitations get the membership as it stands at this migration.
"""
from alembic import op
import sqlalchemy as sa

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

BACKFILL_ORG = """
UPDATE survey_invitations SET legacy_org_id = (
    SELECT m.legacy_org_id FROM memberships m
    WHERE m.id = survey_invitations.membership_id AND m.tenant_id = survey_invitations.tenant_id)
"""
BACKFILL_TEAMS_PG = """
UPDATE survey_invitations SET team_ids = COALESCE((
    SELECT json_agg(tm.team_id ORDER BY tm.team_id) FROM team_members tm
    WHERE tm.membership_id = survey_invitations.membership_id AND tm.tenant_id = survey_invitations.tenant_id),
    '[]'::json)
"""
BACKFILL_TEAMS_SQLITE = """
UPDATE survey_invitations SET team_ids = (
    SELECT json_group_array(tm.team_id) FROM team_members tm
    WHERE tm.membership_id = survey_invitations.membership_id AND tm.tenant_id = survey_invitations.tenant_id)
"""


def _sqlite() -> bool:
    return op.get_bind().dialect.name != "postgresql"


def upgrade() -> None:
    op.add_column('survey_invitations', sa.Column('legacy_org_id', sa.Integer(), nullable=True))
    op.add_column('survey_invitations', sa.Column('team_ids', sa.JSON(), nullable=False, server_default='[]'))
    if not _sqlite():
        op.execute("SELECT set_config('app.all_tenants', 'on', true)")  # the owner is bound by RLS too
    op.execute(BACKFILL_ORG)
    op.execute(BACKFILL_TEAMS_SQLITE if _sqlite() else BACKFILL_TEAMS_PG)
    # survey_invitations is no parent table, so SQLite's batch rebuild cascades nothing away.
    with op.batch_alter_table('survey_invitations', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_survey_invitations_legacy_org', 'legacy_organisations',
                                    ['tenant_id', 'legacy_org_id'], ['tenant_id', 'id'])


def downgrade() -> None:
    with op.batch_alter_table('survey_invitations', schema=None) as batch_op:
        batch_op.drop_constraint('fk_survey_invitations_legacy_org', type_='foreignkey')
        batch_op.drop_column('team_ids')
        batch_op.drop_column('legacy_org_id')
