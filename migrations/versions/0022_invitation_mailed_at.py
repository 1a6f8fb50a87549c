"""when a survey invitation's link was last mailed

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 18:15:00

- `survey_invitations.mailed_at`: when the invitation or its latest reminder was mailed (the job sets
  it). A reminder renews only links mailed at least `REMINDER_MIN_AGE` before it was asked for, so a
  reminder right after "invite newcomers" does not kill the link they got seconds earlier. Emptied at
  the close. Null for invitations mailed before this column existed: they count as mailed long ago.
"""
from alembic import op
import sqlalchemy as sa

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('survey_invitations', sa.Column('mailed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE survey_invitations DROP COLUMN mailed_at")  # native on SQLite too: no rebuild
