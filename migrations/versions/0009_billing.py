"""billing: accounts, subscriptions, webhook events, entitlements

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 09:00:00
"""
from alembic import op
import sqlalchemy as sa

from tenants import rls

TENANT_OWNED: list[str] = []


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in TENANT_OWNED:
        rls.enable(op, table)


def downgrade() -> None:
    for table in TENANT_OWNED:
        rls.disable(op, table)
