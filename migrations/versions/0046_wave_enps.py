"""A wave may ask the eNPS question (issue 21 point 4)

Revision ID: 0046
Revises: 0045
Create Date: 2026-12-07 05:40:00

- `survey_waves.asks_enps`: whether the wave asks "How likely is it that you would recommend … as an employer"
  (0–10); off by default. Its answers are stored with the others (`answers["enps"]`), its figures in the release.
"""
from alembic import op
import sqlalchemy as sa

revision = '0046'
down_revision = '0045'
branch_labels = None
depends_on = None


def upgrade():
    # a plain ADD COLUMN (no batch copy on SQLite): nothing to rebuild for a boolean with a default
    op.add_column("survey_waves", sa.Column("asks_enps", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE survey_waves DROP COLUMN asks_enps")
        return
    op.drop_column("survey_waves", "asks_enps")
