"""Answer codes (issue 20): single-use codes on paper for people without e-mail, ordered in batches for a group.

A pulse check's codes (saas.leadership.pulse_codes) are drawn, checked, typed and hashed by the same functions
here (`checked_order`, `draw`, `stored_hashes`, `normalise`, `token_for`); only their rows are the pulse's.

A code is a survey invitation without a person (`SurveyInvitation.batch_id` instead of `membership_id`): it is
answered through the same personal-link path (saas.surveys.intake, the respondent's pages), and the batch's group
(a legacy organisation and/or a team) is frozen on each of its invitations, so the response rates and the
release rules count a code as a verified respondent of that group (DESIGN.md §3, "Who counts"). Koers knows
which group a batch went to, never who got which code.

Codes. Ten characters from an alphabet without look-alikes (no 0/O, 1/I/L, 5/S, 8/B), drawn with `secrets`:
27¹⁰ ≈ 2·10¹⁴ codes, so guessing one of a batch of 1000 takes some 2·10¹¹ tries. Typed with spaces, dashes or
in lower case, a code is read the same.

What is stored: the invitation's token is a keyed hash of the code, HMAC-SHA256 with a key derived from the
app's SECRET_KEY, and only the hash of that token is kept, as for every personal link. An unkeyed hash
would not do here: the code space is small enough that whoever reads the database could hash every code
(2·10¹⁴ SHA-256 runs are hours on a graphics card) and answer in someone's place, or find which row a
printed slip is. Without the key the database alone tells neither. (A new SECRET_KEY therefore ends every
code handed out before it, as it ends signed links.)

The plain codes exist only in what `order_batch` returns: the sheet is made from them once, and they can
never be shown again. The codes are printed in another random order than the one they were stored in.

Which waves: a wave in preparation or open (sheets are printed and handed out before the launch); not a
closed one. At the close the codes are treated as every invitation: drafts go (saas.surveys.service.
rewrite_results); what stays is whether each was answered, as for personal links.
"""
from __future__ import annotations

import hashlib
import hmac
import random
import re
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from saas.kernel import audit, formatting
from saas.kernel.errors import DomainError
from saas.kernel.tokens import hash_token
from saas.programme.models import Team
from saas.surveys.models import AnswerCodeBatch, SurveyInvitation, Wave
from tenants.models import LegacyOrganisation

ALPHABET = "234679ACDEFGHJKMNPQRTUVWXYZ"  # no 0/O, 1/I/L, 5/S, 8/B: nothing to mistake when typed from paper
LENGTH = 10
MAX_COUNT = 1000  # a sheet of 1000 codes is 100 A4 pages, made within the request (see sheets.py)
LABEL_MAX = 80
PAPER = "paper"


class WaveClosed(DomainError):
    status = 409
    default_message = _l("This wave is closed: answer codes can no longer be ordered for it.")


class BadCount(DomainError):
    default_message = _l("Order between 1 and %(max)d codes at a time.", max=MAX_COUNT)


class NoGroup(DomainError):
    default_message = _l("Choose a legacy organisation or a team, or name the group the codes are for "
                         "(for example \u201cWerkbedrijf Noord\u201d).")


class UnknownGroup(DomainError):
    default_message = _l("This legacy organisation or team does not exist (any more).")


def order_batch(db, secret_key: str, wave: Wave, *, count: int, legacy_org_id: int | None = None,
                team_id: int | None = None, label: str = "", by=None, channel: str = PAPER
                ) -> tuple[AnswerCodeBatch, list[str]]:
    """A batch of `count` new codes for the wave's group; returns it with the plain codes, in print order.

    The caller makes the sheet from the codes and commits; nothing else ever holds them. `by`: the account
    that ordered them (None from the command line)."""
    if wave.status not in ("draft", "open"):
        raise WaveClosed()
    label = checked_order(db, count=count, legacy_org_id=legacy_org_id, team_id=team_id, label=label)
    batch = AnswerCodeBatch(wave_id=wave.id, legacy_org_id=legacy_org_id, team_id=team_id, label=label,
                            channel=channel, count=count, ordered_by_id=getattr(by, "id", None))
    db.add(batch)
    db.flush()
    codes = draw(count)
    db.execute(insert(SurveyInvitation), [
        {"tenant_id": wave.tenant_id, "wave_id": wave.id, "batch_id": batch.id, "membership_id": None,
         "token_hash": token_hash, "answered": False, "reminders_sent": 0,
         "legacy_org_id": legacy_org_id, "team_ids": [team_id] if team_id is not None else []}
        for token_hash in stored_hashes(secret_key, codes)])
    random.SystemRandom().shuffle(codes)  # printed in an order that is not the rows'
    audit.record(db, "wave.answer_codes_ordered", obj=wave, detail={  # a change to the wave: listed with waves
        "batch_id": batch.id, "count": count, "channel": channel, "legacy_org_id": legacy_org_id,
        "team_id": team_id, "label": label})
    return batch, codes


