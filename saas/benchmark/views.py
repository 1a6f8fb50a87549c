"""The tenant's benchmark page: whether it takes part and with which sector (admins choose), what it contributed,
and the latest norm it contributed to beside its own figures (admins, the works council and management read).
"""
from __future__ import annotations

from flask import g, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField

from saas.anonymity.models import Release, ReleaseGroup
from saas.benchmark import service
from saas.kernel.db import session
from saas.kernel.views import send
from tenants.guards import requires, tenant_blueprint
from tenants.models import Role

bp = tenant_blueprint("benchmark", __name__, "/benchmark")
READERS = (Role.ADMIN, Role.WORKS_COUNCIL, Role.MANAGEMENT)
NOT_TAKING_PART = "none"


class SectorForm(FlaskForm):
    # "none" (not taking part) is a choice of its own: an empty or stray request is no choice and changes nothing
    sector = SelectField(_l("Sector"), validate_choice=True,
                         description=_l("The norm your organisation is compared with is made from the organisations "
                                        "of this sector that take part."))

    def offer(self) -> "SectorForm":
        self.sector.choices = [(NOT_TAKING_PART, _l("Not taking part"))] + list(service.SECTORS.items())
        return self


@bp.route("/")
@requires(*READERS)
def index():
    db = session()
    current = service.participation(db)
    form = SectorForm(sector=current.sector if current else NOT_TAKING_PART).offer()
    made = service.contributions(db)
    norm = None
    if made:
        latest = made[0][1]
        whole = _latest_whole(db)
        norm = service.as_shown(latest, whole, 1) if latest.status == service.PUBLISHED else None
    return render_template("benchmark/index.html", form=form, current=current, contributions=made, norm=norm,
                           sectors=service.SECTORS, may_change=Role.ADMIN in g.membership.roles)


@bp.route("/sector", methods=["POST"])
@requires(Role.ADMIN)
def sector():
    db = session()
    form = SectorForm().offer()
    return send(form, lambda: service.set_sector(db, g.tenant, None if form.sector.data == NOT_TAKING_PART
                                                 else form.sector.data),
                then=url_for("benchmark.index"), done=_("Your organisation's part in the benchmark has been saved."))


def _latest_whole(db) -> dict | None:
    """The whole organisation's figures of the latest final release of a wave (the tenant's own)."""
    release = db.scalar(select(Release).where(Release.collection == "wave", Release.final.is_(True))
                        .order_by(Release.released_on.desc(), Release.id.desc()).limit(1))
    if release is None:
        return None
    return db.scalar(select(ReleaseGroup.figures).where(ReleaseGroup.release_id == release.id,
                                                        ReleaseGroup.org_id.is_(None), ReleaseGroup.team_id.is_(None)))
