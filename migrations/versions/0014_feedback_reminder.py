"""360-degree feedback: one reminder per round, to the raters who have not answered

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23 19:10:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('feedback_rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminded_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('feedback_rounds', schema=None) as batch_op:
        batch_op.drop_column('reminded_on')
