"""The reports' jobs: a closed wave's release and comparison, and the printable culture report.

Both take ids, set their tenant first (saas.kernel.job_runtime.tenant_job) and are idempotent.

The printable report is made by a worker, because laying out a PDF with charts takes seconds. a file that is already made is left alone. The PDF holds exactly what the report page
shows for the same filters (saas.reports.service.wave_report), in the language of whoever asked.
"""
from __future__ import annotations

from datetime import date

from flask_babel import force_locale
from sqlalchemy import select

from saas.kernel.db import utcnow
from saas.comparison import service as comparison
from saas.opentext.service import find_themes
from saas.kernel.jobs import report_progress, tenant_job
from saas.reports import export, service
from saas.reports.models import ReportFile
from saas.reports.release import release_wave
from saas.surveys.models import Wave
from tenants.models import Tenant


@tenant_job(timeout=300)
def render_report_pdf(session, settings, file_id: int) -> str:
    report_file = session.scalar(select(ReportFile).where(ReportFile.id == file_id))
    if report_file is None or report_file.status == "done":
        return "nothing to do"
    wave = session.scalar(select(Wave).where(Wave.id == report_file.wave_id))
    tenant = session.get(Tenant, report_file.tenant_id)
    try:
        with force_locale(report_file.language):
            filters = service.parse_filters(session, wave, report_file.filters.get("legacy_org"),
                                            str(report_file.filters.get("team") or ""))
            report = service.wave_report(session, tenant, wave, filters)
            pdf = export.report_pdf(export.ReportView(session, report), wave, tenant, date.today())
    except Exception as error:  # the page must say it failed, not wait for ever; the job record keeps the trace
        session.rollback()
        report_file = session.scalar(select(ReportFile).where(ReportFile.id == file_id))
        report_file.status, report_file.error, report_file.finished_at = "failed", type(error).__name__, utcnow()
        session.commit()
        raise
    report_file.content, report_file.status, report_file.finished_at = pdf, "done", utcnow()
    return f"{len(pdf)} bytes"


@tenant_job
def release_and_compare(session, settings, wave_id: int) -> str:
    """The release-and-compare job of a closed wave (DESIGN.md §3, §5, §7).

    First the wave's release (saas.reports.release): its audited figures, made once from the final answers
    and committed on their own, so the report can be read while the comparison still resamples. Then the
    themes of the open answers it shows (saas.opentext.service.find_themes), committed too. Then the
    comparison of the legacy organisations that release shows (saas.comparison.service.compare_wave):
    recomputed only when the release, the parameters or the method changed, and stored in one go, so a job
    killed halfway leaves the previous result as it was. It reports its progress while it resamples."""
    wave = session.get(Wave, wave_id)
    if wave is None:
        return "no such wave"  # not in this job's tenant: the scope hides it
    tenant = session.get(Tenant, wave.tenant_id)
    if wave.status != "closed":
        return "not closed"  # figures exist only at a release; an open wave has none
    release_wave(session, tenant, wave)
    session.commit()
    find_themes(session, wave)  # what people say: seconds, from the release's open answers (issue 21 point 5)
    session.commit()
    report_progress(5)
    outcome = comparison.compare_wave(session, tenant, wave, progress=_Progress())
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
