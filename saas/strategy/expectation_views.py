"""Mutual expectations pages: a round per pillar where staff and management write; the facilitator
clusters and publishes a summary everyone can read."""
from __future__ import annotations

import re

from flask import abort, current_app, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from saas.anonymity import access
from saas.kernel.db import session, utcnow
from saas.kernel.errors import DomainError
from saas.kernel.views import press_confirmed, send, submit
from saas.strategy import expectations
from saas.strategy.blueprint import bp, form_data, pillar_or_404, round_or_404
from saas.strategy.forms import ClusterForm, ContributionForm, RoundForm, RoundStatusForm, SummaryForm
from tenants.guards import requires

FACILITATORS = expectations.FACILITATORS
_PLACEMENT = re.compile(r"contribution-([0-9a-f]{20})")


def _round_url(expectation_round, endpoint="strategy.round", anchor=None):
    return url_for(endpoint, expectation_round_id=expectation_round.id, _anchor=anchor)


def _kind_choices():
    """What to write about, in the words of the writer's side."""
    other = _("management") if expectations.side_of(g.membership) == "staff" else _("staff")
    return [("expectation", _("What I expect of %(other)s", other=other)),
            ("meaning", _("What this pillar means to me"))]


@bp.route("/pillars/<int:pillar_id>/rounds/new", methods=["GET", "POST"])
@requires(*FACILITATORS)
def new_round(pillar_id: int):
    pillar, programme = pillar_or_404(pillar_id)
    return _round_form(pillar, programme, None)


@bp.route("/rounds/<int:expectation_round_id>/edit", methods=["GET", "POST"])
@requires(*FACILITATORS)
def edit_round(expectation_round_id: int):
    expectation_round, pillar, programme = round_or_404(expectation_round_id)
    return _round_form(pillar, programme, expectation_round)


def _round_form(pillar, programme, expectation_round):
    db = session()
    form = RoundForm(data=form_data(expectation_round, ("title", "held_on", "invitation")))
    if request.method == "GET" and expectation_round is None:
        form.invitation.data = _("What does “%(pillar)s” mean to you, and what do staff and management expect of "
                                 "each other?", pillar=pillar.title)
    return submit(form, lambda: expectations.save_round(db, pillar, expectation_round, title=form.title.data,
                                                        held_on=form.held_on.data,
                                                        invitation=form.invitation.data or ""),
                  done=_("The round has been saved. Share its page with the people taking part."),
                  then=lambda saved: _round_url(saved, "strategy.facilitate")) \
        or render_template("strategy/round_form.html", form=form, pillar=pillar, programme=programme,
                           expectation_round=expectation_round)


@bp.route("/rounds/<int:expectation_round_id>", endpoint="round")
@requires()
def show_round(expectation_round_id: int):
    db = session()
    expectation_round, pillar, programme = round_or_404(expectation_round_id)
    form = ContributionForm()
    form.kind.choices = _kind_choices()
    return _round_page(db, expectation_round, pillar, programme, form)


def _round_page(db, expectation_round, pillar, programme, form, status=200):
    published = expectation_round.status == "published"
    if published:
        _log_reading(db, expectation_round, programme)
    return render_template(
        "strategy/round.html", expectation_round=expectation_round, pillar=pillar, programme=programme, form=form,
        board=expectations.board(db, g.tenant, expectation_round) if published else None,
        mine=expectations.my_named_contributions(db, expectation_round, g.membership),
        count=expectations.contribution_count(db, expectation_round),
        may_contribute=expectations.may_contribute(g.membership) and expectation_round.status == "open",
        may_facilitate=expectations.may_facilitate(g.membership), status_labels=expectations.STATUS_LABELS,
        side_label=expectations.SIDE_LABELS[expectations.side_of(g.membership)],
        k=expectations.round_k(db, expectation_round)), status


@bp.route("/rounds/<int:expectation_round_id>/contribute", methods=["POST"])
@requires(*expectations.CONTRIBUTORS)
def contribute(expectation_round_id: int):
    db = session()
    expectation_round, pillar, programme = round_or_404(expectation_round_id)
    form = ContributionForm()
    form.kind.choices = _kind_choices()
    return submit(form, lambda: expectations.contribute(db, expectation_round, g.membership, kind=form.kind.data,
                                                        text=form.text.data,
                                                        anonymous=form.identity.data == "anonymous",
                                                        today=utcnow().date()),
                  done=lambda _result: _("Thank you: your contribution has been added anonymously.")
                  if form.identity.data == "anonymous" else _("Thank you: your contribution has been added with "
                                                              "your name."),
                  then=_round_url(expectation_round)) \
        or _round_page(db, expectation_round, pillar, programme, form)


@bp.route("/rounds/<int:expectation_round_id>/facilitate", methods=["GET", "POST"])
@requires(*FACILITATORS)
def facilitate(expectation_round_id: int):
    """The facilitator's board: contributions with what may be said about who wrote them, and one
    form that moves any of them into a cluster."""
    db = session()
    expectation_round, pillar, programme = round_or_404(expectation_round_id)
    form = FlaskForm()
    moved = submit(form, lambda: expectations.assign(db, expectation_round, _placement(request.form), _secret()),
                   done=lambda moved: _("The clustering has been saved.") if moved else _("Nothing was moved."),
                   then=_round_url(expectation_round, "strategy.facilitate"))
    if moved:
        return moved
    clusters = expectations.clusters_of(db, expectation_round)
    if expectation_round.status != "open":  # the released anonymous contributions are on this board
        _log_reading(db, expectation_round, programme)
    return render_template(
        "strategy/facilitate.html", expectation_round=expectation_round, pillar=pillar, programme=programme,
        board=expectations.board(db, g.tenant, expectation_round, _secret()), clusters=clusters, form=form,
        cluster_form=ClusterForm(formdata=None),
        rename_forms={c.id: ClusterForm(prefix=f"cluster-{c.id}", formdata=None, data={"name": c.name})
                      for c in clusters},
        status_form=RoundStatusForm(formdata=None),
        status_labels=expectations.STATUS_LABELS, kind_labels=_kind_labels())


