"""The release-and-compare job of a closed wave (DESIGN.md §3, §5, §7).

Takes ids, sets its tenant first (saas.kernel.job_runtime.tenant_job) and is idempotent. First the wave's
release (saas.reports.release): its audited figures, made once from the final answers and committed
on their own, so the report can be read while the comparison still resamples. Then the comparison
of the legacy organisations that release shows: recomputed only when the release, the parameters or
the method changed, and stored in one go, so a job killed halfway leaves the previous result as it
was. It reports its progress on its job record while it resamples.
"""
from __future__ import annotations

from saas.comparison import service
from saas.kernel.jobs import report_progress, tenant_job
from saas.reports.release import release_wave
from saas.surveys.models import Wave
from tenants.models import Tenant


@tenant_job
def run_comparison(session, settings, wave_id: int) -> str:
    wave = session.get(Wave, wave_id)
    if wave is None:
        return "no such wave"  # not in this job's tenant: the scope hides it
    tenant = session.get(Tenant, wave.tenant_id)
    if wave.status != "closed":
        return "not closed"  # figures exist only at a release; an open wave has none
    release_wave(session, tenant, wave)
    session.commit()
    report_progress(5)
    outcome = service.compare_wave(session, tenant, wave, progress=_Progress())
    return "computed" if outcome.computed else "up to date"


class _Progress:
    """Resampling progress (0–1) onto the job record as 10–99 %, at most every 5 points."""

    def __init__(self):
        self.last = -100

    def __call__(self, fraction: float) -> None:
        percent = 10 + int(89 * fraction)
        if percent - self.last >= 5 or fraction >= 1:
            self.last = percent
            report_progress(percent)
