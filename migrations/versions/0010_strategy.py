"""strategy: pillars, mutual expectations, action plans, knowledge day

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 09:00:00
"""
from alembic import op
import sqlalchemy as sa

from tenants import rls

TENANT_OWNED: list[str] = []


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in TENANT_OWNED:
        rls.enable(op, table)


def downgrade() -> None:
    for table in TENANT_OWNED:
        rls.disable(op, table)
