"""Writing and submitting a pitch: sections with optimistic locking and history, attachments
checked by content, submission before the deadline, withdrawal until the review starts."""
from __future__ import annotations

import difflib
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from saas.kernel import formatting
from saas.kernel.db import utcnow
from saas.kernel.errors import Conflict, DomainError
from saas.kernel.files import JPEG, PDF, PNG, PPTX, sniff_content_type
from saas.pitches import notices
from saas.pitches.models import SECTIONS, Pitch, PitchAttachment, PitchEvent, PitchRevision, PitchSection, Review
from saas.programme import service as programme_service
from saas.programme.models import Programme, Team, Theme
from tenants.models import Role

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = (PDF, PPTX, PNG, JPEG)  # by content, not by name
SECTION_MAX = 20_000

SECTION_LABELS = {
    "problem": _l("Problem"),
    "proposal": _l("Proposal"),
    "client_impact": _l("Impact on clients"),
    "benefits": _l("Expected benefits (with numbers)"),
    "costs": _l("Costs and investment"),
    "risks": _l("Risks"),
    "implementation": _l("Implementation plan"),
    "values": _l("Link to the values"),
}


class SectionConflict(Conflict):
    """Someone saved the section after this writer started; both texts are kept for the writer."""

    default_message = _l("A team mate saved this section while you were writing. Your text is kept below: "
                         "merge it with theirs and save again.")

    def __init__(self, theirs: str, theirs_version: int, yours: str):
        super().__init__()
        self.theirs, self.theirs_version, self.yours = theirs, theirs_version, yours


class PitchLocked(DomainError):
    status = 409
    default_message = _l("The pitch has been submitted and can no longer be changed.")


class NotSubmittable(DomainError):
    default_message = _l("The pitch cannot be submitted yet.")


class AttachmentRefused(DomainError):
    default_message = _l("Attach a PDF, a PowerPoint presentation or a PNG or JPEG image of at most 10 MB.")


# ---- reading -------------------------------------------------------------------------------

def is_submitted(db, team: Team) -> bool:
    """Whether the team's pitch has gone to central management (its members then stay until the decision)."""
    return db.scalar(select(Pitch.status).where(Pitch.team_id == team.id)) not in (None, "draft")


def may_read(db, team: Team, theme, membership) -> bool:
    """The team writes its pitch; management, admin, consultants and the theme's sponsors read it."""
    return (programme_service.is_team_member(team, membership)
            or membership.has_any((Role.ADMIN, Role.MANAGEMENT, Role.CONSULTANT))
            or programme_service.is_sponsor(db, theme, membership))


def pitch_of_team(db, team: Team) -> Pitch | None:
    return db.scalar(select(Pitch).where(Pitch.team_id == team.id))


def get_pitch(db, pitch_id: int) -> Pitch | None:
    return db.scalar(select(Pitch).where(Pitch.id == pitch_id))


def pitches_of_programme(db, programme: Programme) -> list[tuple[Pitch, Team]]:
    return list(db.execute(
        select(Pitch, Team).join(Team, Team.id == Pitch.team_id).join(Theme, Theme.id == Team.theme_id)
        .where(Theme.programme_id == programme.id).order_by(Team.name)).all())


def revisions(db, pitch: Pitch, key: str) -> list[PitchRevision]:
    return list(db.scalars(select(PitchRevision).where(PitchRevision.pitch_id == pitch.id, PitchRevision.key == key)
                           .order_by(PitchRevision.version.desc())))


def revision(db, pitch: Pitch, key: str, version: int) -> PitchRevision | None:
    return db.scalar(select(PitchRevision).where(PitchRevision.pitch_id == pitch.id, PitchRevision.key == key,
                                                 PitchRevision.version == version))


def diff_lines(old: str, new: str) -> list[tuple[str, str]]:
    """A line diff as (kind, text) pairs, kind in 'same', 'added', 'removed'."""
    kinds = {" ": "same", "+": "added", "-": "removed"}
    return [(kinds[line[0]], line[2:]) for line in difflib.ndiff(old.splitlines(), new.splitlines())
            if line[0] in kinds]


def timeline(db, pitch: Pitch) -> list[PitchEvent]:
    return list(db.scalars(select(PitchEvent).where(PitchEvent.pitch_id == pitch.id)
                           .order_by(PitchEvent.created_at, PitchEvent.id)))


def attachments(db, pitch: Pitch) -> list[PitchAttachment]:
    return list(db.scalars(select(PitchAttachment).where(PitchAttachment.pitch_id == pitch.id)
                           .order_by(PitchAttachment.created_at)))


def get_attachment(db, pitch: Pitch, attachment_id: int) -> PitchAttachment | None:
    return db.scalar(select(PitchAttachment).where(PitchAttachment.id == attachment_id,
                                                   PitchAttachment.pitch_id == pitch.id))


# ---- writing -------------------------------------------------------------------------------

def start_pitch(db, team: Team, membership, title: str) -> Pitch:
    existing = pitch_of_team(db, team)
    if existing is not None:
        return existing
    pitch = Pitch(team_id=team.id, title=title.strip())
    pitch.sections = [PitchSection(key=key, text="", version=0) for key in SECTIONS]
    db.add(pitch)
    db.flush()
    _event(db, pitch, "created", membership)
    return pitch


