"""single sign-on with SAML 2.0 per tenant (issue 18, point 2)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 23:30:00

- `oidc_connections` gets `protocol` ("oidc", or "saml" for a SAML identity provider) and the identity
  provider's metadata (`saml_metadata`, and `saml_metadata_url` when it was fetched).
- `saml_answers`: an answer the identity provider posted, kept a moment until the same browser comes back
  with its session cookie (one-time key, stored as its SHA-256).
- `saml_assertions_seen`: the id of every assertion that signed someone in, until its NotOnOrAfter, so a
  replay is refused in every web process.
Both new tables tenant-owned, with row-level security.
"""
from alembic import op
import sqlalchemy as sa

from tenants import rls

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('oidc_connections', sa.Column('protocol', sa.String(length=8), server_default='oidc',
                                                nullable=False))
    op.add_column('oidc_connections', sa.Column('saml_metadata_url', sa.String(length=500), nullable=True))
    op.add_column('oidc_connections', sa.Column('saml_metadata', sa.Text(), nullable=True))
    op.create_table('saml_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('response', sa.Text(), nullable=False),
    sa.Column('relay_state', sa.String(length=200), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_saml_answers_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saml_answers')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_saml_answers_key_hash'))
    )
    op.create_index(op.f('ix_saml_answers_tenant_id'), 'saml_answers', ['tenant_id'], unique=False)
    op.create_table('saml_assertions_seen',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assertion_id', sa.String(length=255), nullable=False),
    sa.Column('not_on_or_after', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_saml_assertions_seen_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saml_assertions_seen')),
    sa.UniqueConstraint('tenant_id', 'assertion_id', name=op.f('uq_saml_assertions_seen_tenant_id_assertion_id'))
    )
    op.create_index(op.f('ix_saml_assertions_seen_not_on_or_after'), 'saml_assertions_seen', ['not_on_or_after'], unique=False)
    op.create_index(op.f('ix_saml_assertions_seen_tenant_id'), 'saml_assertions_seen', ['tenant_id'], unique=False)
    rls.enable(op, 'saml_answers')
    rls.enable(op, 'saml_assertions_seen')


def downgrade() -> None:
    rls.disable(op, 'saml_assertions_seen')
    rls.disable(op, 'saml_answers')
    op.drop_index(op.f('ix_saml_assertions_seen_tenant_id'), table_name='saml_assertions_seen')
    op.drop_index(op.f('ix_saml_assertions_seen_not_on_or_after'), table_name='saml_assertions_seen')
    op.drop_table('saml_assertions_seen')
    op.drop_index(op.f('ix_saml_answers_tenant_id'), table_name='saml_answers')
    op.drop_table('saml_answers')
    with op.batch_alter_table('oidc_connections') as batch:
        batch.drop_column('saml_metadata')
        batch.drop_column('saml_metadata_url')
        batch.drop_column('protocol')