def checked_order(db, *, count, legacy_org_id: int | None, team_id: int | None, label: str) -> str:
    """The checks of an order of codes for a group, whatever the codes are for (a wave, a pulse check:
    saas.leadership.pulse_codes); returns the group's name as it is kept."""
    if not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise BadCount(field="count")
    label = (label or "").strip()
    if len(label) > LABEL_MAX:
        raise DomainError(_l("Keep the name of the group to %(max)d characters.", max=LABEL_MAX), field="label")
    if legacy_org_id is not None and db.scalar(select(LegacyOrganisation.id)
                                               .where(LegacyOrganisation.id == legacy_org_id)) is None:
        raise UnknownGroup(field="legacy_org_id")
    if team_id is not None and db.scalar(select(Team.id).where(Team.id == team_id)) is None:
        raise UnknownGroup(field="team_id")
    if legacy_org_id is None and team_id is None and not label:
        raise NoGroup(field="label")
    return label


def draw(count: int) -> list[str]:
    """`count` new codes, all different, drawn with `secrets`."""
    return _new_codes(count)


def stored_hashes(secret_key: str, plain: list[str]) -> list[str]:
    """What is kept of each code, in the same order: the hash of its keyed token (see the module's docstring)."""
    key = _key(secret_key)
    return [hash_token(_token(key, code)) for code in plain]


def normalise(typed) -> str | None:
    """The code as stored, from what someone typed (spaces, dashes, lower case); None if it cannot be one."""
    if not isinstance(typed, str) or len(typed) > 40:
        return None
    code = re.sub(r"[\s\-_.]", "", typed).upper()
    return code if len(code) == LENGTH and all(c in ALPHABET for c in code) else None


def token_for(secret_key: str, typed) -> str | None:
    """The invitation token behind a typed code (what a personal link carries); None for no possible code."""
    code = normalise(typed)
    return _token(_key(secret_key), code) if code else None


def invitation_for_code(db, secret_key: str, typed) -> tuple[SurveyInvitation, str] | None:
    """The invitation behind a code, with its token; None for a code that is not (or no longer) known."""
    token = token_for(secret_key, typed)
    if token is None:
        return None
    invitation = db.scalar(select(SurveyInvitation).where(SurveyInvitation.token_hash == hash_token(token),
                                                          SurveyInvitation.batch_id.is_not(None)))
    return (invitation, token) if invitation is not None else None


def renew_code(secret_key: str, invitation: SurveyInvitation) -> str:
    """A new code for an invitation of a batch (an SMS reminder, saas.surveys.sms): only its hash is kept, so
    the old code stops working; a half-finished survey stays with the invitation."""
    code = _new_codes(1)[0]
    invitation.token_hash = hash_token(_token(_key(secret_key), code))
    return code


def invitations_for_codes(db, secret_key: str, plain: list[str]) -> dict[str, SurveyInvitation]:
    """{code: its invitation} for codes just ordered (`order_batch`), for a channel that sends each code to
    someone (SMS)."""
    key = _key(secret_key)
    by_hash = {hash_token(_token(key, code)): code for code in plain}
    found = db.scalars(select(SurveyInvitation).where(SurveyInvitation.token_hash.in_(list(by_hash))))
    return {by_hash[invitation.token_hash]: invitation for invitation in found}


def shown(code: str) -> str:
    """A code as printed: two groups of five, easier to read out and type."""
    return f"{code[:5]}-{code[5:]}"


def batches(db, wave: Wave) -> list[AnswerCodeBatch]:
    return list(db.scalars(select(AnswerCodeBatch).where(AnswerCodeBatch.wave_id == wave.id)
                           .order_by(AnswerCodeBatch.id)))


def group_label(db, batch) -> str:
    """The batch's group as the pages name it: organisation, team and label, as far as given (a wave's batch or
    a pulse check's: anything with `legacy_org_id`, `team_id` and `label`)."""
    parts = []
    if batch.legacy_org_id is not None:
        parts.append(db.scalar(select(LegacyOrganisation.name).where(LegacyOrganisation.id == batch.legacy_org_id)))
    if batch.team_id is not None:
        parts.append(db.scalar(select(Team.name).where(Team.id == batch.team_id)))
    if batch.label:
        parts.append(batch.label)
    return " · ".join(p for p in parts if p)


def batch_names(db, wave: Wave) -> dict[int, str]:
    """{batch id: how the response rates name it}: its group and the day it was ordered."""
    return {batch.id: f"{group_label(db, batch)} ({formatting.day(batch.ordered_at, 'medium')})"
            for batch in batches(db, wave)}


def _new_codes(count: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        codes.add("".join(secrets.choice(ALPHABET) for _ in range(LENGTH)))
    return list(codes)


def _key(secret_key: str) -> bytes:
    """A key of the codes' own, derived from the app's: no other use of SECRET_KEY yields the same values."""
    return hmac.new(secret_key.encode(), b"koers answer codes", hashlib.sha256).digest()


def _token(key: bytes, code: str) -> str:
    return hmac.new(key, f"answer-code:{code}".encode(), hashlib.sha256).hexdigest()
