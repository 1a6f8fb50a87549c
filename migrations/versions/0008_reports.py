"""works council reports: access log (append-only), PDF report files

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 09:00:00
"""
from alembic import op
import sqlalchemy as sa

from tenants import rls

TENANT_OWNED: list[str] = ['report_access_log', 'report_files']


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# Nobody changes the access log: not the app, not an admin with a database shell using the app's role.
# A row goes only with its wave (or tenant), by cascade, once that parent is gone.
PG_GUARD = """
CREATE FUNCTION report_access_log_is_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM survey_waves WHERE id = OLD.wave_id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the report access log cannot be changed';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER report_access_log_append_only BEFORE UPDATE OR DELETE ON report_access_log
    FOR EACH ROW EXECUTE FUNCTION report_access_log_is_append_only();
"""
SQLITE_GUARD = [
    """CREATE TRIGGER report_access_log_no_update BEFORE UPDATE ON report_access_log
       BEGIN SELECT RAISE(ABORT, 'the report access log cannot be changed'); END""",
    """CREATE TRIGGER report_access_log_no_delete BEFORE DELETE ON report_access_log
       WHEN EXISTS (SELECT 1 FROM survey_waves WHERE id = OLD.wave_id)
       BEGIN SELECT RAISE(ABORT, 'the report access log cannot be changed'); END""",
]


def upgrade() -> None:
    op.create_table('report_access_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('user_name', sa.String(length=200), nullable=False),
    sa.Column('user_email', sa.String(length=320), nullable=False),
    sa.Column('wave_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('filters', sa.JSON(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'wave_id'], ['survey_waves.tenant_id', 'survey_waves.id'], name='fk_report_access_log_wave', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_report_access_log_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_access_log')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_report_access_log_tenant_id_id'))
    )
    with op.batch_alter_table('report_access_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_access_log_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_access_log_wave_id'), ['wave_id'], unique=False)

    op.create_table('report_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('wave_id', sa.Integer(), nullable=False),
    sa.Column('filters', sa.JSON(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'wave_id'], ['survey_waves.tenant_id', 'survey_waves.id'], name='fk_report_files_wave', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_report_files_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_files')),
    sa.UniqueConstraint('tenant_id', 'id', name=op.f('uq_report_files_tenant_id_id'))
    )
    with op.batch_alter_table('report_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_files_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_files_wave_id'), ['wave_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_GUARD)
    else:
        for statement in SQLITE_GUARD:
            op.execute(statement)
    for table in TENANT_OWNED:
        rls.enable(op, table)


def downgrade() -> None:
    for table in TENANT_OWNED:
        rls.disable(op, table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER report_access_log_append_only ON report_access_log")
        op.execute("DROP FUNCTION report_access_log_is_append_only()")
    else:
        op.execute("DROP TRIGGER report_access_log_no_update")
        op.execute("DROP TRIGGER report_access_log_no_delete")
    with op.batch_alter_table('report_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_files_wave_id'))
        batch_op.drop_index(batch_op.f('ix_report_files_tenant_id'))
    op.drop_table('report_files')
    with op.batch_alter_table('report_access_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_access_log_wave_id'))
        batch_op.drop_index(batch_op.f('ix_report_access_log_tenant_id'))
    op.drop_table('report_access_log')
