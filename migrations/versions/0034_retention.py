"""Retention per tenant and who left when (issue 19, point 2)

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06 23:50:00

- `retention_policies`: a tenant's periods in days, within the limits of saas.privacy.retention (checked
  here too), and the day the daily job last ran for it. No row: the defaults.
- `departures`: a membership that ended, whose account it was and when; the daily job erases the person
  once the tenant's period has passed.
Both tenant-owned, with row-level security.
"""
from alembic import op
import sqlalchemy as sa

from tenants import rls

revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None

TABLES = ('retention_policies', 'departures')


def upgrade() -> None:
    op.create_table('retention_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('left_days', sa.Integer(), nullable=False),
    sa.Column('invitations_days', sa.Integer(), nullable=False),
    sa.Column('attachments_days', sa.Integer(), nullable=False),
    sa.Column('last_enforced_on', sa.Date(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('left_days BETWEEN 30 AND 730', name=op.f('ck_retention_policies_left_days_range')),
    sa.CheckConstraint('invitations_days BETWEEN 7 AND 365', name=op.f('ck_retention_policies_invitations_days_range')),
    sa.CheckConstraint('attachments_days BETWEEN 90 AND 1825', name=op.f('ck_retention_policies_attachments_days_range')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_retention_policies_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_policies')),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_retention_policies_tenant_id'))
    )
    op.create_index(op.f('ix_retention_policies_tenant_id'), 'retention_policies', ['tenant_id'], unique=False)
    op.create_table('departures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('left_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_departures_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_departures'))
    )
    op.create_index(op.f('ix_departures_tenant_id'), 'departures', ['tenant_id'], unique=False)
    op.create_index(op.f('ix_departures_user_id'), 'departures', ['user_id'], unique=False)
    for table in TABLES:
        rls.enable(op, table)


def downgrade() -> None:
    for table in reversed(TABLES):
        rls.disable(op, table)
        op.drop_table(table)
