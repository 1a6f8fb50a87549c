"""The respondent's pages: a survey answered through a personal link or the wave's open link."""
from __future__ import annotations

from tenants.guards import tenant_blueprint

bp = tenant_blueprint("respond", __name__, "/survey")

from flask import abort  # noqa: E402

from tenants.guards import requires  # noqa: E402
from tenants.models import Role  # noqa: E402


@bp.route("/preview/<int:wave_id>")
@requires(Role.ADMIN)
def preview(wave_id: int):  # being built: the respondent pages (issue 5)
    abort(404)
