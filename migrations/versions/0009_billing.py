"""billing: accounts, subscriptions, webhook events, entitlements

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 09:00:00
"""
from alembic import op
import sqlalchemy as sa

from tenants import rls

TENANT_OWNED: list[str] = ['tenant_billing']


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Platform-level: billing accounts are not tenant-owned (a consultancy pays for many tenants).
    op.create_table('billing_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('trial_ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('stripe_customer_id', sa.String(length=255), nullable=True),
    sa.Column('stripe_subscription_id', sa.String(length=255), nullable=True),
    sa.Column('subscription_status', sa.String(length=32), nullable=True),
    sa.Column('price_id', sa.String(length=255), nullable=True),
    sa.Column('stripe_quantity', sa.Integer(), nullable=True),
    sa.Column('subscription_trial_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('current_period_end', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_at_period_end', sa.Boolean(), nullable=False),
    sa.Column('canceled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('past_due_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reconciled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checkouts_started', sa.Integer(), nullable=False),
    sa.Column('client_changes', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('organisation', 'consultancy')", name=op.f('ck_billing_accounts_known_kind')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_billing_accounts_owner_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_accounts')),
    sa.UniqueConstraint('stripe_customer_id', name=op.f('uq_billing_accounts_stripe_customer_id')),
    sa.UniqueConstraint('stripe_subscription_id', name=op.f('uq_billing_accounts_stripe_subscription_id'))
    )
    op.create_table('billing_account_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('owner', 'consultant')", name=op.f('ck_billing_account_members_known_role')),
    sa.ForeignKeyConstraint(['account_id'], ['billing_accounts.id'], name=op.f('fk_billing_account_members_account_id_billing_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_billing_account_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_account_members')),
    sa.UniqueConstraint('user_id', name=op.f('uq_billing_account_members_user_id'))
    )
    with op.batch_alter_table('billing_account_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_account_members_account_id'), ['account_id'], unique=False)

    op.create_table('billing_events',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('stripe_created', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['billing_accounts.id'], name=op.f('fk_billing_events_account_id_billing_accounts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_events'))
    )
    with op.batch_alter_table('billing_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_events_account_id'), ['account_id'], unique=False)

    # Tenant-owned: which account pays for the tenant, and whether it is an archived client.
    op.create_table('tenant_billing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['billing_accounts.id'], name=op.f('fk_tenant_billing_account_id_billing_accounts')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tenant_billing_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant_billing')),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_tenant_billing_tenant_id')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_tenant_billing_tenant_id_id'))
    )
    with op.batch_alter_table('tenant_billing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_billing_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tenant_billing_tenant_id'), ['tenant_id'], unique=False)

    for table in TENANT_OWNED:
        rls.enable(op, table)


def downgrade() -> None:
    for table in TENANT_OWNED:
        rls.disable(op, table)
    with op.batch_alter_table('tenant_billing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenant_billing_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_tenant_billing_account_id'))
    op.drop_table('tenant_billing')
    with op.batch_alter_table('billing_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_events_account_id'))
    op.drop_table('billing_events')
    with op.batch_alter_table('billing_account_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_account_members_account_id'))
    op.drop_table('billing_account_members')
    op.drop_table('billing_accounts')
