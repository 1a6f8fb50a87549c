"""strategy anonymity: workshop evaluations pooled and released at the close of a window; anonymous
expectations counted by author and released at the round's close

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 15:00:00

- `workshops.evaluations` (pending | open | closed), `evaluations_close_on`, `k`: the evaluation
  window. Workshops whose attendance was recorded get an open window closing 14 days after their day
  (the sweeper closes past ones and releases their figures), with the k they were read under.
- `workshop_evaluation_pool`: evaluations waiting for the close (score and comment only).
- `workshop_evaluations.id`, `expectation_contributions.id`: random strings instead of a sequence.
- `expectation_rounds.k`: k frozen when the round opens; existing rounds get the tenant's k.
- `expectation_contributions.author_key`: the keyed per-round pseudonym of an anonymous contribution
  until its release. Anonymous contributions already in an open round get one shared placeholder
  (counted as one author: their groups are named only if others make the k), so none of them is named
  on the strength of an item count; those in closed rounds are shown without any group.
"""
from alembic import op
import sqlalchemy as sa

from tenants import rls

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

RANDOM_ID_PG = "md5(random()::text || clock_timestamp()::text || {col}::text)"
RANDOM_ID_SQLITE = "lower(hex(randomblob(16)))"


def _sqlite() -> bool:
    return op.get_bind().dialect.name != "postgresql"


def _all_tenants() -> None:
    if not _sqlite():
        op.execute("SELECT set_config('app.all_tenants', 'on', true)")  # the owner is bound by RLS too


def _to_random_ids(table: str) -> None:
    if _sqlite():  # a child table (nothing points at it): a batch rebuild is safe
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('id', existing_type=sa.Integer(), type_=sa.String(length=32),
                                  existing_nullable=False, autoincrement=False)
        op.execute(f"UPDATE {table} SET id = {RANDOM_ID_SQLITE}")
    else:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN id DROP DEFAULT")
        op.execute(f"ALTER TABLE {table} ALTER COLUMN id TYPE varchar(32) USING {RANDOM_ID_PG.format(col='id')}")
        op.execute(f"DROP SEQUENCE IF EXISTS {table}_id_seq")


def _to_sequence_ids(table: str) -> None:
    if _sqlite():
        op.execute(f"UPDATE {table} SET id = CAST(rowid AS TEXT)")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('id', existing_type=sa.String(length=32), type_=sa.Integer(),
                                  existing_nullable=False, autoincrement=True)
    else:
        op.execute(f"CREATE SEQUENCE {table}_id_seq")
        op.execute(f"ALTER TABLE {table} ALTER COLUMN id TYPE integer USING nextval('{table}_id_seq')")
        op.execute(f"ALTER TABLE {table} ALTER COLUMN id SET DEFAULT nextval('{table}_id_seq')")
        op.execute(f"ALTER SEQUENCE {table}_id_seq OWNED BY {table}.id")


def upgrade() -> None:
    _all_tenants()
    # Plain ALTER TABLE, also on SQLite: a batch rebuild of a parent table would cascade its children away.
    op.add_column('workshops', sa.Column('evaluations', sa.String(length=8), nullable=False,
                                         server_default='pending'))
    op.add_column('workshops', sa.Column('evaluations_close_on', sa.Date(), nullable=True))
    op.add_column('workshops', sa.Column('k', sa.Integer(), nullable=True))
    if not _sqlite():
        op.create_check_constraint(op.f('ck_workshops_known_evaluations'), 'workshops',
                                   "evaluations IN ('pending', 'open', 'closed')")
    op.add_column('expectation_rounds', sa.Column('k', sa.Integer(), nullable=True))
    greatest = "MAX" if _sqlite() else "GREATEST"
    op.execute(f"UPDATE expectation_rounds SET k = {greatest}(5, COALESCE((SELECT min_group_size FROM tenants "
               "WHERE tenants.id = expectation_rounds.tenant_id), 5))")
    op.execute(f"""UPDATE workshops SET evaluations = 'open',
        k = {greatest}(5, COALESCE((SELECT min_group_size FROM tenants WHERE tenants.id = workshops.tenant_id), 5)),
        evaluations_close_on = (SELECT {"date(held_on, '+14 days')" if _sqlite() else "held_on + 14"}
                                FROM knowledge_days WHERE knowledge_days.id = workshops.day_id)
        WHERE EXISTS (SELECT 1 FROM workshop_signups s WHERE s.workshop_id = workshops.id AND s.attended IS NOT NULL)""")

    op.create_table(
        'workshop_evaluation_pool',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('workshop_id', sa.Integer(), nullable=False),
        sa.Column('score', sa.Integer(), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.CheckConstraint('score BETWEEN 1 AND 5', name=op.f('ck_workshop_evaluation_pool_score_1_to_5')),
        sa.ForeignKeyConstraint(['tenant_id', 'workshop_id'], ['workshops.tenant_id', 'workshops.id'],
                                name='fk_workshop_evaluation_pool_workshop', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'],
                                name=op.f('fk_workshop_evaluation_pool_tenant_id_tenants'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop_evaluation_pool')),
    )
    op.create_index(op.f('ix_workshop_evaluation_pool_tenant_id'), 'workshop_evaluation_pool', ['tenant_id'])
    op.create_index(op.f('ix_workshop_evaluation_pool_workshop_id'), 'workshop_evaluation_pool', ['workshop_id'])
    rls.enable(op, 'workshop_evaluation_pool')

    _to_random_ids('workshop_evaluations')
    _to_random_ids('expectation_contributions')
    op.add_column('expectation_contributions', sa.Column('author_key', sa.String(length=64), nullable=True))
    op.execute("UPDATE expectation_contributions SET author_key = 'from-before-pseudonyms' WHERE anonymous AND "
               "round_id IN (SELECT id FROM expectation_rounds WHERE status = 'open')")
    if not _sqlite():
        op.create_check_constraint(op.f('ck_expectation_contributions_only_anonymous_has_a_pseudonym'),
                                   'expectation_contributions',
                                   'anonymous OR author_key IS NULL')


def downgrade() -> None:
    _all_tenants()
    if not _sqlite():
        op.drop_constraint(op.f('ck_expectation_contributions_only_anonymous_has_a_pseudonym'),
                           'expectation_contributions', type_='check')
        op.drop_constraint(op.f('ck_workshops_known_evaluations'), 'workshops', type_='check')
    op.execute("ALTER TABLE expectation_contributions DROP COLUMN author_key")
    _to_sequence_ids('expectation_contributions')
    # pooled evaluations were live figures before: they go back into the evaluations
    op.execute("INSERT INTO workshop_evaluations (id, tenant_id, workshop_id, score, comment) "
               "SELECT id, tenant_id, workshop_id, score, comment FROM workshop_evaluation_pool")
    _to_sequence_ids('workshop_evaluations')
    rls.disable(op, 'workshop_evaluation_pool')
    op.drop_index(op.f('ix_workshop_evaluation_pool_workshop_id'), table_name='workshop_evaluation_pool')
    op.drop_index(op.f('ix_workshop_evaluation_pool_tenant_id'), table_name='workshop_evaluation_pool')
    op.drop_table('workshop_evaluation_pool')
    for table, column in (('expectation_rounds', 'k'), ('workshops', 'k'), ('workshops', 'evaluations_close_on'),
                          ('workshops', 'evaluations')):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")  # native on SQLite too: no rebuild
