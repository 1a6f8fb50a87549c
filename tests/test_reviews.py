"""Review and decision: the admin's scorecard, independent reviews by central management, a
decision with feedback for the team, the pitch-day ranking, and what the works council sees."""
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from saas.pitches import review, service
from saas.pitches.models import SECTIONS, Pitch, PitchEvent, Review, ReviewScore, ScorecardCriterion
from saas.programme import service as programme_service
from saas.kernel.notifications import Notification
from tenants.models import Membership, MembershipRole

CLIENT_CASE = "Strong client case, weak on numbers"


def _member(db, email):
    return db.scalar(select(Membership).join(Membership.user).where(Membership.user.has(email=email)))


def _client(app, email):
    client = app.test_client()
    client.login(email)
    return client


@pytest.fixture
def org(app, make):
    """Oost in the pitching phase: two mixed teams have submitted their pitches; three managers,
    a works council member and a consultant."""
    tenant = make.tenant("oost")
    aal, bee, cur = tenant.legacy_org_ids
    for who in ("mia", "max", "mo"):
        make.member(tenant, f"{who}@oost.example", roles=["management"], name=f"{who.title()} Manager")
    make.member(tenant, "wc@oost.example", roles=["works_council"], name="Wendy Council")
    make.member(tenant, "consultant@oost.example", roles=["consultant"], name="Cas Consultant")
    for i, org_id in enumerate([aal, bee, cur, aal]):
        make.member(tenant, f"m{i}@oost.example", legacy_org_id=org_id, name=f"Member {i}")
    with make.session(tenant.id) as db:
        programme = programme_service.create_programme(db, name="Samen verder", goal="", starts_on=date(2026, 1, 1),
                                                       ends_on=date(2027, 12, 31), min_team_size=2, max_team_size=4)
        theme = programme_service.save_theme(db, programme, None, title="Client first", problem="Waiting",
                                             why_it_matters="", desired_outcome="", pillar="")
        teams = []
        for name, lead, mate in (("Snel antwoord", "m0", "m1"), ("Eén loket", "m2", "m3")):
            team = programme_service.propose_team(db, programme, theme, _member(db, f"{lead}@oost.example"),
                                                  name=name, goal="")
            programme_service.join_team(db, programme, team, _member(db, f"{mate}@oost.example"))
            db.refresh(team, attribute_names=["members"])
            teams.append(team)
        programme.phase = "pitching"
        programme.phase_row("pitching").ends_on = date.today() + timedelta(days=7)
        pitch_ids = []
        for team, title in zip(teams, ("Eén week antwoord", "Eén loket voor iedereen")):
            lead = db.get(Membership, team.lead.membership_id)
            pitch = service.start_pitch(db, team, lead, title)
            for key in SECTIONS:
                service.save_section(db, pitch, key, f"{title}: {key}", 0, lead)
            service.submit(db, pitch, programme, team, lead, date.today())
            pitch_ids.append(pitch.id)
        tenant.programme_id, tenant.theme_id = programme.id, theme.id
        tenant.team_ids, tenant.pitch_ids = [t.id for t in teams], pitch_ids
    return tenant


def _scorecard(make, org):
    """Value for clients counts three times as much as feasibility."""
    with make.session(org.id) as db:
        programme = programme_service.get_programme(db, org.programme_id)
        value = review.save_criterion(db, programme, None, name="Value for clients", weight=3)
        feasible = review.save_criterion(db, programme, None, name="Feasibility", weight=1)
        return value.id, feasible.id


def _review_form(criteria_scores: dict, action="submit", comments: dict | None = None) -> dict:
    form = {"action": action}
    for criterion_id, score in criteria_scores.items():
        form[f"score_{criterion_id}"] = str(score)
        form[f"comment_{criterion_id}"] = (comments or {}).get(criterion_id, "")
    return form


def _review_by_service(make, org, email, pitch_id, scores: dict) -> None:
    with make.session(org.id) as db:
        pitch = db.get(Pitch, pitch_id)
        team = programme_service.get_team(db, pitch.team_id)
        programme = programme_service.get_programme(db, org.programme_id)
        review.save_review(db, pitch, programme, team, _member(db, email),
                           {cid: (score, "") for cid, score in scores.items()}, submit=True)


