"""Kiosk devices (issue 20, point 3): a shared tablet at a location, enrolled by an admin

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-07 02:30:00

- `kiosk_devices`: a device for a place (`name`), first with the hash of its one-time enrolment link, then with
  the hash of its own token (kept in a cookie on the tablet), the hash of the kiosk session running on it, and
  when it was enrolled, last used and revoked. Tenant-owned, with row-level security.
"""
from alembic import op
import sqlalchemy as sa

from tenants import rls

revision = '0041'
down_revision = '0040'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kiosk_devices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('enrol_hash', sa.String(length=64), nullable=True),
    sa.Column('enrol_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('session_hash', sa.String(length=64), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_kiosk_devices_tenant_id_tenants'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosk_devices')),
    sa.UniqueConstraint('enrol_hash', name=op.f('uq_kiosk_devices_enrol_hash')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_kiosk_devices_token_hash'))
    )
    op.create_index(op.f('ix_kiosk_devices_tenant_id'), 'kiosk_devices', ['tenant_id'], unique=False)
    rls.enable(op, 'kiosk_devices')


def downgrade() -> None:
    rls.disable(op, 'kiosk_devices')
    op.drop_index(op.f('ix_kiosk_devices_tenant_id'), table_name='kiosk_devices')
    op.drop_table('kiosk_devices')
