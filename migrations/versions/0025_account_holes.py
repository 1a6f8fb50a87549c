"""account holes (issue 18, point 5): confirmed addresses, revocable sessions, consultant invitations,
who created a tenant

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 20:30:00

- `users.email_verified_at`: when the owner followed the link mailed to the address. Accounts made
  before it stay unconfirmed (nobody ever showed the address was theirs); they confirm from their
  account page when they next create a tenant or are made administrator or consultant.
- `users.session_stamp`: in every session cookie, rotated by logging out and by a password change or
  reset; existing accounts get a random one (their sessions end once, at the upgrade).
- `tenants.created_by_id`: who made the tenant from the sign-up page (one free trial at a time).
- `consultant_invitations`: a consultancy's invitations to colleagues (only the token's hash).
"""
from alembic import op
import sqlalchemy as sa

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE, also on SQLite: a batch rebuild of a parent table would cascade its children away.
    op.add_column('users', sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('users', sa.Column('session_stamp', sa.String(length=32), server_default='', nullable=False))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("UPDATE users SET session_stamp = md5(random()::text || id::text)")
    else:
        op.execute("UPDATE users SET session_stamp = lower(hex(randomblob(16)))")
    op.add_column('tenants', sa.Column('created_by_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_tenants_created_by_id'), 'tenants', ['created_by_id'], unique=False)
    op.create_table('consultant_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['billing_accounts.id'], name=op.f('fk_consultant_invitations_account_id_billing_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_consultant_invitations_invited_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultant_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_consultant_invitations_token_hash'))
    )
    with op.batch_alter_table('consultant_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultant_invitations_account_id'), ['account_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('consultant_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultant_invitations_account_id'))
    op.drop_table('consultant_invitations')
    op.drop_index(op.f('ix_tenants_created_by_id'), table_name='tenants')
    op.execute("ALTER TABLE tenants DROP COLUMN created_by_id")  # native on SQLite too: no rebuild
    op.execute("ALTER TABLE users DROP COLUMN session_stamp")
    op.execute("ALTER TABLE users DROP COLUMN email_verified_at")