def _count(make, org, model, *where):
    with make.session(org.id) as db:
        return db.scalar(select(func.count()).select_from(model).where(*where))


# ---- the scorecard -------------------------------------------------------------------------

@pytest.mark.smoke
def test_the_admin_configures_the_scorecard_and_management_reads_it(app, make, org):
    admin = _client(app, org.admin_email)
    scorecard = f"/t/oost/programmes/{org.programme_id}/scorecard"
    for name, weight in (("Value for clients", "3"), ("Feasibility", "2"), ("Fun", "1")):
        response = admin.submit(scorecard, {"name": name, "description": f"About {name.lower()}", "weight": weight,
                                            "position": ""})
        assert response.status_code == 302
    page = admin.text(scorecard)
    assert page.index("Value for clients") < page.index("Feasibility") < page.index("Fun")
    assert "50%" in page  # 3 of a total weight of 6

    with make.session(org.id) as db:
        ids = {c.name: c.id for c in db.scalars(select(ScorecardCriterion))}
    # the admin changes a weight, and removes a criterion nobody has used
    edit_page = admin.text(f"{scorecard}?edit={ids['Feasibility']}")
    assert "Change criterion: Feasibility" in edit_page
    admin.submit(scorecard, {"criterion_id": str(ids["Feasibility"]), "name": "Feasibility", "description": "",
                             "weight": "1", "position": "1"})
    page = admin.submit(f"{scorecard}/{ids['Fun']}/delete", {"action": "remove", "confirmed": "yes"}, page=scorecard,
                        follow_redirects=True).get_data(as_text=True)
    assert "has been removed from the scorecard" in page and "Fun" not in page
    assert "75%" in page and "25%" in page

    # management reads the scorecard but does not change it; members do not see it
    manager = _client(app, "mia@oost.example")
    page = manager.text(scorecard)
    assert "Value for clients" in page and "Add a criterion" not in page
    assert manager.submit(scorecard, {"name": "Mine", "weight": "5"}, page=scorecard).status_code == 403
    assert _client(app, "m0@oost.example").get(scorecard).status_code == 403


@pytest.mark.smoke
def test_a_criterion_with_a_bad_weight_or_a_taken_name_is_refused(app, make, org):
    _scorecard(make, org)
    admin = _client(app, org.admin_email)
    scorecard = f"/t/oost/programmes/{org.programme_id}/scorecard"
    for form, message in (({"name": "Speed", "weight": "0"}, "Choose a weight from 1 to 100"),
                          ({"name": "Speed", "weight": "101"}, "Choose a weight from 1 to 100"),
                          ({"name": "", "weight": "2"}, "Please enter a name"),
                          ({"name": "value FOR clients", "weight": "2"}, "already has a criterion with this name")):
        page = admin.submit(scorecard, form).get_data(as_text=True)
        assert message in page, form
    assert _count(make, org, ScorecardCriterion) == 2


@pytest.mark.smoke
def test_a_criterion_id_out_of_range_is_not_found_not_a_server_error(app, make, org):
    _scorecard(make, org)
    admin = _client(app, org.admin_email)
    scorecard = f"/t/oost/programmes/{org.programme_id}/scorecard"
    for bad in ("99999999999", "-1", "0"):
        response = admin.submit(scorecard, {"criterion_id": bad, "name": "Speed", "weight": "99999999999"}, page=scorecard)
        assert response.status_code == 404, bad
    assert _count(make, org, ScorecardCriterion) == 2


@pytest.mark.smoke
def test_a_criterion_that_reviewers_have_used_cannot_be_removed(app, make, org):
    value_id, feasible_id = _scorecard(make, org)
    mia = _client(app, "mia@oost.example")
    mia.submit(f"/t/oost/pitches/{org.pitch_ids[0]}/review", _review_form({value_id: 4}, action="draft"))
    admin = _client(app, org.admin_email)
    scorecard = f"/t/oost/programmes/{org.programme_id}/scorecard"
    page = admin.submit(f"{scorecard}/{value_id}/delete", {"action": "remove", "confirmed": "yes"}, page=scorecard, follow_redirects=True).get_data(as_text=True)
    assert "can no longer be removed" in page
    assert _count(make, org, ScorecardCriterion) == 2


# ---- reviewing -----------------------------------------------------------------------------

