"""house styles: a tenant's logo and colour, and a consultancy's for its clients

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 20:10:00

- `tenants.brand_*` and `billing_accounts.brand_*`: a primary colour (checked for WCAG AA contrast when
  saved), a logo (PNG or JPEG bytes and their type) and when the style last changed (the version in its
  stylesheet's URL and ETag). All empty: Koers's own theme. `saas.kernel.brand` reads them.
- Notifications already had their read marker (`notifications.read_at`): nothing to add for the unread count.
"""
from alembic import op
import sqlalchemy as sa

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

TABLES = ('tenants', 'billing_accounts')
COLUMNS = ('brand_colour', 'brand_logo', 'brand_logo_type', 'brand_changed_at')


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column('brand_colour', sa.String(length=7), nullable=True))
        op.add_column(table, sa.Column('brand_logo', sa.LargeBinary(), nullable=True))
        op.add_column(table, sa.Column('brand_logo_type', sa.String(length=20), nullable=True))
        op.add_column(table, sa.Column('brand_changed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        for column in COLUMNS:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")  # native on SQLite too: no rebuild
