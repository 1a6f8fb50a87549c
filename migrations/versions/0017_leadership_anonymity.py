"""leadership anonymity: pulse checks and 360 rounds closed before releases get their release

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 15:00:00

From now on the results of a pulse check or a 360 round exist only as a release, made once at the
close (saas.anonymity.releases), and every page reads the release. Rounds closed before this
revision have stored answers but no release: each gets one now, computed once from those answers
under the rules as they are today (k as frozen on the round by 0015; comments of a 360 round need
five raters), numbered 1 and final. No schema change.
"""
from datetime import date
from types import SimpleNamespace

from alembic import op
import sqlalchemy as sa

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

releases = sa.table(
    'anonymity_releases',
    sa.column('tenant_id', sa.Integer), sa.column('collection', sa.String), sa.column('collection_id', sa.Integer),
    sa.column('number', sa.Integer), sa.column('final', sa.Boolean), sa.column('k', sa.Integer),
    sa.column('released_on', sa.Date), sa.column('answers', sa.Integer), sa.column('patterns', sa.JSON),
    sa.column('atoms', sa.JSON), sa.column('figures', sa.JSON), sa.column('created_at', sa.DateTime(timezone=True)),
)
pulse_rounds = sa.table('pulse_rounds', sa.column('id', sa.Integer), sa.column('tenant_id', sa.Integer),
                        sa.column('status', sa.String), sa.column('promise_ids', sa.JSON), sa.column('k', sa.Integer))
pulse_answers = sa.table('pulse_answers', sa.column('tenant_id', sa.Integer), sa.column('round_id', sa.Integer),
                         sa.column('scores', sa.JSON), sa.column('examples', sa.JSON))
feedback_rounds = sa.table('feedback_rounds', sa.column('id', sa.Integer), sa.column('tenant_id', sa.Integer),
                           sa.column('status', sa.String), sa.column('promise_ids', sa.JSON))
feedback_answers = sa.table('feedback_answers', sa.column('tenant_id', sa.Integer), sa.column('round_id', sa.Integer),
                            sa.column('rater_group', sa.String), sa.column('scores', sa.JSON),
                            sa.column('comments', sa.JSON))


def upgrade() -> None:
    # The rules are the application's own pure functions on plain data: one definition, not a copy.
    from saas.anonymity import policy
    from saas.leadership import rules
    from saas.leadership.feedback import QUESTIONS

    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("SELECT set_config('app.all_tenants', 'on', true)")  # the owner is bound by RLS too
    released = {(c, i) for c, i in bind.execute(sa.select(releases.c.collection, releases.c.collection_id))}
    today = date.today()
    for row in bind.execute(sa.select(pulse_rounds).where(pulse_rounds.c.status == 'closed')).all():
        if ('pulse', row.id) in released:
            continue
        answers = [(a.scores, a.examples) for a in bind.execute(
            sa.select(pulse_answers).where(pulse_answers.c.tenant_id == row.tenant_id,
                                           pulse_answers.c.round_id == row.id))]
        k = policy.frozen_k(SimpleNamespace(k=row.k))
        result = rules.pulse_round_result(answers, row.promise_ids, k)
        _insert(bind, row.tenant_id, 'pulse', row.id, k, len(answers), result.to_json(), today)
    for row in bind.execute(sa.select(feedback_rounds).where(feedback_rounds.c.status == 'closed')).all():
        if ('feedback', row.id) in released:
            continue
        answers = [(a.rater_group, a.scores, a.comments) for a in bind.execute(
            sa.select(feedback_answers).where(feedback_answers.c.tenant_id == row.tenant_id,
                                              feedback_answers.c.round_id == row.id))]
        report = rules.feedback_report(answers, row.promise_ids, QUESTIONS)
        _insert(bind, row.tenant_id, 'feedback', row.id, policy.SMALLEST_K, len(answers), report.to_json(), today)


def _insert(bind, tenant_id, collection, collection_id, k, answers, figures, today) -> None:
    from saas.kernel.db import utcnow

    bind.execute(releases.insert().values(tenant_id=tenant_id, collection=collection, collection_id=collection_id,
                                          number=1, final=True, k=k, released_on=today, answers=answers, patterns={},
                                          atoms={}, figures=figures, created_at=utcnow()))


def downgrade() -> None:
    # The releases stay: the older code does not read them, and they hold only what was shown anyway.
    pass
