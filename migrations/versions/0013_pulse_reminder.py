"""pulse checks: one reminder per round, to the staff who have not answered

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 19:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pulse_rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminded_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('pulse_rounds', schema=None) as batch_op:
        batch_op.drop_column('reminded_on')
