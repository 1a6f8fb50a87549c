"""job records name the jobs where they now live (beside their features; mail delivery in the kernel)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 17:00:00

No schema change. A job is named by its dotted path, stored in `job_runs.function`; the sweeper
enqueues a stored run by that name, a retry runs it again, and pages look up a feature's latest run
by it. The jobs moved out of `workers/` (issue 16), so the stored names move with them: a pending
run is still enqueued, a failed run can still be retried, the latest comparison run is still found.
A job already on the Redis queue under an old name fails to import in the new worker; its record
is still waiting, so the sweeper enqueues it again under the new name (or drain the queues before
upgrading).
"""
from alembic import op
import sqlalchemy as sa

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

MOVED = {
    'workers.jobs.send_mail': 'saas.kernel.mail_jobs.send_mail',
    'workers.jobs.sweep_outbox': 'saas.kernel.mail_jobs.sweep_outbox',
    'workers.jobs.notify_invitation_accepted': 'saas.administration.jobs.notify_invitation_accepted',
    'workers.billing_jobs.sync_quantity': 'billing.jobs.sync_quantity',
    'workers.comparison_jobs.run_comparison': 'saas.reports.jobs.release_and_compare',
    'workers.report_jobs.render_report_pdf': 'saas.reports.jobs.render_report_pdf',
    'workers.survey_jobs.send_wave_invitations': 'saas.surveys.jobs.send_wave_invitations',
    'workers.survey_jobs.send_survey_reminders': 'saas.surveys.jobs.send_survey_reminders',
    'workers.survey_jobs.mix_pool': 'saas.surveys.jobs.mix_pool',
    'workers.leadership_jobs.send_pulse_invitations': 'saas.leadership.jobs.send_pulse_invitations',
    'workers.leadership_jobs.send_pulse_reminders': 'saas.leadership.jobs.send_pulse_reminders',
    'workers.leadership_jobs.mix_pulse_pool': 'saas.leadership.jobs.mix_pulse_pool',
    'workers.leadership_jobs.mix_feedback_pool': 'saas.leadership.jobs.mix_feedback_pool',
    'workers.leadership_jobs.send_feedback_invitations': 'saas.leadership.jobs.send_feedback_invitations',
    'workers.leadership_jobs.send_feedback_reminders': 'saas.leadership.jobs.send_feedback_reminders',
}

RENAME = sa.text("UPDATE job_runs SET function = :new WHERE function = :old")


def _rename(pairs) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT set_config('app.all_tenants', 'on', true)")  # the owner is bound by RLS too
    for old, new in pairs:
        op.get_bind().execute(RENAME, {"old": old, "new": new})


def upgrade() -> None:
    _rename(MOVED.items())


def downgrade() -> None:
    _rename((new, old) for old, new in MOVED.items())
