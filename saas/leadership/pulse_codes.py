"""Answer codes for a pulse check (issue 20, point 1): single-use codes on paper for staff without e-mail.

The same codes as a survey wave's (saas.surveys.codes: the alphabet, `normalise`, the keyed hash, the checks of
an order; the sheet: saas.surveys.sheets), stored as the pulse's own: each code is a PulseInvitation with a
batch (PulseCodeBatch) instead of a person. Answering with a code is answering with a personal link: the typed
code gives the invitation's token (`codes.token_for`), which the answer page keeps in the session as it keeps
a mailed link's (saas.leadership.pulse_views). So a code counts as one verified respondent of the round, under
the round's own release rules (saas.anonymity.pulse: the round has no breakdown by group, so the batch's group
is only what the batch is called and whom its response rate is about); it can be used once; only the hash of its
keyed token is kept; and the round's close scrubs it with every other invitation (pulses.close_round).
A code is nobody's: reminders go to personal invitations only (pulses.unanswered).

How many of a batch answered is shown only as saas.anonymity.pulse.batches_shown allows.
"""
from __future__ import annotations

import random

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select

from saas.anonymity import policy
from saas.anonymity.pulse import batches_shown
from saas.kernel import audit
from saas.kernel.errors import DomainError
from saas.kernel.tokens import hash_token
from saas.leadership.models import PulseCodeBatch, PulseInvitation, PulseRound
from saas.surveys import codes, sheets

CODE_PAGE = "leadership.pulse_by_code"  # a slip's QR code opens it with the code (saas.leadership.pulse_code_views)
ENTRY_PAGE = "leadership.pulse_code_enter"  # the short address where a code is typed


class RoundClosed(DomainError):
    status = 409
    default_message = _l("This pulse check is closed: answer codes can no longer be ordered for it.")


def order_batch(db, secret_key: str, pulse: PulseRound, *, count: int, legacy_org_id: int | None = None,
                team_id: int | None = None, label: str = "", by=None) -> tuple[PulseCodeBatch, list[str]]:
    """A batch of `count` new codes for a group of the round's staff; returns it with the plain codes, in print
    order (not the rows' order). The caller makes the sheet from them and commits; nothing else holds them."""
    if pulse.status not in ("draft", "open"):
        raise RoundClosed()
    label = codes.checked_order(db, count=count, legacy_org_id=legacy_org_id, team_id=team_id, label=label)
    batch = PulseCodeBatch(round_id=pulse.id, legacy_org_id=legacy_org_id, team_id=team_id, label=label,
                           count=count, ordered_by_id=getattr(by, "id", None))
    db.add(batch)
    db.flush()
    plain = codes.draw(count)
    db.execute(insert(PulseInvitation), [
        {"tenant_id": pulse.tenant_id, "round_id": pulse.id, "batch_id": batch.id, "membership_id": None,
         "token_hash": token_hash, "answered": False} for token_hash in codes.stored_hashes(secret_key, plain)])
    random.SystemRandom().shuffle(plain)  # printed in an order that is not the rows'
    audit.record(db, "pulse.answer_codes_ordered", obj=pulse, detail={
        "batch_id": batch.id, "count": count, "legacy_org_id": legacy_org_id, "team_id": team_id, "label": label})
    return batch, plain


def slips_pdf(tenant, pulse: PulseRound, plain: list[str]) -> bytes:
    """The batch's slips (saas.surveys.sheets): the round's name, its close date, and QR codes to its own pages."""
    return sheets.slips(tenant, plain, title=pulse.name, closes_on=pulse.closes_on, code_endpoint=CODE_PAGE,
                        entry_endpoint=ENTRY_PAGE)


def entry_address(tenant) -> str:
    return sheets.entry_address(tenant, ENTRY_PAGE)


def filename(pulse: PulseRound) -> str:
    return sheets.filename(pulse, "answer-codes", of="pulse-check")


def invitation_for_code(db, secret_key: str, typed) -> tuple[PulseInvitation, str] | None:
    """The pulse invitation behind a typed code, with its token; None for a code that is not (or no longer) known."""
    token = codes.token_for(secret_key, typed)
    if token is None:
        return None
    invitation = db.scalar(select(PulseInvitation).where(PulseInvitation.token_hash == hash_token(token),
                                                         PulseInvitation.batch_id.is_not(None)))
    return (invitation, token) if invitation is not None else None


def batches(db, pulse: PulseRound) -> list[PulseCodeBatch]:
    return list(db.scalars(select(PulseCodeBatch).where(PulseCodeBatch.round_id == pulse.id)
                           .order_by(PulseCodeBatch.id)))


def batch_rates(db, tenant, pulse: PulseRound) -> dict[int, int | None]:
    """{batch id: how many of its codes were used to answer, or None where that may not be shown}."""
    invited, answered = {}, {}
    for batch_id, done, count in db.execute(
            select(PulseInvitation.batch_id, PulseInvitation.answered, func.count())
            .where(PulseInvitation.round_id == pulse.id)
            .group_by(PulseInvitation.batch_id, PulseInvitation.answered)):
        invited[batch_id] = invited.get(batch_id, 0) + count
        answered[batch_id] = answered.get(batch_id, 0) + (count if done else 0)
    shown = batches_shown(invited, policy.frozen_k(pulse, tenant))
    return {batch_id: answered[batch_id] if batch_id in shown else None for batch_id in invited if batch_id is not None}
