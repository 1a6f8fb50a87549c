"""consent recorded by the works council, and required by a setting of its own

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 15:00:00

- `tenants.consent_required`: whether collections need the works council's consent; backfilled
  from the country (NL: on), after which the country no longer decides it.
- `survey_consents` and `pulse_rounds`: who recorded the consent (name as it was) and how (typed by a
  works council member, or the signed decision uploaded by an admin, kept as a PDF); pulse rounds
  also keep the consent's conditions and a higher k.
"""
from alembic import op
import sqlalchemy as sa

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

RECORDED = (('survey_consents', ''), ('pulse_rounds', 'consent_'))


def _columns(prefix: str, table: str):
    by = 'recorded_by_' if table == 'survey_consents' else 'consent_by_'
    how = 'recorded_how' if table == 'survey_consents' else 'consent_how'
    return [
        sa.Column(f'{by}id', sa.Integer(), nullable=True),
        sa.Column(f'{by}name', sa.String(length=200), nullable=True),
        sa.Column(how, sa.String(length=20), nullable=True),
        sa.Column(f'{prefix}filename', sa.String(length=200), nullable=True),
        sa.Column(f'{prefix}content_type', sa.String(length=100), nullable=True),
        sa.Column(f'{prefix}size', sa.Integer(), nullable=True),
        sa.Column('document' if not prefix else 'consent_document', sa.LargeBinary(), nullable=True),
    ]


def upgrade() -> None:
    # Plain ALTER TABLE, also on SQLite: a batch rebuild of a parent table would cascade its children away.
    op.add_column('tenants', sa.Column('consent_required', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE tenants SET consent_required = (country = 'NL')")  # tenants is not tenant-owned: no RLS
    op.add_column('pulse_rounds', sa.Column('consent_conditions', sa.Text(), nullable=True))
    op.add_column('pulse_rounds', sa.Column('consent_min_group_size', sa.Integer(), nullable=True))
    for table, prefix in RECORDED:
        for column in _columns(prefix, table):
            op.add_column(table, column)


def downgrade() -> None:
    for table, prefix in RECORDED:
        for column in _columns(prefix, table):
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column.name}")  # native on SQLite too: no rebuild
    op.execute("ALTER TABLE pulse_rounds DROP COLUMN consent_min_group_size")
    op.execute("ALTER TABLE pulse_rounds DROP COLUMN consent_conditions")
    op.execute("ALTER TABLE tenants DROP COLUMN consent_required")
