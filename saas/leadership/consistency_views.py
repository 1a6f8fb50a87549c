"""The consistency check pages: per promise the evidence for and against (documents, interview notes,
pulse results, a manager's own 360 results) and where words and deeds part."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, abort, g, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from saas.anonymity import access
from saas.kernel import formatting
from saas.kernel.db import session
from saas.kernel.views import press_confirmed, send, submit
from saas.leadership import consistency, feedback, pulses
from saas.leadership.blueprint import CHECKERS, bp, promise_or_404, visible_evidence_or_404
from saas.leadership.forms import EVIDENCE_FORMS, RATING_LABELS, RateForm
from saas.leadership.models import RATINGS
from saas.programme.loaders import load_programme
from tenants.guards import requires

WITHHELD = "withheld"  # in place of a figure: evidence from a 360 round the reader rated


@bp.route("/programmes/<int:programme_id>/consistency", endpoint="consistency")
@requires(*CHECKERS)
def consistency_page(programme_id: int):
    db = session()
    programme = load_programme(programme_id)
    rows = consistency.consistency(db, programme, g.membership)
    access.log(db, current_user, "consistency", programme_id=programme.id)  # built from answers: logged
    db.commit()
    return render_template("leadership/consistency.html", programme=programme, rows=rows)


@bp.route("/promises/<int:promise_id>/evidence")
@requires(*CHECKERS)
def evidence(promise_id: int):
    db = session()
    promise, programme = promise_or_404(promise_id)
    rated = consistency.rounds_rated(db, g.membership)
    items = []
    for item in consistency.evidence_of(db, promise):
        figure = None
        if consistency.is_withheld(item, rated):
            figure = WITHHELD
        elif item.kind == "pulse":
            result = pulses.round_result(db, pulses.get_round(db, item.pulse_round_id))
            figure = result.promises.get(promise.id) if result else None
        elif item.kind == "feedback":
            figure = feedback.line_for(db, feedback.get_round(db, item.feedback_round_id), promise.id)
        items.append((item, figure))
    access.log(db, current_user, "evidence", programme_id=programme.id, details={"promise": promise.id})
    db.commit()
    return render_template("leadership/evidence.html", promise=promise, programme=programme, items=items,
                           rating_labels=RATING_LABELS, ratings=RATINGS, withheld=WITHHELD)


@bp.route("/promises/<int:promise_id>/evidence/<evidence_kind>", methods=["GET", "POST"])
@requires(*CHECKERS)
def add_evidence(promise_id: int, evidence_kind: str):
    db = session()
    promise, programme = promise_or_404(promise_id)
    kind = evidence_kind
    if kind not in EVIDENCE_FORMS:
        abort(404)
    form = EVIDENCE_FORMS[kind]()
    if kind == "pulse":
        form.pulse_round_id.choices = [(None, _("Choose a pulse check"))] + [
            (r.id, r.name) for r in pulses.rounds(db, programme) if r.status == "closed" and promise.id in r.promise_ids]
    elif kind == "feedback":
        form.feedback_round_id.choices = [(None, _("Choose a feedback round"))] + [
            (r.id, _("Closed on %(date)s", date=formatting.day(r.closes_on))) for r in feedback.rounds_about(db, g.membership)
            if r.status == "closed" and promise.id in r.promise_ids]
    return submit(form, lambda: _add_evidence(db, promise, kind, form), done=_("The evidence has been added."),
                  then=url_for("leadership.evidence", promise_id=promise.id)) \
        or render_template("leadership/evidence_form.html", form=form, kind=kind, promise=promise,
                           programme=programme)


def _add_evidence(db, promise, kind: str, form) -> None:
    common = {"notes": form.notes.data or "", "rating": form.rating.data}
    if kind == "document":
        upload = form.file.data
        consistency.add_document(db, promise, g.membership, title=form.title.data, filename=upload.filename,
                                 data=upload.read(consistency.MAX_DOCUMENT_BYTES + 1), **common)
    elif kind == "interview":
        consistency.add_interview(db, promise, g.membership, title=form.title.data, held_on=form.held_on.data, **common)
    elif kind == "pulse":
        consistency.link_pulse(db, promise, g.membership, pulse_round_id=form.pulse_round_id.data, **common)
    else:
        consistency.link_feedback(db, promise, g.membership, feedback_round_id=form.feedback_round_id.data, **common)


@bp.route("/evidence/<int:evidence_id>/rating", methods=["POST"])
@requires(*CHECKERS)
def rate_evidence(evidence_id: int):
    item = visible_evidence_or_404(evidence_id)
    form = RateForm()
    return send(form, lambda: consistency.rate(item, form.rating.data), done=_("The rating has been changed."),
                then=url_for("leadership.evidence", promise_id=item.promise_id))


@bp.route("/evidence/<int:evidence_id>/remove", methods=["GET", "POST"])
@requires(*CHECKERS)
def remove_evidence(evidence_id: int):
    item = visible_evidence_or_404(evidence_id)
    back = url_for("leadership.evidence", promise_id=item.promise_id)
    return press_confirmed("remove", lambda: consistency.remove_evidence(session(), item),
                           title=_("Remove the evidence %(title)s?", title=item.title),
                           consequence=_("It no longer counts for this promise in the consistency check. This cannot "
                                         "be undone."),
                           button=_("Remove the evidence %(title)s", title=item.title),
                           done=_("The evidence has been removed."), then=back)


@bp.route("/evidence/<int:evidence_id>/file")
@requires(*CHECKERS)
def download_evidence(evidence_id: int):
    item = visible_evidence_or_404(evidence_id)
    if item.kind != "document":
        abort(404)
    response = Response(item.data, mimetype=item.content_type)
    ascii_name = item.filename.encode("ascii", "replace").decode().replace('"', "")
    response.headers["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(item.filename)}"
    response.headers["Cache-Control"] = "no-store"
    return response
