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


# On SQLite a batch operation would copy and rename `tenants`, which the append-only triggers that name it
# refuse; SQLite adds (and drops) a column with its own CHECK in place.
CHECK = "merger_threshold BETWEEN 1 AND 50"


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE tenants ADD COLUMN merger_threshold INTEGER NOT NULL DEFAULT '10' "
                   f"CONSTRAINT ck_tenants_merger_threshold_range CHECK ({CHECK})")
        return
    op.add_column("tenants", sa.Column("merger_threshold", sa.Integer(), nullable=False, server_default="10"))
    op.create_check_constraint("merger_threshold_range", "tenants", CHECK)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE tenants DROP COLUMN merger_threshold")
        return
    op.drop_constraint("merger_threshold_range", "tenants", type_="check")
    op.drop_column("tenants", "merger_threshold")
