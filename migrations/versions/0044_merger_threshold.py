"""A tenant's threshold for merger progress (issue 21 point 1)

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-07 03:30:00

- `tenants.merger_threshold`: the distance in points (1–50, default 10) below which two cultures count as
  grown together; merger progress projects when each distance falls below it (saas.comparison.progress).
"""
from alembic import op
import sqlalchemy as sa

revision = '0044'
down_revision = '0043'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tenants") as batch:
        batch.add_column(sa.Column("merger_threshold", sa.Integer(), nullable=False, server_default="10"))
        batch.create_check_constraint("merger_threshold_range", "merger_threshold BETWEEN 1 AND 50")


def downgrade():
    with op.batch_alter_table("tenants") as batch:
        batch.drop_constraint("merger_threshold_range", type_="check")
        batch.drop_column("merger_threshold")