@pytest.mark.smoke
def test_two_managers_score_a_pitch_independently(app, make, org):
    value_id, feasible_id = _scorecard(make, org)
    pitch_id = org.pitch_ids[0]
    review_page = f"/t/oost/pitches/{pitch_id}/review"
    team_page = f"/t/oost/teams/{org.team_ids[0]}/pitch"

    # Mia finds the review from the pitch page, saves a draft, and comes back to submit it
    mia = _client(app, "mia@oost.example")
    assert review_page in mia.text(team_page)
    mia.submit(review_page, _review_form({value_id: 5}, action="draft", comments={value_id: CLIENT_CASE}))
    page = mia.text(review_page)
    assert CLIENT_CASE in page and f'checked id="score_{value_id}-4"' in page
    with make.session(org.id) as db:
        assert db.get(Pitch, pitch_id).status == "submitted"  # a draft does not start the review
    page = mia.submit(review_page, _review_form({value_id: 5, feasible_id: 1}, comments={value_id: CLIENT_CASE}),
                      follow_redirects=True).get_data(as_text=True)
    assert "Your review has been submitted" in page
    assert "4.00" in page  # (3×5 + 1×1) / 4

    # the review has started: the pitch is in review, on its timeline, and can no longer be withdrawn
    with make.session(org.id) as db:
        assert db.get(Pitch, pitch_id).status == "in_review"
    anna = _client(app, "m0@oost.example")
    timeline = anna.text(team_page).split("Timeline")[1]
    assert timeline.index("Submitted") < timeline.index("Review started")
    page = anna.submit(f"/t/oost/pitches/{pitch_id}/withdraw", {"action": "withdraw"}, page=team_page,
                       follow_redirects=True).get_data(as_text=True)
    assert "can no longer be withdrawn" in page
    with make.session(org.id) as db:
        assert db.get(Pitch, pitch_id).status == "in_review"

    # Max does not see Mia's scores before he has submitted his own, anywhere
    max_ = _client(app, "max@oost.example")
    page = max_.text(review_page)
    assert CLIENT_CASE not in page and "Mia Manager" not in page
    assert "shown once you have submitted your own review" in page
    pitch_day = max_.text(f"/t/oost/programmes/{org.programme_id}/pitch-day")
    assert "score hidden until you have reviewed it" in pitch_day and "4.00" not in pitch_day
    with make.session(org.id) as db:
        assert review.others_reviews(db, db.get(Pitch, pitch_id), _member(db, "max@oost.example")) == []

    # after submitting, Max sees Mia's scores and comment; Mia sees his
    max_.submit(review_page, _review_form({value_id: 3, feasible_id: 3}, comments={feasible_id: "Doable in a year"}))
    page = max_.text(review_page)
    assert CLIENT_CASE in page and "Mia Manager" in page
    page = mia.text(review_page)
    assert "Doable in a year" in page and "Max Manager" in page
    # a submitted review is final; the pitch stays in review with one "review started"
    page = mia.submit(review_page, _review_form({value_id: 1, feasible_id: 1}),
                      follow_redirects=True).get_data(as_text=True)
    assert "can no longer be changed" in page
    with make.session(org.id) as db:
        scores = db.scalars(select(ReviewScore.score).join(Review, Review.id == ReviewScore.review_id)
                            .where(Review.reviewer_membership_id == _member(db, "mia@oost.example").id)).all()
        assert sorted(scores) == [1, 5]
    assert _count(make, org, PitchEvent, PitchEvent.event == "review_started") == 1


@pytest.mark.smoke
def test_bad_scores_are_refused_with_a_message_and_save_nothing(app, make, org):
    value_id, feasible_id = _scorecard(make, org)
    review_page = f"/t/oost/pitches/{org.pitch_ids[0]}/review"
    mia = _client(app, "mia@oost.example")
    for form, message in (
        (_review_form({value_id: 0, feasible_id: 3}), "Give Value for clients a score from 1 to 5"),
        (_review_form({value_id: 6, feasible_id: 3}), "Give Value for clients a score from 1 to 5"),
        (_review_form({value_id: "five", feasible_id: 3}, action="draft"), "score from 1 to 5"),
        (_review_form({value_id: 4}), "Give a score from 1 to 5 for: Feasibility"),
        (_review_form({value_id: 4, feasible_id: 2}, comments={feasible_id: "x" * 5001}), "At most 5000 characters"),
        ({"action": "draft", f"comment_{value_id}": "A comment without a score", f"score_{value_id}": ""},
         "Give Value for clients a score to keep your comment"),
    ):
        response = mia.submit(review_page, form)
        assert response.status_code == 200 and message in response.get_data(as_text=True), form
    assert _count(make, org, Review) == 0 and _count(make, org, ReviewScore) == 0
    with make.session(org.id) as db:
        assert db.get(Pitch, org.pitch_ids[0]).status == "submitted"


