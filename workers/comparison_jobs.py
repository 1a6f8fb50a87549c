"""The cross-culture comparison job (DESIGN.md §5, §7).

Takes ids, sets its tenant first (workers.runtime.tenant_job) and is idempotent: it recomputes only
when the wave's answers, k, the legacy organisations or the method changed since the stored result,
and then replaces that result in the job's one transaction, so a job killed halfway leaves the
previous result as it was.
"""
from __future__ import annotations

from workers.runtime import tenant_job


@tenant_job
def run_comparison(session, settings, wave_id: int) -> str:
    from saas.comparison import service
    from saas.surveys.models import Wave
    from tenants.models import Tenant

    wave = session.get(Wave, wave_id)
    if wave is None:
        return "no such wave"  # not in this job's tenant: the scope hides it
    tenant = session.get(Tenant, wave.tenant_id)
    outcome = service.compare_wave(session, tenant, wave, progress=_progress_hook())
    return "computed" if outcome.computed else "up to date"


def _progress_hook():
    """The job-record progress reporter, when the runtime offers one (percent, 0–100)."""
    from workers import runtime

    report = getattr(runtime, "report_progress", None)
    if report is None:
        return None
    return lambda fraction: report(int(round(100 * fraction)))
