"""The printable culture report: made by a worker, because laying out a PDF with charts takes seconds.

Idempotent: a file that is already made is left alone. The PDF holds exactly what the report page
shows for the same filters (saas.reports.service.wave_report), in the language of whoever asked.
"""
from __future__ import annotations

from datetime import date

from flask_babel import force_locale
from sqlalchemy import select

from saas.db import utcnow
from saas.kernel.jobs import tenant_job
from saas.reports import export, service
from saas.reports.models import ReportFile
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
