"""The leadership blueprint and what its pages share: who may do what, the loaders (another tenant's
object, or none, is a 404), and the personal links of pulse checks and 360 rounds. The pages themselves
are in promise_views, pulse_views, feedback_views and consistency_views; views.py registers them.

Who may do what:
- the management team writes the promises and starts its members' 360 rounds;
- management, admins and consultants run pulse checks; they and the works council read the results
  (aggregates under the k rule only);
- staff answer pulse checks, raters answer 360 rounds, through their personal link or signed in;
- a 360 report is for its manager and the coach they chose: anyone else is answered 404, whatever
  their role, as if the round did not exist;
- the consistency check is the management team's and its consultants'.
"""
from __future__ import annotations

from flask import abort, flash, g, redirect, request
from flask import session as http_session
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from saas.kernel.db import session
from saas.kernel.errors import DomainError
from saas.leadership import consistency, feedback, promises, pulses, rules
from saas.programme import service as programmes
from saas.programme.loaders import with_programme
from tenants.guards import tenant_blueprint
from tenants.models import Membership, Role

bp = tenant_blueprint("leadership", __name__, "/leadership")

MANAGEMENT = (Role.MANAGEMENT,)
PULSE_RUNNERS = (Role.ADMIN, Role.MANAGEMENT, Role.CONSULTANT)
RESULT_READERS = (Role.ADMIN, Role.MANAGEMENT, Role.CONSULTANT, Role.WORKS_COUNCIL)
CHECKERS = (Role.MANAGEMENT, Role.CONSULTANT)
CONSENT_RECORDERS = (Role.ADMIN, Role.CONSULTANT, Role.WORKS_COUNCIL)  # saas.kernel.consent: who types, who uploads
SCALE_LABELS = {1: _l("Never"), 2: _l("Rarely"), 3: _l("Sometimes"), 4: _l("Often"), 5: _l("Always")}
SESSION_KEY = "leadership"  # {"p<round id>": pulse token, "f<round id>": feedback token}


@bp.context_processor
def _what_the_member_can_do():
    roles = _roles()
    return {"can": {"run": bool(roles & set(PULSE_RUNNERS)), "read": bool(roles & set(RESULT_READERS)),
                    "check": bool(roles & set(CHECKERS)), "manage": Role.MANAGEMENT in roles},
            "scale_choices": [(point, SCALE_LABELS[point]) for point in rules.SCALE],
            "scale_labels": [SCALE_LABELS[point] for point in rules.SCALE],
            "example_max": pulses.EXAMPLE_MAX, "comment_max": feedback.COMMENT_MAX}


def _roles() -> set[str]:
    return g.membership.roles if g.get("membership") is not None else set()


# ---- loaders --------------------------------------------------------------------------------

def promise_or_404(promise_id: int):
    """A promise and its programme."""
    return with_programme(promises.get_promise(session(), promise_id))


def pulse_or_404(round_id: int):
    """A pulse check and its programme."""
    return with_programme(pulses.get_round(session(), round_id))


def own_round_or_404(feedback_round_id: int):
    """A 360 round the member may see (as its manager or coach) and its programme; for anyone else it
    does not exist."""
    db = session()
    feedback_round = feedback.get_round(db, feedback_round_id)
    if feedback_round is None or not feedback.may_see(feedback_round, g.membership):
        abort(404)
    return feedback_round, programmes.get_programme(db, feedback_round.programme_id)


def visible_evidence_or_404(evidence_id: int):
    """Evidence the member may see; 360 evidence of a round they rated does not exist for them."""
    db = session()
    item = consistency.get_evidence(db, evidence_id)
    if item is None or consistency.is_withheld(item, consistency.rounds_rated(db, g.membership)):
        abort(404)
    return item


def promise_texts(db, programme) -> dict:
    return {p.id: p for p in promises.promises(db, programme)}


def reminder_sent(count: int) -> str:
    return ngettext("The reminder is being sent to the %(num)d person who has not answered.",
                    "The reminder is being sent to the %(num)d people who have not answered.", count)


# ---- answering: the personal links of pulse checks and 360 rounds -------------------------------

def take_answer(read_and_submit, invalid: type[DomainError], here: str, context: dict):
    """The POST of an answer page: `read_and_submit()` reads the answers from the request and stores them.
    An `invalid` answer is shown again with its problems next to the promises (None: show the page);
    another refusal is flashed; either way back to `here`, the answer page, which then says what holds."""
    db = session()
    try:
        read_and_submit()
    except invalid as error:
        db.rollback()
        context.update(problems=error.problems, given=request.form)
        return None
    except DomainError as error:
        db.rollback()
        flash(error.message, "error")
        return redirect(here)
    db.commit()
    return redirect(here)



def keep_token(slot: str, token: str) -> None:
    tokens = http_session.get(SESSION_KEY)
    tokens = dict(tokens) if isinstance(tokens, dict) else {}
    tokens[slot] = token
    http_session[SESSION_KEY] = tokens


def invitation(module, slot: str, round_id: int):
    """The invitation of whoever is answering: by the link's token kept in the session, or, for a
    member who is signed in, their own. Another round's token or another tenant's member finds none."""
    tokens = http_session.get(SESSION_KEY)
    token = tokens.get(slot) if isinstance(tokens, dict) else None
    if isinstance(token, str):
        found = module.invitation_for_token(session(), token)
        if found is not None and found.round_id == round_id:
            return found
    if current_user.is_authenticated:
        membership = session().scalar(select(Membership).where(Membership.user_id == current_user.id))
        if membership is not None:
            return module.invitation_of(session(), round_id, membership)
    return None
