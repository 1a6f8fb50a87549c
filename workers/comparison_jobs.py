"""The cross-culture comparison job (DESIGN.md §5, §7).

Takes ids, sets its tenant first (workers.runtime.tenant_job) and is idempotent: it recomputes only
when the wave's answers, k, the legacy organisations or the method changed since the stored result,
and then replaces that result in the job's one transaction, so a job killed halfway leaves the
previous result as it was. It reports its progress on its job record while it resamples.
"""
from __future__ import annotations

from workers.runtime import report_progress, tenant_job


@tenant_job
def run_comparison(session, settings, wave_id: int) -> str:
    from saas.comparison import service
    from saas.surveys.models import Wave
    from tenants.models import Tenant

    wave = session.get(Wave, wave_id)
    if wave is None:
        return "no such wave"  # not in this job's tenant: the scope hides it
    tenant = session.get(Tenant, wave.tenant_id)
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