def save_section(db, pitch: Pitch, key: str, text: str, base_version: int, membership) -> PitchSection:
    """Save a section written from `base_version`; a newer version in between is a conflict."""
    _ensure_editable(db, pitch)
    if key not in SECTIONS:
        raise DomainError(_l("Unknown section."))
    section = pitch.section(key)
    text = text.replace("\r\n", "\n").strip()
    if len(text) > SECTION_MAX:
        raise DomainError(_l("A section has at most %(max)d characters.", max=SECTION_MAX), field="text")
    if text == section.text and base_version == section.version:
        return section
    # Compare-and-set in one statement: of two writers from the same version, exactly one wins.
    result = db.execute(
        update(PitchSection).where(PitchSection.id == section.id, PitchSection.version == base_version)
        .values(text=text, version=PitchSection.version + 1).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.refresh(section)
        raise SectionConflict(theirs=section.text, theirs_version=section.version, yours=text)
    db.refresh(section)
    db.add(PitchRevision(pitch_id=pitch.id, key=key, version=section.version, text=text,
                         author_membership_id=membership.id))
    db.flush()
    return section


def add_attachment(db, pitch: Pitch, filename: str, data: bytes, membership) -> PitchAttachment:
    _ensure_editable(db, pitch)
    if not data or len(data) > MAX_ATTACHMENT_BYTES:
        raise AttachmentRefused(field="file")
    content_type = sniff_content_type(data)
    if content_type not in ATTACHMENT_TYPES:
        raise AttachmentRefused(field="file")
    safe_name = "".join(c for c in (filename or "attachment").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
                        if c.isprintable() and c not in '"<>:|?*')[:200] or "attachment"
    attachment = PitchAttachment(pitch_id=pitch.id, filename=safe_name, content_type=content_type, size=len(data),
                                 data=data, uploaded_by_membership_id=membership.id)
    db.add(attachment)
    db.flush()
    return attachment


def remove_attachment(db, pitch: Pitch, attachment: PitchAttachment) -> None:
    _ensure_editable(db, pitch)
    db.delete(attachment)


# ---- submitting ----------------------------------------------------------------------------

def submission_problems(pitch: Pitch, programme: Programme, team: Team, today: date) -> list:
    """What stands between this pitch and submission, in words for the team."""
    problems = []
    if programme.phase != "pitching":
        problems.append(_l("Pitches are submitted in the pitching phase."))
    deadline = programme_service.deadline(programme) if programme.phase == "pitching" else None
    if deadline is not None and today > deadline:
        problems.append(_l("The deadline for pitches (%(date)s) has passed.", date=formatting.day(deadline)))
    empty = [SECTION_LABELS[s.key] for s in pitch.sections if not s.text.strip()]
    if empty:
        problems.append(_l("Still empty: %(sections)s.", sections=", ".join(str(e) for e in empty)))
    if len(team.members) < programme.min_team_size:
        problems.append(_l("The team needs at least %(num)d members.", num=programme.min_team_size))
    if not programme_service.mix_ok(programme, team):
        problems.append(_l("The team needs people from at least %(num)d legacy organisations.",
                           num=programme.min_legacy_orgs_per_team))
    return problems


def submit(db, pitch: Pitch, programme: Programme, team: Team, membership, today: date, *,
           tell_management: bool = False) -> None:
    """Submit the pitch for review; with `tell_management` (submitted on the pitch page) central management hears of it."""
    lock(db, pitch)
    if pitch.status != "draft":
        raise PitchLocked()
    problems = submission_problems(pitch, programme, team, today)
    if problems:
        raise NotSubmittable(" ".join(str(p) for p in problems))
    # Conditional update: a double click or two team mates at once submit once.
    result = db.execute(update(Pitch).where(Pitch.id == pitch.id, Pitch.status == "draft")
                        .values(status="submitted", submitted_at=utcnow())
                        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise PitchLocked()
    db.refresh(pitch)
    _event(db, pitch, "submitted", membership)
    if tell_management:
        notices.tell_management_about_submission(db, pitch, team)


def withdraw(db, pitch: Pitch, membership) -> None:
    """Back to draft, as long as no reviewer has submitted scores."""
    lock(db, pitch)  # the first review takes the same lock, so it cannot slip in between
    started = db.scalar(select(func.count()).select_from(Review).where(Review.pitch_id == pitch.id,
                                                                      Review.submitted_at.is_not(None)))
    if pitch.status != "submitted" or started:
        raise DomainError(_l("The review has started: the pitch can no longer be withdrawn."))
    pitch.status, pitch.submitted_at = "draft", None
    _event(db, pitch, "withdrawn", membership)


def lock(db, pitch: Pitch) -> None:
    """Changes to one pitch queue up behind each other (SELECT ... FOR UPDATE), then see its state."""
    db.execute(select(Pitch.id).where(Pitch.id == pitch.id).with_for_update())
    db.refresh(pitch)


def _ensure_editable(db, pitch: Pitch) -> None:
    lock(db, pitch)
    if pitch.status != "draft":
        raise PitchLocked()


def _event(db, pitch: Pitch, event: str, membership) -> None:
    db.add(PitchEvent(pitch_id=pitch.id, event=event, membership_id=membership.id if membership else None))
    db.flush()
