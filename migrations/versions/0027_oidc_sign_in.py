"""single sign-on with OpenID Connect per tenant (issue 18, point 1)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 21:15:00

- `oidc_connections`: a tenant's provider (one per tenant): issuer, client id, the client secret
  encrypted with the app's secret key, which claims carry the e-mail address, legacy organisation and
  roles, allowed e-mail domains, just-in-time membership, and whether single sign-on is required (with
  the break-glass administrator who may still use a password).
- `sso_identities`: the people a tenant's provider signed in, by issuer and subject (Entra ID: `oid`).
Both tenant-owned, with row-level security.
"""
from alembic import op
import sqlalchemy as sa

from tenants import rls

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('oidc_connections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('client_secret', sa.String(length=2000), nullable=False),
    sa.Column('scopes', sa.String(length=300), nullable=False),
    sa.Column('email_claim', sa.String(length=64), nullable=False),
    sa.Column('legacy_org_claim', sa.String(length=64), nullable=True),
    sa.Column('role_claim', sa.String(length=64), nullable=True),
    sa.Column('role_map', sa.JSON(), nullable=False),
    sa.Column('allowed_domains', sa.String(length=1000), nullable=False),
    sa.Column('trust_email', sa.Boolean(), nullable=False),
    sa.Column('jit', sa.Boolean(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('sso_required', sa.Boolean(), nullable=False),
    sa.Column('break_glass_user_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['break_glass_user_id'], ['users.id'], name=op.f('fk_oidc_connections_break_glass_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_oidc_connections_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oidc_connections')),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_oidc_connections_tenant_id'))
    )
    op.create_index(op.f('ix_oidc_connections_tenant_id'), 'oidc_connections', ['tenant_id'], unique=False)
    op.create_table('sso_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('organisation_asked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_sso_identities_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sso_identities_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sso_identities')),
    sa.UniqueConstraint('tenant_id', 'issuer', 'subject', name=op.f('uq_sso_identities_tenant_id_issuer_subject'))
    )
    op.create_index(op.f('ix_sso_identities_tenant_id'), 'sso_identities', ['tenant_id'], unique=False)
    op.create_index(op.f('ix_sso_identities_user_id'), 'sso_identities', ['user_id'], unique=False)
    rls.enable(op, 'oidc_connections')
    rls.enable(op, 'sso_identities')


def downgrade() -> None:
    rls.disable(op, 'sso_identities')
    rls.disable(op, 'oidc_connections')
    op.drop_index(op.f('ix_sso_identities_user_id'), table_name='sso_identities')
    op.drop_index(op.f('ix_sso_identities_tenant_id'), table_name='sso_identities')
    op.drop_table('sso_identities')
    op.drop_index(op.f('ix_oidc_connections_tenant_id'), table_name='oidc_connections')
    op.drop_table('oidc_connections')