def _log_reading(db, expectation_round, programme) -> None:
    """A reading of a board with released anonymous contributions goes into the access log."""
    access.log(db, current_user, "expectations", programme_id=programme.id,
               details={"expectation_round": expectation_round.id, "title": expectation_round.title})
    db.commit()


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _placement(data) -> dict[str, int | None]:
    """contribution-<placement key> = <cluster id> or "" (unclustered); other fields are ignored."""
    placement = {}
    for key in data:
        match = _PLACEMENT.fullmatch(key)
        if not match:
            continue
        value = data.get(key, "")
        if value == "":
            placement[match.group(1)] = None
        elif re.fullmatch(r"[0-9]{1,9}", value):
            placement[match.group(1)] = int(value)
        else:
            raise DomainError(_("Choose one of the round's clusters."))
    return placement


def _kind_labels():
    return {"expectation": _("Expectation of the other side"), "meaning": _("What the pillar means")}


@bp.route("/rounds/<int:expectation_round_id>/status", methods=["POST"])
@requires(*FACILITATORS)
def round_status(expectation_round_id: int):
    db = session()
    expectation_round, _pillar_, _programme = round_or_404(expectation_round_id)
    form = RoundStatusForm()
    return send(form, lambda: expectations.set_status(session(), expectation_round, form.status.data,
                                                      utcnow().date()),
                done=lambda _result: _("The round is open for contributions.") if form.status.data == "open"
                else _("The round is closed: no more contributions. The anonymous contributions are on the board "
                       "now."),
                then=_round_url(expectation_round, "strategy.facilitate"))


@bp.route("/rounds/<int:expectation_round_id>/clusters", methods=["POST"])
@requires(*FACILITATORS)
def add_cluster(expectation_round_id: int):
    db = session()
    expectation_round, _pillar_, _programme = round_or_404(expectation_round_id)
    form = ClusterForm()
    return send(form, lambda: expectations.save_cluster(session(), expectation_round, None, form.name.data),
                done=lambda _result: _("The cluster %(name)s has been added.", name=form.name.data),
                then=_round_url(expectation_round, "strategy.facilitate", "clusters"))


@bp.route("/rounds/<int:expectation_round_id>/clusters/<int:expectation_cluster_id>", methods=["POST"])
@requires(*FACILITATORS)
def rename_cluster(expectation_round_id: int, expectation_cluster_id: int):
    db = session()
    expectation_round, _pillar_, _programme = round_or_404(expectation_round_id)
    cluster = expectations.get_cluster(db, expectation_round, expectation_cluster_id) or abort(404)
    form = ClusterForm(prefix=f"cluster-{cluster.id}")
    return send(form, lambda: expectations.save_cluster(db, expectation_round, cluster, form.name.data),
                done=_("The cluster has been renamed."),
                then=_round_url(expectation_round, "strategy.facilitate", "clusters"))


@bp.route("/rounds/<int:expectation_round_id>/clusters/<int:expectation_cluster_id>/delete",
          methods=["GET", "POST"])
@requires(*FACILITATORS)
def delete_cluster(expectation_round_id: int, expectation_cluster_id: int):
    db = session()
    expectation_round, _pillar_, _programme = round_or_404(expectation_round_id)
    cluster = expectations.get_cluster(db, expectation_round, expectation_cluster_id) or abort(404)
    return press_confirmed("remove", lambda: expectations.delete_cluster(db, expectation_round, cluster),
                           title=_("Remove the cluster %(name)s?", name=cluster.name),
                           consequence=_("Its contributions stay, without a cluster."),
                           button=_("Remove the cluster %(name)s", name=cluster.name),
                           done=_("The cluster has been removed; its contributions are unclustered again."),
                           then=_round_url(expectation_round, "strategy.facilitate", "clusters"))


@bp.route("/rounds/<int:expectation_round_id>/summary", methods=["GET", "POST"])
@requires(*FACILITATORS)
def summary(expectation_round_id: int):
    db = session()
    expectation_round, pillar, programme = round_or_404(expectation_round_id)
    form = SummaryForm(data=form_data(expectation_round, ("summary",)))

    def save():
        if not (form.save.data or form.publish.data):
            raise DomainError(_("Nothing was changed. Please use the buttons on the page."))
        expectations.save_summary(db, expectation_round, form.summary.data or "", publish=form.publish.data,
                                  today=utcnow().date())

    return submit(form, save,
                  done=lambda _result: _("The summary has been published: everyone in the organisation can read it.")
                  if form.publish.data else _("The summary has been saved as a draft."),
                  then=lambda _result: _round_url(expectation_round) if form.publish.data
                  else _round_url(expectation_round, "strategy.summary")) \
        or render_template("strategy/summary_form.html", form=form, expectation_round=expectation_round, pillar=pillar,
                           programme=programme, board=expectations.board(db, g.tenant, expectation_round),
                           status_labels=expectations.STATUS_LABELS)

