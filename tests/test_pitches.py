"""Pitches: a team writes its business case together, attaches files, submits before the deadline."""
import io
import threading
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from saas.pitches import service
from saas.pitches.models import SECTIONS, Pitch, PitchRevision, PitchSection
from saas.programme import service as programme_service
from saas.programme.models import Programme, Theme
from tenants.models import Membership
from tests.world import PDF_BYTES

PPTX = io.BytesIO()
with zipfile.ZipFile(PPTX, "w") as z:
    z.writestr("[Content_Types].xml", "<Types/>")
    z.writestr("ppt/presentation.xml", "<p/>")
PPTX_BYTES = PPTX.getvalue()


def _member(db, email):
    return db.scalar(select(Membership).join(Membership.user).where(Membership.user.has(email=email)))


@pytest.fixture
def team(app, make):
    """Team 'Snel antwoord' of four people from three municipalities, in the pitching phase."""
    tenant = make.tenant("oost")
    aal, bee, cur = tenant.legacy_org_ids
    for i, org_id in enumerate([aal, bee, cur, aal, bee]):
        make.member(tenant, f"m{i}@oost.example", legacy_org_id=org_id, name=f"Member {i}")
    make.member(tenant, "manager@oost.example", roles=["management"], name="Mia Manager")
    make.member(tenant, "sponsor@oost.example", roles=["sponsor"], name="Sam Sponsor")
    with make.session(tenant.id) as db:
        programme = programme_service.create_programme(db, name="Samen verder", goal="", starts_on=date(2026, 1, 1),
                                                       ends_on=date(2027, 12, 31))
        theme = programme_service.save_theme(db, programme, None, title="Client first", problem="Waiting",
                                             why_it_matters="", desired_outcome="", pillar="")
        programme_service.set_sponsors(db, theme, [_member(db, "sponsor@oost.example").id])
        team = programme_service.propose_team(db, programme, theme, _member(db, "m0@oost.example"),
                                              name="Snel antwoord", goal="")
        for i in (1, 2, 3):
            programme_service.join_team(db, programme, team, _member(db, f"m{i}@oost.example"))
        programme.phase = "pitching"
        programme.phase_row("pitching").ends_on = date.today() + timedelta(days=7)
        pitch = service.start_pitch(db, team, _member(db, "m0@oost.example"), "Eén week antwoord")
        tenant.team_id, tenant.pitch_id, tenant.programme_id = team.id, pitch.id, programme.id
    return tenant


def _client(app, email):
    client = app.test_client()
    client.login(email)
    return client


def _fill_all_sections(make, tenant):
    with make.session(tenant.id) as db:
        pitch = db.get(Pitch, tenant.pitch_id)
        author = _member(db, "m0@oost.example")
        for key in SECTIONS:
            if not pitch.section(key).text:
                service.save_section(db, pitch, key, f"Text for {key}", pitch.section(key).version, author)


@pytest.mark.smoke
def test_the_team_writes_sections_together_with_a_history_and_a_visible_diff(app, make, team):
    edit = f"/t/oost/pitches/{team.pitch_id}/sections/problem"
    anna, bert = _client(app, "m0@oost.example"), _client(app, "m1@oost.example")
    anna.submit(edit, {"text": "Clients wait six weeks.\nThey call us twice.", "base_version": "0"})
    bert.submit(edit, {"text": "Clients wait six weeks.\nThey call us three times.", "base_version": "1"})
    page = anna.text(f"/t/oost/teams/{team.team_id}/pitch")
    assert "They call us three times." in page and "2 versions" in page
    history = anna.text(f"/t/oost/pitches/{team.pitch_id}/sections/problem/history?from=1&to=2")
    assert "Member 0" in history and "Member 1" in history
    assert "<del><span class=\"visually-hidden\">Removed: </span>They call us twice.</del>" in history
    assert "<ins><span class=\"visually-hidden\">Added: </span>They call us three times.</ins>" in history


