"""anonymity as one mechanism: releases, k frozen per collection, open-link answers marked, a wider access log

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 14:45:00

- `anonymity_releases` and `anonymity_release_groups`: figures exist only at release points.
- `survey_waves.k`, `pulse_rounds.k`: k frozen at the launch; launched collections get the k they
  were read under until now (the tenant's, or the consent's when higher).
- `survey_waves.checkpoints`: interim release points fixed before the launch.
- `survey_responses.verified`: False for open-link answers (whole-wave figures only); existing
  answers came from personal links or imports.
- `report_access_log`: also changes of the rules (k, country, consent) and readings of the
  comparison, consistency and evidence pages: `kind` is longer, a row may name neither a wave nor a
  programme (then it belongs to the tenant), and the append-only guard lets a row go only by cascade
  of what it names.
"""
from alembic import op
import sqlalchemy as sa

from tenants import rls

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

PG_GUARD = """
CREATE OR REPLACE FUNCTION report_access_log_is_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND (
        (OLD.wave_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM survey_waves WHERE id = OLD.wave_id))
        OR (OLD.programme_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM programmes WHERE id = OLD.programme_id))
        OR (OLD.wave_id IS NULL AND OLD.programme_id IS NULL
            AND NOT EXISTS (SELECT 1 FROM tenants WHERE id = OLD.tenant_id))) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the report access log cannot be changed';
END;
$$ LANGUAGE plpgsql;
"""
PG_GUARD_BEFORE = """
CREATE OR REPLACE FUNCTION report_access_log_is_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND NOT EXISTS (SELECT 1 FROM survey_waves WHERE id = OLD.wave_id)
       AND NOT EXISTS (SELECT 1 FROM programmes WHERE id = OLD.programme_id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the report access log cannot be changed';
END;
$$ LANGUAGE plpgsql;
"""
SQLITE_NO_UPDATE = """CREATE TRIGGER report_access_log_no_update BEFORE UPDATE ON report_access_log
       BEGIN SELECT RAISE(ABORT, 'the report access log cannot be changed'); END"""
SQLITE_NO_DELETE = """CREATE TRIGGER report_access_log_no_delete BEFORE DELETE ON report_access_log
       WHEN EXISTS (SELECT 1 FROM survey_waves WHERE id = OLD.wave_id)
         OR EXISTS (SELECT 1 FROM programmes WHERE id = OLD.programme_id)
         OR (OLD.wave_id IS NULL AND OLD.programme_id IS NULL
             AND EXISTS (SELECT 1 FROM tenants WHERE id = OLD.tenant_id))
       BEGIN SELECT RAISE(ABORT, 'the report access log cannot be changed'); END"""
SQLITE_NO_DELETE_BEFORE = """CREATE TRIGGER report_access_log_no_delete BEFORE DELETE ON report_access_log
       WHEN EXISTS (SELECT 1 FROM survey_waves WHERE id = OLD.wave_id)
         OR EXISTS (SELECT 1 FROM programmes WHERE id = OLD.programme_id)
       BEGIN SELECT RAISE(ABORT, 'the report access log cannot be changed'); END"""

BACKFILL_WAVE_K = """
UPDATE survey_waves SET k = GREATEST(5, (SELECT min_group_size FROM tenants WHERE tenants.id = survey_waves.tenant_id),
                                     COALESCE((SELECT min_group_size FROM survey_consents c
                                               WHERE c.tenant_id = survey_waves.tenant_id
                                                 AND c.wave_id = survey_waves.id), 0))
WHERE status <> 'draft'
"""
BACKFILL_PULSE_K = """
UPDATE pulse_rounds SET k = GREATEST(5, (SELECT min_group_size FROM tenants WHERE tenants.id = pulse_rounds.tenant_id))
WHERE status <> 'draft'
"""


def _sqlite() -> bool:
    return op.get_bind().dialect.name != "postgresql"


def _all_tenants() -> None:
    if not _sqlite():
        op.execute("SELECT set_config('app.all_tenants', 'on', true)")  # the owner is bound by RLS too