@pytest.mark.smoke
def test_only_submitted_pitches_are_reviewed_and_not_by_their_own_team(app, make, org):
    value_id, feasible_id = _scorecard(make, org)
    with make.session(org.id) as db:
        team = programme_service.get_team(db, org.team_ids[0])
        service.withdraw(db, db.get(Pitch, org.pitch_ids[0]), db.get(Membership, team.lead.membership_id))
        # a manager who is also in the second team
        lead_of_second = _member(db, "m2@oost.example")
        lead_of_second.role_rows.append(MembershipRole(role="management"))
    mia = _client(app, "mia@oost.example")
    page = mia.submit(f"/t/oost/pitches/{org.pitch_ids[0]}/review", _review_form({value_id: 4, feasible_id: 4}),
                      follow_redirects=True).get_data(as_text=True)
    assert "cannot be reviewed" in page
    lead = _client(app, "m2@oost.example")
    page = lead.submit(f"/t/oost/pitches/{org.pitch_ids[1]}/review", _review_form({value_id: 5, feasible_id: 5}),
                       follow_redirects=True).get_data(as_text=True)
    assert "You are a member of this team" in page
    assert _count(make, org, Review) == 0
    # reviewing is for management only
    assert _client(app, org.admin_email).get(f"/t/oost/pitches/{org.pitch_ids[1]}/review").status_code == 403


# ---- deciding ------------------------------------------------------------------------------

@pytest.mark.smoke
def test_management_decides_and_the_team_reads_the_decision_and_feedback(app, make, org):
    value_id, feasible_id = _scorecard(make, org)
    pitch_id = org.pitch_ids[0]
    review_page = f"/t/oost/pitches/{pitch_id}/review"
    decide = f"/t/oost/pitches/{pitch_id}/decide"
    mia = _client(app, "mia@oost.example")
    # no decision before a review
    page = mia.submit(decide, {"decision": "approved", "feedback": ""}, page=review_page,
                      follow_redirects=True).get_data(as_text=True)
    assert "once at least one review has been submitted" in page
    _review_by_service(make, org, "max@oost.example", pitch_id, {value_id: 4, feasible_id: 3})

    # feedback is needed for anything but a plain approval, and the decision must be a known one
    for form, message in (({"decision": "approved_with_conditions", "feedback": "  "}, "feedback is needed"),
                          ({"decision": "rejected", "feedback": ""}, "feedback is needed"),
                          ({"decision": "maybe", "feedback": "Hmm"}, "Choose one of the decisions"),
                          ({"feedback": "No choice made"}, "Choose one of the decisions")):
        response = mia.submit(decide, form, page=review_page)
        assert response.status_code == 200 and message in response.get_data(as_text=True), form
    with make.session(org.id) as db:
        assert db.get(Pitch, pitch_id).status == "in_review"
    assert _count(make, org, Notification, Notification.kind == "pitch_decided") == 0

    feedback = "Go ahead, on condition that the costs are checked with Finance first."
    page = mia.submit(decide, {"decision": "approved_with_conditions", "feedback": feedback}, page=review_page,
                      follow_redirects=True).get_data(as_text=True)
    assert "The decision has been recorded" in page
    with make.session(org.id) as db:
        pitch = db.get(Pitch, pitch_id)
        assert (pitch.status, pitch.decision, pitch.feedback) == ("decided", "approved_with_conditions", feedback)
        assert pitch.decided_at is not None

    # the team sees the decision, the feedback and the timeline, and is told in the app and by e-mail
    anna = _client(app, "m0@oost.example")
    page = anna.text(f"/t/oost/teams/{org.team_ids[0]}/pitch")
    assert "Approved with conditions" in page and feedback in page
    timeline = page.split("Timeline")[1]
    assert timeline.index("Review started") < timeline.index("Decided")
    assert "Decision on your pitch: Approved with conditions" in anna.text("/t/oost/notifications")
    for email in ("m0@oost.example", "m1@oost.example"):
        assert any(m.subject == "Decision on your pitch: Approved with conditions" for m in make.mails_to(email))
    assert not make.mails_to("m2@oost.example")  # the other team is not told

    # deciding again is refused and changes nothing
    max_ = _client(app, "max@oost.example")
    page = max_.submit(decide, {"decision": "rejected", "feedback": "No"}, page=review_page,
                       follow_redirects=True).get_data(as_text=True)
    assert "already been taken" in page
    with make.session(org.id) as db:
        assert db.get(Pitch, pitch_id).decision == "approved_with_conditions"
    assert _count(make, org, PitchEvent, PitchEvent.event == "decided") == 1
    assert len([m for m in make.mails_to("m0@oost.example") if m.subject.startswith("Decision")]) == 1
    with make.session(org.id) as db:
        with pytest.raises(review.AlreadyDecided):
            pitch = db.get(Pitch, pitch_id)
            review.decide(db, pitch, programme_service.get_team(db, pitch.team_id),
                          _member(db, "max@oost.example"), "rejected", "No")


