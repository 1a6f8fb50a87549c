"""Pitch pages for the team: write the business case together, attach files, submit, withdraw."""
from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import Forbidden

from saas.kernel.db import session
from saas.kernel.errors import DomainError
from saas.kernel.views import ButtonForm, press, press_confirmed, send
from saas.pitches import service
from saas.pitches.loaders import load_pitch
from saas.pitches.forms import AttachmentForm, SectionForm, StartPitchForm
from saas.pitches.models import SECTIONS
from saas.programme import service as programme_service
from saas.programme.loaders import load_team
from tenants.guards import requires, tenant_blueprint

bp = tenant_blueprint("pitches", __name__)


def _is_writer(team) -> bool:
    return programme_service.is_team_member(team, g.membership)


def _ensure_reader(db, team, theme) -> None:
    if not service.may_read(db, team, theme, g.membership):
        raise Forbidden()


def _ensure_writer(team) -> None:
    if not _is_writer(team):
        raise Forbidden()


@bp.route("/teams/<int:team_id>/pitch", methods=["GET", "POST"])
@requires()
def pitch(team_id: int):
    db = session()
    team, theme, programme = load_team(team_id)
    _ensure_reader(db, team, theme)
    pitch = service.pitch_of_team(db, team)
    start_form = StartPitchForm()
    if pitch is None and request.method == "POST":
        _ensure_writer(team)
        if start_form.validate_on_submit():
            # not through submit(): a refusal here (the subscription has ended) is the app's error answer
            pitch = service.start_pitch(db, team, g.membership, start_form.title.data)
            db.commit()
            flash(_("Your pitch has been started. Write its sections together."), "success")
            return redirect(url_for("pitches.pitch", team_id=team.id))
    return render_template(
        "pitches/pitch.html", team=team, theme=theme, programme=programme, pitch=pitch, start_form=start_form,
        writer=_is_writer(team), labels=service.SECTION_LABELS, sections=SECTIONS,
        attachments=service.attachments(db, pitch) if pitch else [],
        timeline=service.timeline(db, pitch) if pitch else [],
        problems=service.submission_problems(pitch, programme, team, date.today()) if pitch else [],
        attachment_form=AttachmentForm(), action_form=ButtonForm(),
        deadline=programme_service.deadline(programme) if programme.phase == "pitching" else None,
    )


@bp.route("/pitches/<int:pitch_id>/sections/<key>", methods=["GET", "POST"])
@requires()
def edit_section(pitch_id: int, key: str):
    db = session()
    pitch, team, theme, programme = load_pitch(pitch_id)
    if key not in SECTIONS:
        abort(404)
    _ensure_writer(team)
    if pitch.status != "draft":
        raise service.PitchLocked()  # shown as a 409 page that says so
    section = pitch.section(key)
    form = SectionForm(data=None if request.method == "POST" else {"text": section.text,
                                                                      "base_version": section.version})
    conflict = None
    if form.validate_on_submit():
        try:
            service.save_section(db, pitch, key, form.text.data or "", form.base_version.data, g.membership)
        except service.SectionConflict as clash:
            db.rollback()
            conflict = clash
            # the form now continues from their version, with the writer's text kept in the box
            form.base_version.data = clash.theirs_version
            form.base_version.raw_data = [str(clash.theirs_version)]
            form.text.data = clash.yours
        except DomainError as error:
            db.rollback()
            form.text.errors = list(form.text.errors) + [error.message]
        else:
            db.commit()
            flash(_("Saved: %(section)s.", section=service.SECTION_LABELS[key]), "success")
            return redirect(url_for("pitches.pitch", team_id=team.id))
    status = 409 if conflict else (400 if form.errors else 200)
    return render_template("pitches/section.html", pitch=pitch, team=team, key=key, form=form, conflict=conflict,
                           label=service.SECTION_LABELS[key]), status


