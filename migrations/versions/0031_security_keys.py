"""security keys and passkeys (WebAuthn) as a second factor; a tenant's identity provider that enforces
multi-factor sign-in (issue 18, points 4 and 1)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 23:30:00

- `security_keys`: an account's registered keys: the credential id (base64url, unique), the COSE public key,
  the sign counter, the name the person gave it, when it was added and last used. Nothing secret.
- `oidc_connections.enforces_mfa`: the admin's word that the provider asks more than a password; a sign-in
  through it then satisfies the tenant's two-factor policy. Off for the configurations made before it existed
  (nobody said so yet); a new configuration has it on.
"""
from alembic import op
import sqlalchemy as sa

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('security_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('credential_id', sa.String(length=1400), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.Column('sign_count', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_security_keys_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_security_keys')),
    sa.UniqueConstraint('credential_id', name=op.f('uq_security_keys_credential_id'))
    )
    op.create_index(op.f('ix_security_keys_user_id'), 'security_keys', ['user_id'], unique=False)
    # Plain ALTER TABLE, also on SQLite (as 0028): no batch rebuild of a table others refer to.
    op.add_column('oidc_connections', sa.Column('enforces_mfa', sa.Boolean(), server_default=sa.false(),
                                                nullable=False))


def downgrade() -> None:
    op.execute("ALTER TABLE oidc_connections DROP COLUMN enforces_mfa")
    op.drop_index(op.f('ix_security_keys_user_id'), table_name='security_keys')
    op.drop_table('security_keys')