def upgrade() -> None:
    if _sqlite():  # batch mode rebuilds survey_waves, which the triggers name
        op.execute("DROP TRIGGER report_access_log_no_update")
        op.execute("DROP TRIGGER report_access_log_no_delete")
    op.create_table(
        'anonymity_releases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('collection', sa.String(length=20), nullable=False),
        sa.Column('collection_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('final', sa.Boolean(), nullable=False),
        sa.Column('k', sa.Integer(), nullable=False),
        sa.Column('released_on', sa.Date(), nullable=False),
        sa.Column('answers', sa.Integer(), nullable=False),
        sa.Column('patterns', sa.JSON(), nullable=False),
        sa.Column('atoms', sa.JSON(), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.CheckConstraint("collection IN ('wave', 'pulse', 'feedback', 'expectations', 'workshop')",
                           name=op.f('ck_anonymity_releases_known_collection')),
        sa.CheckConstraint('k >= 5', name=op.f('ck_anonymity_releases_k_at_least_5')),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_anonymity_releases_tenant_id_tenants'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_anonymity_releases')),
        sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_anonymity_releases_tenant_id_id')),
        sa.UniqueConstraint('tenant_id', 'collection', 'collection_id', 'number',
                            name=op.f('uq_anonymity_releases_tenant_id_collection_collection_id_number')),
    )
    op.create_index(op.f('ix_anonymity_releases_tenant_id'), 'anonymity_releases', ['tenant_id'])
    op.create_table(
        'anonymity_release_groups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('release_id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=True),
        sa.Column('team_id', sa.Integer(), nullable=True),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id', 'release_id'], ['anonymity_releases.tenant_id', 'anonymity_releases.id'],
                                name='fk_anonymity_release_groups_release', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'],
                                name=op.f('fk_anonymity_release_groups_tenant_id_tenants'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_anonymity_release_groups')),
    )
    op.create_index(op.f('ix_anonymity_release_groups_release_id'), 'anonymity_release_groups', ['release_id'])
    op.create_index(op.f('ix_anonymity_release_groups_tenant_id'), 'anonymity_release_groups', ['tenant_id'])
    for table in ('anonymity_releases', 'anonymity_release_groups'):
        rls.enable(op, table)

    # Plain ALTER TABLE, also on SQLite: a batch rebuild of a parent table would cascade its children away.
    op.add_column('survey_waves', sa.Column('k', sa.Integer(), nullable=True))
    op.add_column('survey_waves', sa.Column('checkpoints', sa.JSON(), nullable=True))
    op.add_column('pulse_rounds', sa.Column('k', sa.Integer(), nullable=True))
    op.add_column('survey_responses', sa.Column('verified', sa.Boolean(), nullable=False, server_default=sa.true()))
    _all_tenants()
    greatest = BACKFILL_WAVE_K if not _sqlite() else BACKFILL_WAVE_K.replace("GREATEST", "MAX")
    op.execute(greatest)
    op.execute(BACKFILL_PULSE_K if not _sqlite() else BACKFILL_PULSE_K.replace("GREATEST", "MAX"))
    op.execute("UPDATE survey_waves SET checkpoints = '[]'")

    with op.batch_alter_table('report_access_log', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_report_access_log_one_report'), type_='check')
        batch_op.alter_column('kind', existing_type=sa.String(length=10), type_=sa.String(length=20))
    if _sqlite():
        op.execute(SQLITE_NO_UPDATE)
        op.execute(SQLITE_NO_DELETE)
    else:
        op.execute(PG_GUARD)


def downgrade() -> None:
    _all_tenants()
    if _sqlite():
        op.execute("DROP TRIGGER report_access_log_no_update")
        op.execute("DROP TRIGGER report_access_log_no_delete")
        op.execute("DELETE FROM report_access_log WHERE (wave_id IS NULL) = (programme_id IS NULL) "
                   "OR length(kind) > 10")
    else:
        op.execute("ALTER TABLE report_access_log DISABLE TRIGGER report_access_log_append_only")
        op.execute("DELETE FROM report_access_log WHERE (wave_id IS NULL) = (programme_id IS NULL) "
                   "OR length(kind) > 10")
        op.execute("ALTER TABLE report_access_log ENABLE TRIGGER report_access_log_append_only")
        op.execute(PG_GUARD_BEFORE)
    with op.batch_alter_table('report_access_log', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=20), type_=sa.String(length=10))
        batch_op.create_check_constraint('one_report', '(wave_id IS NULL) <> (programme_id IS NULL)')

    for table, column in (('survey_responses', 'verified'), ('pulse_rounds', 'k'), ('survey_waves', 'checkpoints'),
                          ('survey_waves', 'k')):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")  # native on SQLite too: no rebuild
    for table in ('anonymity_release_groups', 'anonymity_releases'):
        rls.disable(op, table)
    op.drop_index(op.f('ix_anonymity_release_groups_tenant_id'), table_name='anonymity_release_groups')
    op.drop_index(op.f('ix_anonymity_release_groups_release_id'), table_name='anonymity_release_groups')
    op.drop_table('anonymity_release_groups')
    op.drop_index(op.f('ix_anonymity_releases_tenant_id'), table_name='anonymity_releases')
    op.drop_table('anonymity_releases')
    if _sqlite():
        op.execute(SQLITE_NO_UPDATE)
        op.execute(SQLITE_NO_DELETE_BEFORE)
