"""Promise pages: the management team writes down, rewords (until asked about) and retires its promises."""
from __future__ import annotations

from flask import g, render_template, request, url_for
from flask_babel import gettext as _

from saas.kernel.db import session
from saas.kernel.views import press, submit
from saas.leadership import promises
from saas.leadership.blueprint import MANAGEMENT, bp, promise_or_404
from saas.leadership.forms import PromiseForm
from saas.programme.loaders import load_programme
from tenants.guards import requires


@bp.route("/programmes/<int:programme_id>/promises", endpoint="promises")
@requires()
def promises_page(programme_id: int):
    return _promises_page(load_programme(programme_id), PromiseForm(formdata=None))


@bp.route("/programmes/<int:programme_id>/promises", methods=["POST"])
@requires(*MANAGEMENT)
def add_promise(programme_id: int):
    programme = load_programme(programme_id)
    form = PromiseForm()
    return submit(form, lambda: promises.add_promise(session(), programme, g.membership, form.text.data),
                  done=_("The promise has been recorded."),
                  then=url_for("leadership.promises", programme_id=programme.id)) \
        or _promises_page(programme, form)


def _promises_page(programme, form):
    return render_template("leadership/promises.html", programme=programme,
                           promises=promises.promises(session(), programme), form=form)


@bp.route("/promises/<int:promise_id>", methods=["GET", "POST"])
@requires(*MANAGEMENT)
def edit_promise(promise_id: int):
    db = session()
    promise, programme = promise_or_404(promise_id)
    form = PromiseForm(obj=promise if request.method == "GET" else None)
    return submit(form, lambda: promises.change_promise(db, promise, form.text.data),
                  done=_("The changes have been saved."),
                  then=url_for("leadership.promises", programme_id=programme.id)) \
        or render_template("leadership/promise_form.html", form=form, promise=promise, programme=programme,
                           asked=promises.is_asked(db, promise))


@bp.route("/promises/<int:promise_id>/retire", methods=["POST"])
@requires(*MANAGEMENT)
def retire_promise(promise_id: int):
    promise, programme = promise_or_404(promise_id)
    return press("retire", lambda: promises.retire_promise(promise),
                 done=_("The promise is retired: new pulse checks and feedback rounds no longer ask about it."),
                 then=url_for("leadership.promises", programme_id=programme.id))
