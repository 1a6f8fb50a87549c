"""A team's work log as a CSV file (for Excel) and as a PDF (WeasyPrint)."""
from __future__ import annotations

import re
from datetime import datetime

from flask import render_template
from flask_babel import get_locale

from saas.kernel.files import pdf, table_csv, table_xlsx
from saas.worklog.service import WorkLog

COLUMNS = ("kind", "date", "attendees", "notes", "decisions", "action", "owner", "due_on", "done", "organisation",
           "learned", "client_profile", "findings")


def log_csv(work_log: WorkLog) -> bytes:
    """One row per entry, its kind in the first column; each action gets a row after its session.
    Semicolons where the reader's locale writes a decimal comma (a Dutch Excel), with a BOM."""
    return table_csv(COLUMNS, _table(work_log), get_locale())


def log_xlsx(team, work_log: WorkLog) -> bytes:
    """The CSV's rows as an Excel workbook."""
    return table_xlsx(team.name, COLUMNS, _table(work_log))


def _table(work_log: WorkLog):
    for row in _rows(work_log):
        yield [row.get(key) for key in COLUMNS]


def log_pdf(team, theme, work_log: WorkLog, *, generated_at: datetime) -> bytes:
    html = render_template("worklog/log_pdf.html", team=team, theme=theme, log=work_log, generated_at=generated_at)
    return pdf(html, render_template("worklog/log_pdf.css"))


def filename(team, extension: str, now: datetime) -> str:
    name = re.sub(r"[^a-z0-9]+", "-", team.name.lower()).strip("-")[:60] or "team"
    return f"worklog-{name}-{now:%Y-%m-%d}.{extension}"


def _rows(work_log: WorkLog):
    for work_session in work_log.sessions:
        yield {"kind": "session", "date": work_session.held_on.isoformat(),
               "attendees": "; ".join(a.membership.user.name for a in work_session.attendees),
               "notes": work_session.notes, "decisions": work_session.decisions}
        for action in work_session.actions:
            yield {"kind": "action", "date": work_session.held_on.isoformat(), "action": action.description,
                   "owner": action.owner.user.name if action.owner else "", "due_on": action.due_on.isoformat(),
                   "done": "yes" if action.done else "no"}
    for visit in work_log.visits:
        yield {"kind": "visit", "date": visit.visited_on.isoformat(), "organisation": visit.organisation,
               "learned": visit.learned}
    for interview in work_log.interviews:
        yield {"kind": "interview", "date": interview.held_on.isoformat(), "client_profile": interview.client_profile,
               "findings": interview.findings}
