"""report access log: readings of pulse-check results too (a programme's, not a wave's)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 18:30:00

A row names either a survey wave or a programme (whose pulse-check results were read). The log
stays append-only: a row goes only by cascade, once its wave or programme is gone. The downgrade
removes the pulse rows (the older schema cannot hold them), with the guard lifted for just that.
"""
from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

PG_GUARD = """
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
PG_GUARD_BEFORE = """
CREATE OR REPLACE FUNCTION report_access_log_is_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM survey_waves WHERE id = OLD.wave_id) THEN
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
       BEGIN SELECT RAISE(ABORT, 'the report access log cannot be changed'); END"""
SQLITE_NO_DELETE_BEFORE = """CREATE TRIGGER report_access_log_no_delete BEFORE DELETE ON report_access_log
       WHEN EXISTS (SELECT 1 FROM survey_waves WHERE id = OLD.wave_id)
       BEGIN SELECT RAISE(ABORT, 'the report access log cannot be changed'); END"""


def _sqlite() -> bool:
    return op.get_bind().dialect.name != "postgresql"


def _drop_sqlite_guard() -> None:
    # SQLite rebuilds the table for these changes (batch mode), which would drop its triggers anyway.
    op.execute("DROP TRIGGER report_access_log_no_update")
    op.execute("DROP TRIGGER report_access_log_no_delete")


def upgrade() -> None:
    if _sqlite():
        _drop_sqlite_guard()
    with op.batch_alter_table('report_access_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('programme_id', sa.Integer(), nullable=True))
        batch_op.alter_column('wave_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key('fk_report_access_log_programme', 'programmes', ['tenant_id', 'programme_id'],
                                    ['tenant_id', 'id'], ondelete='CASCADE')
        batch_op.create_check_constraint('one_report', '(wave_id IS NULL) <> (programme_id IS NULL)')
        batch_op.create_index(batch_op.f('ix_report_access_log_programme_id'), ['programme_id'], unique=False)
    if _sqlite():
        op.execute(SQLITE_NO_UPDATE)
        op.execute(SQLITE_NO_DELETE)
    else:
        op.execute(PG_GUARD)


def downgrade() -> None:
    if _sqlite():
        _drop_sqlite_guard()
        op.execute("DELETE FROM report_access_log WHERE wave_id IS NULL")
    else:
        op.execute("SELECT set_config('app.all_tenants', 'on', true)")  # the owner is bound by RLS too
        op.execute("ALTER TABLE report_access_log DISABLE TRIGGER report_access_log_append_only")
        op.execute("DELETE FROM report_access_log WHERE wave_id IS NULL")
        op.execute("ALTER TABLE report_access_log ENABLE TRIGGER report_access_log_append_only")
        op.execute(PG_GUARD_BEFORE)
    with op.batch_alter_table('report_access_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_access_log_programme_id'))
        batch_op.drop_constraint(batch_op.f('ck_report_access_log_one_report'), type_='check')
        batch_op.drop_constraint('fk_report_access_log_programme', type_='foreignkey')
        batch_op.alter_column('wave_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('programme_id')
    if _sqlite():
        op.execute(SQLITE_NO_UPDATE)
        op.execute(SQLITE_NO_DELETE_BEFORE)