def test_two_managers_deciding_at_once_decide_once(app, make, org):
    value_id, feasible_id = _scorecard(make, org)
    pitch_id = org.pitch_ids[0]
    _review_by_service(make, org, "mo@oost.example", pitch_id, {value_id: 4, feasible_id: 4})
    review_page, decide = f"/t/oost/pitches/{pitch_id}/review", f"/t/oost/pitches/{pitch_id}/decide"
    managers = [_client(app, f"{who}@oost.example") for who in ("mia", "max")]
    tokens = [m.csrf_token(review_page) for m in managers]
    barrier, pages = threading.Barrier(2), []

    def decide_as(manager, token, decision):
        barrier.wait()
        pages.append(manager.post(decide, data={"csrf_token": token, "decision": decision, "feedback": "Because"},
                                  follow_redirects=True).get_data(as_text=True))

    threads = [threading.Thread(target=decide_as, args=(m, t, d))
               for m, t, d in zip(managers, tokens, ("parked", "rejected"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted("already been taken" in p for p in pages) == [False, True]
    assert _count(make, org, PitchEvent, PitchEvent.event == "decided") == 1
    assert len([m for m in make.mails_to("m0@oost.example") if m.subject.startswith("Decision")]) == 1


def test_two_first_reviews_at_once_start_the_review_once(app, make, org):
    value_id, feasible_id = _scorecard(make, org)
    review_page = f"/t/oost/pitches/{org.pitch_ids[0]}/review"
    managers = [_client(app, f"{who}@oost.example") for who in ("mia", "max", "mo")]
    tokens = [m.csrf_token(review_page) for m in managers]
    barrier, statuses = threading.Barrier(3), []

    def submit(manager, token):
        barrier.wait()
        statuses.append(manager.post(review_page, data={"csrf_token": token, **_review_form(
            {value_id: 4, feasible_id: 2})}).status_code)

    threads = [threading.Thread(target=submit, args=(m, t)) for m, t in zip(managers, tokens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [302, 302, 302]
    assert _count(make, org, Review, Review.submitted_at.is_not(None)) == 3
    assert _count(make, org, PitchEvent, PitchEvent.event == "review_started") == 1


# ---- pitch day and statuses ----------------------------------------------------------------

@pytest.mark.smoke
def test_the_pitch_day_ranks_pitches_by_weighted_score_with_the_spread(app, make, org):
    value_id, feasible_id = _scorecard(make, org)
    first, second = org.pitch_ids
    # Snel antwoord: Mia (3×5 + 1×1)/4 = 4.00, Max (3×3 + 1×3)/4 = 3.00 → 3.50, spread 1.00
    _review_by_service(make, org, "mia@oost.example", first, {value_id: 5, feasible_id: 1})
    _review_by_service(make, org, "max@oost.example", first, {value_id: 3, feasible_id: 3})
    # Eén loket: Mia 4.00, Max (3×4 + 1×2)/4 = 3.50 → 3.75, spread 0.50
    _review_by_service(make, org, "mia@oost.example", second, {value_id: 4, feasible_id: 4})
    _review_by_service(make, org, "max@oost.example", second, {value_id: 4, feasible_id: 2})
    pitch_day = f"/t/oost/programmes/{org.programme_id}/pitch-day"

    for email in (org.admin_email, "consultant@oost.example", "mia@oost.example"):
        page = _client(app, email).text(pitch_day)
        assert page.index("Eén loket") < page.index("Snel antwoord"), email
        assert "3.75" in page and "0.50" in page and "3.50" in page and "1.00" in page, email
        assert "hidden until you have reviewed it" not in page

    # Mo has reviewed neither: no scores, and no ranking that would give them away
    page = _client(app, "mo@oost.example").text(pitch_day)
    assert page.count("score hidden until you have reviewed it") == 2
    assert "3.75" not in page and "3.50" not in page

    with make.session(org.id) as db:
        rows = review.pitch_day(db, programme_service.get_programme(db, org.programme_id),
                                _member(db, "mia@oost.example"))
        assert [(r.team.name, r.rank, r.reviews, r.score, r.spread) for r in rows] == [
            ("Eén loket", 1, 2, 3.75, 0.5), ("Snel antwoord", 2, 2, 3.5, 1.0)]

    # once a pitch is decided no score can be swayed any more: Mo sees that one's scores too
    _client(app, "mia@oost.example").submit(f"/t/oost/pitches/{first}/decide", {"decision": "approved"},
                                            page=f"/t/oost/pitches/{first}/review")
    page = _client(app, "mo@oost.example").text(pitch_day)
    assert page.count("score hidden until you have reviewed it") == 1
    assert "3.50" in page and "3.75" not in page


@pytest.mark.smoke
def test_weighted_scores_and_spread():
    assert review.weighted_score([(3, 5), (1, 1)]) == 4.0
    assert review.weighted_score([]) is None
    assert review.combine([4.0, 3.0, 3.5]) == (3.5, 1.0)
    assert review.combine([]) == (None, None)


@pytest.mark.smoke
def test_the_works_council_sees_statuses_and_decisions_but_no_scores(app, make, org):
    value_id, feasible_id = _scorecard(make, org)
    first, second = org.pitch_ids
    _review_by_service(make, org, "mia@oost.example", first, {value_id: 5, feasible_id: 1})
    with make.session(org.id) as db:
        pitch = db.get(Pitch, first)
        team = programme_service.get_team(db, pitch.team_id)
    mia = _client(app, "mia@oost.example")
    mia.submit(f"/t/oost/pitches/{first}/decide", {"decision": "parked", "feedback": "Next year, with budget"},
               page=f"/t/oost/pitches/{first}/review")

    council = _client(app, "wc@oost.example")
    overview = council.text(f"/t/oost/programmes/{org.programme_id}")
    assert f"/t/oost/programmes/{org.programme_id}/pitches" in overview
    page = council.text(f"/t/oost/programmes/{org.programme_id}/pitches")
    snel = page[page.index("Snel antwoord"):page.index("</tr>", page.index("Snel antwoord"))]
    assert "Decided" in snel and "Parked" in snel
    loket = page[page.index("Eén loket"):page.index("</tr>", page.index("Eén loket"))]
    assert "Submitted" in loket
    assert "4.00" not in page and "Next year, with budget" not in page
    for url in (f"/t/oost/programmes/{org.programme_id}/pitch-day", f"/t/oost/pitches/{first}/review",
                f"/t/oost/programmes/{org.programme_id}/scorecard", f"/t/oost/teams/{team.id}/pitch"):
        assert council.get(url).status_code == 403, url


@pytest.mark.smoke
def test_a_pitch_still_being_written_shows_no_title_to_others(app, make, org):
    with make.session(org.id) as db:
        team = programme_service.get_team(db, org.team_ids[1])
        service.withdraw(db, db.get(Pitch, org.pitch_ids[1]), db.get(Membership, team.lead.membership_id))
    page = _client(app, "m0@oost.example").text(f"/t/oost/programmes/{org.programme_id}/pitches")
    assert "Being written" in page and "Eén loket voor iedereen" not in page
    assert "Eén week antwoord" in page  # submitted: its title is public in the organisation