@bp.route("/pitches/<int:pitch_id>/sections/<key>/history")
@requires()
def history(pitch_id: int, key: str):
    db = session()
    pitch, team, theme, programme = load_pitch(pitch_id)
    if key not in SECTIONS:
        abort(404)
    _ensure_reader(db, team, theme)
    versions = service.revisions(db, pitch, key)
    diff = None
    new_v, old_v = _version_arg("to"), _version_arg("from")
    if new_v is not None and old_v is not None:
        new, old = service.revision(db, pitch, key, new_v), service.revision(db, pitch, key, old_v)
        if new is None or (old is None and old_v != 0):
            abort(404)
        diff = service.diff_lines(old.text if old else "", new.text)
    return render_template("pitches/history.html", pitch=pitch, team=team, key=key, versions=versions, diff=diff,
                           label=service.SECTION_LABELS[key], old_v=old_v, new_v=new_v)


@bp.route("/pitches/<int:pitch_id>/attachments", methods=["POST"])
@requires()
def upload(pitch_id: int):
    db = session()
    pitch, team, theme, programme = load_pitch(pitch_id)
    _ensure_writer(team)
    form = AttachmentForm()
    back = url_for("pitches.pitch", team_id=team.id)

    def attach():
        upload = form.file.data
        return service.add_attachment(db, pitch, upload.filename, upload.read(service.MAX_ATTACHMENT_BYTES + 1),
                                      g.membership)

    return send(form, attach, done=_("The file has been attached."), then=back)


@bp.route("/pitches/<int:pitch_id>/attachments/<int:attachment_id>")
@requires()
def download(pitch_id: int, attachment_id: int):
    db = session()
    pitch, team, theme, programme = load_pitch(pitch_id)
    _ensure_reader(db, team, theme)
    attachment = service.get_attachment(db, pitch, attachment_id) or abort(404)
    response = Response(attachment.data, mimetype=attachment.content_type)
    response.headers["Content-Disposition"] = _attachment_disposition(attachment.filename)
    return response


@bp.route("/pitches/<int:pitch_id>/attachments/<int:attachment_id>/delete", methods=["GET", "POST"])
@requires()
def delete_attachment(pitch_id: int, attachment_id: int):
    db = session()
    pitch, team, theme, programme = load_pitch(pitch_id)
    _ensure_writer(team)
    attachment = service.get_attachment(db, pitch, attachment_id) or abort(404)
    return press_confirmed("remove", lambda: service.remove_attachment(db, pitch, attachment),
                           title=_("Remove the file %(name)s?", name=attachment.filename),
                           consequence=_("The file is removed from your pitch. This cannot be undone."),
                           button=_("Remove the file %(name)s", name=attachment.filename),
                           done=_("The file has been removed."), then=url_for("pitches.pitch", team_id=team.id))


@bp.route("/pitches/<int:pitch_id>/submit", methods=["POST"], endpoint="submit")
@requires()
def submit_pitch(pitch_id: int):
    pitch, team, theme, programme = load_pitch(pitch_id)
    _ensure_writer(team)
    return press("submit", lambda: service.submit(session(), pitch, programme, team, g.membership, date.today(),
                                                  tell_management=True),
                 done=_("Your pitch has been submitted to central management."),
                 then=url_for("pitches.pitch", team_id=team.id))


@bp.route("/pitches/<int:pitch_id>/withdraw", methods=["POST"])
@requires()
def withdraw(pitch_id: int):
    pitch, team, theme, programme = load_pitch(pitch_id)
    _ensure_writer(team)
    return press("withdraw", lambda: service.withdraw(session(), pitch, g.membership),
                 done=_("Your pitch has been withdrawn and can be changed again."),
                 then=url_for("pitches.pitch", team_id=team.id))


def _version_arg(name: str) -> int | None:
    value = request.args.get(name, type=int)
    return value if value is not None and 0 <= value < 2**31 else None


def _attachment_disposition(filename: str) -> str:
    from urllib.parse import quote

    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