@pytest.mark.smoke
def test_two_members_saving_from_the_same_version_get_a_conflict_and_both_texts_are_kept(app, make, team):
    edit = f"/t/oost/pitches/{team.pitch_id}/sections/proposal"
    anna, bert = _client(app, "m0@oost.example"), _client(app, "m1@oost.example")
    anna_token, bert_token = anna.csrf_token(edit), bert.csrf_token(edit)  # both opened version 0
    first = anna.post(edit, data={"csrf_token": anna_token, "text": "One counter for everyone", "base_version": "0"})
    assert first.status_code == 302
    second = bert.post(edit, data={"csrf_token": bert_token, "text": "A phone line first", "base_version": "0"})
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert "One counter for everyone" in page and "A phone line first" in page  # theirs shown, yours kept
    assert 'value="1"' in page  # the form continues from their version
    with make.session(team.id) as db:
        section = db.scalar(select(PitchSection).where(PitchSection.key == "proposal"))
        assert (section.text, section.version) == ("One counter for everyone", 1)


def test_simultaneous_saves_of_one_section_never_overwrite_each_other(app, make, team):
    edit = f"/t/oost/pitches/{team.pitch_id}/sections/risks"
    writers = [_client(app, f"m{i}@oost.example") for i in range(4)]
    tokens = [w.csrf_token(edit) for w in writers]
    barrier, statuses = threading.Barrier(4), []

    def save(writer, token, n):
        barrier.wait()
        statuses.append(writer.post(edit, data={"csrf_token": token, "text": f"Risk by {n}", "base_version": "0"})
                        .status_code)

    threads = [threading.Thread(target=save, args=(w, t, n)) for n, (w, t) in enumerate(zip(writers, tokens))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [302, 409, 409, 409]
    with make.session(team.id) as db:
        assert len(db.scalars(select(PitchRevision).where(PitchRevision.key == "risks")).all()) == 1


@pytest.mark.smoke
def test_attachments_are_checked_by_content_and_size(app, make, team):
    anna = _client(app, "m0@oost.example")
    pitch_page = f"/t/oost/teams/{team.team_id}/pitch"
    upload = f"/t/oost/pitches/{team.pitch_id}/attachments"

    def send(name, data):
        return anna.submit(upload, {"file": (io.BytesIO(data), name)}, page=pitch_page,
                           content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)

    assert "The file has been attached" in send("plan.pdf", PDF_BYTES)
    assert "The file has been attached" in send("slides.pptx", PPTX_BYTES)
    assert "Attach a PDF" in send("virus.pdf", b"MZ\x90\x00 this is an executable")
    assert "Attach a PDF" in send("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))
    assert "Attach a PDF" in send("fake.pptx", b"PK\x03\x04 not really a zip")
    page = anna.text(pitch_page)
    assert "plan.pdf" in page and "slides.pptx" in page and "virus.pdf" not in page
    with make.session(team.id) as db:
        attachment_id = service.attachments(db, db.get(Pitch, team.pitch_id))[0].id
    download = anna.get(f"/t/oost/pitches/{team.pitch_id}/attachments/{attachment_id}")
    assert download.data == PDF_BYTES and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")


@pytest.mark.smoke
def test_submission_needs_every_section_and_then_locks_the_pitch(app, make, team):
    anna = _client(app, "m0@oost.example")
    pitch_page = f"/t/oost/teams/{team.team_id}/pitch"
    submit = f"/t/oost/pitches/{team.pitch_id}/submit"
    page = anna.submit(submit, {"action": "submit"}, page=pitch_page, follow_redirects=True).get_data(as_text=True)
    assert "Still empty" in page
    _fill_all_sections(make, team)
    page = anna.submit(submit, {"action": "submit"}, page=pitch_page, follow_redirects=True).get_data(as_text=True)
    assert "has been submitted to central management" in page and "Submitted" in page
    # locked: no more writing
    edit = f"/t/oost/pitches/{team.pitch_id}/sections/problem"
    assert anna.submit(edit, {"text": "late change", "base_version": "1"}).status_code == 409
    # management hears of it
    assert any("Pitch submitted: Eén week antwoord" == m.subject for m in make.mails_to("manager@oost.example"))
    # withdrawable before the review starts
    page = anna.submit(f"/t/oost/pitches/{team.pitch_id}/withdraw", {"action": "withdraw"}, page=pitch_page,
                       follow_redirects=True).get_data(as_text=True)
    assert "has been withdrawn" in page
    with make.session(team.id) as db:
        assert db.get(Pitch, team.pitch_id).status == "draft"
    timeline = anna.text(pitch_page).split("Timeline")[1]
    assert timeline.index("Started") < timeline.index("Submitted") < timeline.index("Withdrawn")


@pytest.mark.smoke
def test_submitting_after_the_deadline_is_refused_with_a_clear_message(app, make, team):
    _fill_all_sections(make, team)
    with make.session(team.id) as db:
        db.get(Programme, team.programme_id).phase_row("pitching").ends_on = date.today() - timedelta(days=1)
    anna = _client(app, "m0@oost.example")
    page = anna.submit(f"/t/oost/pitches/{team.pitch_id}/submit", {"action": "submit"}, page=f"/t/oost/teams/{team.team_id}/pitch",
                       follow_redirects=True).get_data(as_text=True)
    assert "The deadline for pitches" in page and "has passed" in page
    with make.session(team.id) as db:
        assert db.get(Pitch, team.pitch_id).status == "draft"


@pytest.mark.smoke
def test_a_team_that_does_not_mix_legacy_organisations_cannot_submit(app, make, team):
    _fill_all_sections(make, team)
    with make.session(team.id) as db:
        db.get(Programme, team.programme_id).min_legacy_orgs_per_team = 4  # only three municipalities exist
    page = _client(app, "m0@oost.example").submit(
        f"/t/oost/pitches/{team.pitch_id}/submit", {"action": "submit"}, page=f"/t/oost/teams/{team.team_id}/pitch",
        follow_redirects=True).get_data(as_text=True)
    assert "at least 4 legacy organisations" in page


@pytest.mark.smoke
def test_who_reads_and_who_writes_a_pitch(app, make, team):
    pitch_page = f"/t/oost/teams/{team.team_id}/pitch"
    assert _client(app, "m4@oost.example").get(pitch_page).status_code == 403  # not in the team
    sponsor = _client(app, "sponsor@oost.example")
    assert "Eén week antwoord" in sponsor.text(pitch_page)
    assert sponsor.get(f"/t/oost/pitches/{team.pitch_id}/sections/problem").status_code == 403
    assert "Eén week antwoord" in _client(app, "manager@oost.example").text(pitch_page)


@pytest.mark.smoke
def test_oversized_section_text_is_refused_and_nothing_saved(app, make, team):
    anna = _client(app, "m0@oost.example")
    response = anna.submit(f"/t/oost/pitches/{team.pitch_id}/sections/costs",
                           {"text": "x" * 20_001, "base_version": "0"})
    assert response.status_code == 400 and "At most 20000 characters" in response.get_data(as_text=True)
    with make.session(team.id) as db:
        assert db.scalar(select(PitchSection).where(PitchSection.key == "costs")).version == 0


@pytest.mark.smoke
def test_a_crafted_archive_is_refused_not_a_crash(app, make, team):
    crafted = io.BytesIO()
    with zipfile.ZipFile(crafted, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("ppt/x.xml", "<p/>")
    data = bytearray(crafted.getvalue())
    # flag the central directory's names as UTF-8 and break that UTF-8
    at = data.find(b"PK\x01\x02")
    while at != -1:
        data[at + 8] |= 0x08
        name_at = at + 46
        data[name_at] = 0xFF
        at = data.find(b"PK\x01\x02", at + 4)
    anna = _client(app, "m0@oost.example")
    page = anna.submit(f"/t/oost/pitches/{team.pitch_id}/attachments",
                       {"file": (io.BytesIO(bytes(data)), "slides.pptx")}, page=f"/t/oost/teams/{team.team_id}/pitch",
                       content_type="multipart/form-data", follow_redirects=True)
    assert page.status_code == 200 and "Attach a PDF" in page.get_data(as_text=True)


@pytest.mark.smoke
def test_members_stay_in_the_team_once_its_pitch_is_submitted(app, make, team):
    _fill_all_sections(make, team)
    anna = _client(app, "m0@oost.example")
    anna.submit(f"/t/oost/pitches/{team.pitch_id}/submit", {"action": "submit"}, page=f"/t/oost/teams/{team.team_id}/pitch")
    page = anna.submit(f"/t/oost/teams/{team.team_id}/leave", {"action": "leave"}, page=f"/t/oost/teams/{team.team_id}",
                       follow_redirects=True).get_data(as_text=True)
    assert "Teams are formed in the recruitment and team-work phases only" in page
    with make.session(team.id) as db:
        assert len(db.get(Pitch, team.pitch_id) and programme_service.get_team(db, team.team_id).members) == 4


@pytest.mark.smoke
def test_the_team_page_offers_to_leave_only_when_leaving_is_allowed_and_else_says_why(app, make, team):
    """Issue 17, defect 12: "Leave the team" was shown, and pressing it was refused."""
    anna = _client(app, "m0@oost.example")
    team_page = f"/t/oost/teams/{team.team_id}"
    page = anna.text(team_page)  # the pitching phase: teams no longer change
    assert "Leave the team" not in page and "so you stay in this team now" in page
    with make.session(team.id) as db:
        db.get(Programme, team.programme_id).phase = "team_work"
    assert "Leave the team" in anna.text(team_page)  # a draft pitch, teams still forming: it may
    _fill_all_sections(make, team)
    with make.session(team.id) as db:
        db.get(Programme, team.programme_id).phase = "pitching"
    anna.submit(f"/t/oost/pitches/{team.pitch_id}/submit", {"action": "submit"}, page=f"{team_page}/pitch")
    with make.session(team.id) as db:
        db.get(Programme, team.programme_id).phase = "team_work"
    page = anna.text(team_page)
    assert "Leave the team" not in page and "its members stay until the decision" in page
    with make.session(team.id) as db:
        assert len(programme_service.get_team(db, team.team_id).members) == 4


@pytest.mark.smoke
def test_the_team_sees_the_review_and_then_the_decision_not_an_empty_submit_card(app, make, team):
    """Issue 17, defect 12: once management had decided, the pitch page kept an empty "Submit" card."""
    _fill_all_sections(make, team)
    anna = _client(app, "m0@oost.example")
    pitch_page = f"/t/oost/teams/{team.team_id}/pitch"
    anna.submit(f"/t/oost/pitches/{team.pitch_id}/submit", {"action": "submit"}, page=pitch_page)
    with make.session(team.id) as db:
        db.get(Pitch, team.pitch_id).status = "in_review"
    page = anna.text(pitch_page)
    assert "Submit to central management" in page and "Central management is reviewing the pitch" in page
    with make.session(team.id) as db:
        pitch = db.get(Pitch, team.pitch_id)
        pitch.status, pitch.decision, pitch.feedback = "decided", "approved_with_conditions", "Begin in Aalten."
    page = anna.text(pitch_page)
    assert "Submit to central management" not in page and "submit-heading" not in page
    assert "Approved with conditions" in page and "Begin in Aalten." in page


def test_a_section_cannot_change_once_submission_has_locked_the_pitch(app, make, team, database):
    """The submit takes the pitch's row lock; a save that started earlier re-checks under the lock."""
    from tenants.scoping import set_scope

    _fill_all_sections(make, team)
    other = database.Session()  # a writer that loaded the pitch while it was still a draft
    set_scope(other, tenant_id=team.id)
    stale = other.get(Pitch, team.pitch_id)
    stale_status, version = stale.status, stale.section("risks").version
    author_id = _member(other, "m0@oost.example").id
    outcome = []

    def save():
        try:
            service.save_section(other, stale, "risks", "late", version, other.get(Membership, author_id))
            outcome.append("saved")
        except service.PitchLocked:
            outcome.append("locked")

    with make.session(team.id) as db:
        pitch = db.get(Pitch, team.pitch_id)
        service.submit(db, pitch, db.get(Programme, team.programme_id),
                       programme_service.get_team(db, team.team_id), _member(db, "m0@oost.example"), date.today())
        worker = threading.Thread(target=save)
        worker.start()
        worker.join(0.5)
        assert worker.is_alive()  # it waits for the submitting transaction's lock
    worker.join(10)  # the submission committed; the save sees a submitted pitch
    other.rollback()
    other.close()
    assert stale_status == "draft" and outcome == ["locked"]
    with make.session(team.id) as db:
        assert db.get(Pitch, team.pitch_id).section("risks").text == "Text for risks"
