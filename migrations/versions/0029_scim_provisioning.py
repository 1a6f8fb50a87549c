"""SCIM provisioning (issue 18, point 3): the tenant's token, the people and groups its identity provider
manages, and the admin's mapping of groups to legacy organisations and roles

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 21:10:00

- `scim_tokens`: one per tenant, only the SHA-256 of the token.
- `scim_users`: a provisioned person (the SCIM id, userName, externalId, active and the few attributes
  Koers publishes), tied to the account; `scim_groups` and `scim_group_members`: the provider's groups.
- `scim_group_mappings`: a group's name → a legacy organisation or a role.
All tenant-owned, with row-level security.
"""
from alembic import op
import sqlalchemy as sa

from tenants import rls

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

ROLE_CHECK = "role IN ('admin', 'management', 'sponsor', 'member', 'works_council', 'consultant')"
TABLES = ('scim_tokens', 'scim_users', 'scim_groups', 'scim_group_members', 'scim_group_mappings')



def upgrade() -> None:
    op.create_table('scim_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_scim_tokens_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scim_tokens')),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_scim_tokens_tenant_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_scim_tokens_token_hash'))
    )
    op.create_index(op.f('ix_scim_tokens_tenant_id'), 'scim_tokens', ['tenant_id'], unique=False)
    op.create_table('scim_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('user_name', sa.String(length=254), nullable=False),
    sa.Column('user_name_key', sa.String(length=254), nullable=False),
    sa.Column('external_id', sa.String(length=254), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_scim_users_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_scim_users_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scim_users')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_scim_users_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'resource_id', name=op.f('uq_scim_users_tenant_id_resource_id')),
    sa.UniqueConstraint('tenant_id', 'user_id', name=op.f('uq_scim_users_tenant_id_user_id')),
    sa.UniqueConstraint('tenant_id', 'user_name_key', name=op.f('uq_scim_users_tenant_id_user_name_key'))
    )
    op.create_index(op.f('ix_scim_users_tenant_id'), 'scim_users', ['tenant_id'], unique=False)
    op.create_index(op.f('ix_scim_users_user_id'), 'scim_users', ['user_id'], unique=False)
    op.create_table('scim_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.String(length=36), nullable=False),
    sa.Column('display_name', sa.String(length=254), nullable=False),
    sa.Column('external_id', sa.String(length=254), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_scim_groups_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scim_groups')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_scim_groups_tenant_id_id')),
    sa.UniqueConstraint('tenant_id', 'resource_id', name=op.f('uq_scim_groups_tenant_id_resource_id'))
    )
    op.create_index(op.f('ix_scim_groups_tenant_id'), 'scim_groups', ['tenant_id'], unique=False)
    op.create_table('scim_group_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('scim_user_id', sa.Integer(), nullable=False),
    sa.Column('display', sa.String(length=254), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'group_id'], ['scim_groups.tenant_id', 'scim_groups.id'], name='fk_scim_group_members_group', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'scim_user_id'], ['scim_users.tenant_id', 'scim_users.id'], name='fk_scim_group_members_user', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_scim_group_members_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scim_group_members')),
    sa.UniqueConstraint('group_id', 'scim_user_id', name=op.f('uq_scim_group_members_group_id_scim_user_id'))
    )
    op.create_index(op.f('ix_scim_group_members_scim_user_id'), 'scim_group_members', ['scim_user_id'], unique=False)
    op.create_index(op.f('ix_scim_group_members_tenant_id'), 'scim_group_members', ['tenant_id'], unique=False)
    op.create_table('scim_group_mappings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=254), nullable=False),
    sa.Column('legacy_org_id', sa.Integer(), nullable=True),
    sa.Column('role', sa.String(length=20), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('(legacy_org_id IS NULL) <> (role IS NULL)', name=op.f('ck_scim_group_mappings_org_or_role')),
    sa.CheckConstraint('role IS NULL OR ' + ROLE_CHECK, name=op.f('ck_scim_group_mappings_known_role')),
    sa.ForeignKeyConstraint(['tenant_id', 'legacy_org_id'], ['legacy_organisations.tenant_id', 'legacy_organisations.id'], name='fk_scim_group_mappings_legacy_org', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_scim_group_mappings_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scim_group_mappings')),
    sa.UniqueConstraint('tenant_id', 'display_name', name=op.f('uq_scim_group_mappings_tenant_id_display_name')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_scim_group_mappings_tenant_id_id'))
    )
    op.create_index(op.f('ix_scim_group_mappings_tenant_id'), 'scim_group_mappings', ['tenant_id'], unique=False)
    for table in TABLES:
        rls.enable(op, table)


def downgrade() -> None:
    for table in reversed(TABLES):
        rls.disable(op, table)
        op.drop_table(table)
