"""The respondent's survey pages, without JavaScript: a personal link, the open link, the preview and
the JSON submission. Each test tells what a respondent does, what they see and what is stored."""
from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import func, select, text
from werkzeug.datastructures import MultiDict

from saas.models import metadata
from saas.surveys import service
from saas.surveys.answering import engine as answering
from saas.surveys.instruments import CONTRACT_ITEMS, DIMENSIONS, TYPES, culture_key
from saas.surveys.models import PooledAnswer, Response, SurveyInvitation, Wave
from tenants.models import Membership, Tenant
from tenants.service import get_legacy_org
from saas.kernel.tokens import hash_token
from tests.conftest import sign_in_scope
from tests.helpers import works_council

PEOPLE = ["anna", "bram", "carmen", "dirk", "eva", "femke", "gijs"]


# ---- a Dutch tenant with a programme team and an open wave that asks everything ---------------

@pytest.fixture
def survey(app, make):
    from saas.programme import service as programme

    tenant = make.tenant("oost")
    for i, name in enumerate(PEOPLE):
        make.member(tenant, f"{name}@oost.example", legacy_org_id=tenant.legacy_org_ids[i % 3])
    with make.session(tenant.id) as db:
        admin = db.scalar(select(Membership).where(Membership.user.has(email=tenant.admin_email)))
        prog = programme.create_programme(db, name="Samen verder", goal="", starts_on=date(2026, 1, 1),
                                          ends_on=date(2026, 12, 31))
        theme = programme.save_theme(db, prog, None, title="Klant centraal", problem="Wachttijden",
                                     why_it_matters="", desired_outcome="", pillar="")
        team = programme.propose_team(db, prog, theme, admin, name="Wijkteam Noord", goal="")
        wave = service.create_wave(
            db, name="Nulmeting 2026", programme_id=prog.id, groupings=("legacy_org", "team", "tenure"),
            questions=[{"kind": "likert", "nl": "Ik heb zin in de nieuwe organisatie.",
                        "en": "I look forward to the new organisation."},
                       {"kind": "open", "nl": "Wat wil je ons nog meegeven?", "en": "What else would you like to tell us?"}])
        service.record_consent(db, wave, by=works_council(db), decided_on=date(2026, 11, 2), decision="The works council agrees to the baseline.",
                               conditions="Only groups of six or more are reported.", min_group_size=6)
        service.open_wave(db, db.get(Tenant, tenant.id), wave)
        members = [m for m in db.scalars(select(Membership)) if m.user.email.endswith("@oost.example")]
        tenant.tokens = {m.user.email.split("@")[0]: token for m, token in service.invite(db, wave, members)}
        tenant.wave_id, tenant.team_id = wave.id, team.id
        tenant.value_keys = list(wave.value_keys)
    return tenant


class Respondent:
    """One browser without JavaScript, following the survey's pages as a person would."""

    def __init__(self, app):
        self.client = app.test_client()
        self.here = ""

    def open(self, link: str):
        response = self.client.get(link)
        assert response.status_code == 302, (link, response.status_code)
        self.here = response.headers["Location"]
        return response

    def page(self) -> str:
        return self.client.text(self.here)

    def send(self, data: dict | None = None, action: str = "next"):
        response = self.client.submit(self.here, {**(data or {}), "action": action})
        if response.status_code == 302:
            self.here = response.headers["Location"]
        return response

    @property
    def step(self) -> str:
        return self.here.rsplit("/", 1)[-1]


def culture(phase: str, points=(40, 30, 20, 10)) -> dict:
    return {culture_key(d.number, t, phase): str(p) for d in DIMENSIONS for t, p in zip(TYPES, points)}


CONTRACT = {item.key: "4" for item in CONTRACT_ITEMS}


def answer_everything(person: Respondent, survey, values=None, about=True):
    """Walks from the welcome page to the thank-you page, answering every step (the open link asks no
    "about you": its answers count in the whole wave's figures only)."""
    keys = values or survey.value_keys[:3]
    steps = [
        ("welcome", {}),
        *([("about", {"legacy_org_id": str(survey.legacy_org_ids[1]), "team_id": str(survey.team_id),
                      "tenure_band": "2_to_10"})] if about else []),
        ("values-personal", {"values": keys}),
        ("values-team-current", {"values": keys[:2]}),
        ("values-org-current", {"values": keys[:1]}),
        ("values-org-desired", {"values": keys}),
        ("culture-now", culture("now")),
        ("culture-preferred", culture("preferred", (25, 25, 25, 25))),
        ("contract", CONTRACT),
        ("questions", {"q1": "5", "q2": "More coffee, fewer meetings."}),
        ("review", {}),
    ]
    for expected, data in steps:
        assert person.step == expected
        response = person.send(data, action="submit" if expected == "review" else "next")
        assert response.status_code == 302, (expected, person.client.text(person.here)[:3000])
    assert person.step == "thanks"


def _invitation(make, survey, who):
    """The person's invitation: by their link, or by their address once the close scrubbed the links."""
    with make.session(survey.id) as db:
        invitation = service.invitation_for_token(db, survey.tokens[who]) or db.scalar(
            select(SurveyInvitation).join(Membership, Membership.id == SurveyInvitation.membership_id)
            .where(Membership.user.has(email=f"{who}@oost.example")))
        return {"answered": invitation.answered, "draft": invitation.draft}


def _count(make, survey, model) -> int:
    with make.session(survey.id) as db:
        return db.scalar(select(func.count()).select_from(model))


# ---- the personal link ---------------------------------------------------------------------

def test_a_respondent_answers_the_whole_survey_step_by_step(app, make, survey):
    anna = Respondent(app)
    anna.open(f"/t/oost/survey/{survey.tokens['anna']}")
    # the token leaves the address bar at once: later URLs carry only the wave
    assert anna.here == f"/t/oost/survey/personal/{survey.wave_id}/step/welcome"
    welcome = anna.page()
    assert "Nulmeting 2026" in welcome and "Step 1 of 11" in welcome and '<progress max="11" value="1"' in welcome
    assert "It takes about 18 minutes." in welcome and "Read the full privacy statement" in welcome
    assert survey.tokens["anna"] not in welcome

    anna.send()
    about = anna.page()
    assert "Step 2 of 11" in about
    assert "Gemeente Bee (oost)" in about and "Wijkteam Noord" in about and "2 to 10 years" in about
    assert about.count(">Prefer not to say</option>") == 3
    anna.send({"legacy_org_id": str(survey.legacy_org_ids[1]), "team_id": str(survey.team_id), "tenure_band": "none"})

    values = anna.page()
    assert anna.step == "values-personal" and "My values" in values and "0 of 10 chosen" in values
    assert 'type="checkbox"' in values and "trust" in values
    anna.send({"values": ["trust", "openness", "humour"]})
    assert "3 of 10 chosen" in anna.client.text(f"/t/oost/survey/personal/{survey.wave_id}/step/values-personal")
    for step in ("values-team-current", "values-org-current", "values-org-desired"):
        assert anna.step == step
        anna.send({"values": ["trust"]})

    assert anna.step == "culture-now"
    now_page = anna.page()
    assert "Dominant characteristics" in now_page and "Total: 0 of 100 points" in now_page
    assert 'type="number"' in now_page and "Clan" not in now_page  # the statements, not the framework's names
    anna.send(culture("now"))
    preferred_page = anna.page()
    assert "The culture you want" in preferred_page and "Today: 40" in preferred_page
    anna.send(culture("preferred", (10, 20, 30, 40)))

    contract_page = anna.page()
    assert anna.step == "contract" and "<legend>I was told I could have a say" in contract_page
    assert "Strongly agree" in contract_page and "What I give in return" in contract_page
    anna.send(CONTRACT)
    questions_page = anna.page()
    assert "I look forward to the new organisation." in questions_page and "<textarea" in questions_page
    anna.send({"q1": "4", "q2": "  Keep the lunch walks.  "})

    review = anna.page()
    assert anna.step == "review" and "Step 11 of 11" in review
    assert "trust, openness, humour" in review and "Gemeente Bee (oost)" in review and "Keep the lunch walks." in review
    assert "Not finished yet" not in review
    response = anna.send(action="submit")
    assert response.status_code == 302 and anna.step == "thanks"
    thanks = anna.page()
    assert "Thank you!" in thanks and "Your answers have been sent." in thanks and "at least 6 people" in thanks

    # stored: one anonymous answer waiting in the pool (fewer than k = 6), the invitation only marked answered
    with make.session(survey.id) as db:
        [pooled] = db.scalars(select(PooledAnswer)).all()
        payload = pooled.payload
    assert payload["answers"]["values"]["personal"] == ["trust", "openness", "humour"]
    assert payload["answers"]["culture"]["d1_clan_now"] == 40 and payload["answers"]["culture"]["d6_hierarchy_preferred"] == 40
    assert payload["answers"]["contract"] == {item.key: 4 for item in CONTRACT_ITEMS}
    assert payload["answers"]["questions"] == {"q1": 4, "q2": "Keep the lunch walks."}
    assert payload["legacy_org_id"] == survey.legacy_org_ids[1] and payload["team_id"] == survey.team_id
    assert "tenure_band" not in payload  # "prefer not to say"
    assert payload["day"] == date.today().isoformat()
    assert _invitation(make, survey, "anna") == {"answered": True, "draft": None}


def test_leaving_halfway_and_coming_back_keeps_every_answer(app, make, survey):
    bram = Respondent(app)
    bram.open(f"/t/oost/survey/{survey.tokens['bram']}")
    bram.send()
    bram.send({"legacy_org_id": str(survey.legacy_org_ids[0]), "team_id": "none", "tenure_band": "gt_10"})
    bram.send({"values": ["trust", "quality"]})
    bram.send({"values": ["humour"]})
    # halfway through the third list, Bram has to go
    response = bram.send({"values": ["clarity", "courage"]}, action="save")
    assert response.status_code == 302 and bram.step == "saved"
    saved = bram.page()
    assert "Your answers are saved" in saved and "open the same link from your invitation e-mail" in saved
    assert _invitation(make, survey, "bram")["draft"]["answers"]["values"]["org_current"] == ["clarity", "courage"]

    # the next day, on his phone (another browser), the same link brings him back where he was
    phone = Respondent(app)
    phone.open(f"/t/oost/survey/{survey.tokens['bram']}")
    assert phone.step == "values-org-current"
    page = phone.page()
    assert re.search(r'value="clarity" checked', page) and re.search(r'value="courage" checked', page)
    assert "2 of 10 chosen" in page
    about = phone.client.text(f"/t/oost/survey/personal/{survey.wave_id}/step/about")
    assert re.search(rf'<option value="{survey.legacy_org_ids[0]}" selected>', about)
    assert '<option value="gt_10" selected>' in about and '<option value="none" selected>' in about
    # "Back" keeps what was typed on the page too
    phone.send({"values": ["clarity", "courage", "trust"]}, action="back")
    assert phone.step == "values-team-current"
    assert _invitation(make, survey, "bram")["draft"]["answers"]["values"]["org_current"] == ["clarity", "courage",
                                                                                             "trust"]
    assert not _invitation(make, survey, "bram")["answered"]


def test_wrong_sums_and_too_many_values_are_explained_and_nothing_typed_is_lost(app, make, survey):
    carmen = Respondent(app)
    carmen.open(f"/t/oost/survey/{survey.tokens['carmen']}")
    carmen.send()
    carmen.send({"legacy_org_id": "none", "team_id": "none", "tenure_band": "none"})

    eleven = survey.value_keys[:11]
    response = carmen.send({"values": eleven})
    assert response.status_code == 200 and carmen.step == "values-personal"
    page = response.get_data(as_text=True)
    assert "You chose 11 values. Choose at most 10." in page and "11 of 10 chosen" in page
    assert all(f'value="{key}" checked' in page for key in eleven)
    assert 'role="alert"' in page and 'aria-describedby="values-count values-error"' in page
    assert _invitation(make, survey, "carmen")["draft"]["answers"]["values"]["personal"] == eleven  # kept as chosen
    carmen.send({"values": eleven[:10]})
    assert carmen.step == "values-team-current"
    for _step in range(3):
        carmen.send({"values": []})

    wrong = culture("now")
    wrong["d3_clan_now"] = "30"  # dimension 3 adds up to 90
    wrong["d5_market_now"] = "twenty"
    response = carmen.send(wrong)
    assert response.status_code == 200 and carmen.step == "culture-now"
    page = response.get_data(as_text=True)
    assert "Management of employees: the four numbers add up to 90. They must add up to 100." in page
    assert "use whole numbers from 0 to 100" in page
    assert 'id="d3_clan_now" name="d3_clan_now" value="30"' in page and 'value="twenty"' in page
    assert 'href="#d3_clan_now"' in page and "Total: 90 of 100 points" in page
    draft = _invitation(make, survey, "carmen")["draft"]
    assert draft["answers"]["culture"]["d3_clan_now"] == 30 and draft["step"] == "culture-now"

    # in Dutch, the message names the dimension in Dutch
    carmen.client.submit("/language", {"language": "nl", "next": carmen.here}, page=carmen.here)
    dutch = carmen.send(wrong)
    assert "Omgang met medewerkers" in dutch.get_data(as_text=True)

    carmen.send(culture("now"))
    assert carmen.step == "culture-preferred"


def test_review_refuses_to_send_until_every_step_is_finished(app, make, survey):
    dirk = Respondent(app)
    dirk.open(f"/t/oost/survey/{survey.tokens['dirk']}")
    dirk.here = f"/t/oost/survey/personal/{survey.wave_id}/step/review"  # jumps straight to the end
    response = dirk.send(action="submit")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "“About you” is not finished yet." in page and "“My values” is not finished yet." in page
    assert _count(make, survey, PooledAnswer) == 0
    assert not _invitation(make, survey, "dirk")["answered"]


def test_after_sending_nobody_can_see_or_resend_the_answer(app, make, survey):
    eva = Respondent(app)
    eva.open(f"/t/oost/survey/{survey.tokens['eva']}")
    answer_everything(eva, survey, values=["humour", "courage"])
    review_url = f"/t/oost/survey/personal/{survey.wave_id}/step/review"

    # the link now says thank you and shows nothing of the answers, in this browser and in any other
    for person in (eva, Respondent(app)):
        response = person.client.get(f"/t/oost/survey/{survey.tokens['eva']}")
        assert response.headers["Location"].endswith("/thanks")
        page = person.client.text(response.headers["Location"])
        assert "This survey has been answered with your link." in page
        assert "humour" not in page and "More coffee" not in page
        assert person.client.get(review_url).headers["Location"].endswith("/thanks")
    # sending again changes nothing
    response = eva.client.post(review_url, data={"action": "submit", "csrf_token": eva.client.csrf_token(
        f"/t/oost/survey/personal/{survey.wave_id}/thanks")})
    assert response.status_code == 302 and response.headers["Location"].endswith("/thanks")
    assert _count(make, survey, PooledAnswer) + _count(make, survey, Response) == 1
    response = app.test_client().post(f"/t/oost/survey/{survey.tokens['eva']}/answers.json",
                                      json={"answers": {}, "attributes": {}})
    assert response.status_code == 409


def test_answers_are_mixed_into_the_responses_once_k_people_have_answered(app, make, survey):
    for who in PEOPLE[:6]:  # k is 6 for this wave (the works council's condition)
        person = Respondent(app)
        person.open(f"/t/oost/survey/{survey.tokens[who]}")
        answer_everything(person, survey)
        if who != PEOPLE[5]:
            assert _count(make, survey, Response) == 0
    assert _count(make, survey, Response) == 6 and _count(make, survey, PooledAnswer) == 0


def test_a_closed_or_unopened_wave_shows_a_clear_page(app, make, survey):
    anna = Respondent(app)
    anna.open(f"/t/oost/survey/{survey.tokens['anna']}")
    anna.send()
    with make.session(survey.id) as db:
        service.close_wave(db, db.get(Wave, survey.wave_id))
    # the close scrubbed the links (retention): the page she had open says the link no longer works, and why
    page = anna.client.get(anna.here)
    assert page.status_code == 404 and "has closed" in page.get_data(as_text=True)
    response = anna.send({"legacy_org_id": "none"})
    assert response.status_code == 404 and "has closed" in response.get_data(as_text=True)
    response = app.test_client().post(f"/t/oost/survey/{survey.tokens['bram']}/answers.json",
                                      json={"answers": {}, "attributes": {}})
    assert response.status_code == 404
    with make.session(survey.id) as db:  # who was asked stays, for the response rates; no link does
        hashes = db.scalars(select(SurveyInvitation.token_hash).where(SurveyInvitation.wave_id == survey.wave_id)).all()
        assert len(hashes) == len(survey.tokens) and all(h.startswith("closed:") for h in hashes)

    with make.session(survey.id) as db:
        draft_wave = service.create_wave(db, name="Tussenmeting", instruments=("values",))
        [(_m, token)] = service.invite(db, draft_wave, [db.scalar(select(Membership))])
    person = Respondent(app)
    person.open(f"/t/oost/survey/{token}")
    page = person.page()
    assert "Tussenmeting" in page and "has not started yet" in page


def test_an_unknown_link_is_not_found(app, survey, make):
    client = app.test_client()
    for url in ("/t/oost/survey/not-a-real-token", "/t/oost/survey/" + "x" * 300, "/t/oost/survey/open/nope",
                f"/t/oost/survey/personal/{survey.wave_id}/step/welcome",  # no link opened in this browser
                f"/t/oost/survey/shared/{survey.wave_id}/step/welcome"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Survey link not found" in response.get_data(as_text=True)
    # a real token in another tenant's address
    make.tenant("west")
    assert client.get(f"/t/west/survey/{survey.tokens['anna']}").status_code == 404
    # an unknown step of a real survey
    anna = Respondent(app)
    anna.open(f"/t/oost/survey/{survey.tokens['anna']}")
    assert anna.client.get(f"/t/oost/survey/personal/{survey.wave_id}/step/nonsense").status_code == 404


def test_the_privacy_statement_shows_k_the_consent_and_what_is_stored(app, survey):
    anna = Respondent(app)
    anna.open(f"/t/oost/survey/{survey.tokens['anna']}")
    assert f'href="/t/oost/survey/personal/{survey.wave_id}/privacy"' in anna.page()
    page = anna.client.text(f"/t/oost/survey/personal/{survey.wave_id}/privacy")
    assert "Not your name, not your e-mail address and not your IP address." in page
    assert "The day on which you send your answers, not the time." in page
    assert "the organisation you worked for before the merger" in page and "your team in the programme" in page
    assert "groups of at least 6 people" in page  # k raised by the works council's condition
    assert "Answers to open questions are shown only for groups of at least 10 people" in page
    assert "kept with your personal link" in page and "detached from the link" in page
    assert "November 2, 2026" in page or "2 November 2026" in page
    assert "The works council agrees to the baseline." in page and "Only groups of six or more are reported." in page
    # reachable from every step
    anna.send()
    assert "Privacy: what is stored and who sees what" in anna.page()


# ---- the open link -------------------------------------------------------------------------

def test_the_open_link_takes_one_answer_per_browser_and_says_it_is_weaker(app, make, survey):
    with make.session(survey.id) as db:
        open_token = service.enable_open_link(db, db.get(Wave, survey.wave_id))
    link = f"/t/oost/survey/open/{open_token}"
    visitor = Respondent(app)
    visitor.open(link)
    assert visitor.here == f"/t/oost/survey/shared/{survey.wave_id}/step/welcome"
    welcome = visitor.page()
    assert "anyone who has the link can answer" in welcome and "more than once" in welcome
    assert "kept in this browser until you close it" in welcome
    assert "open link" in visitor.client.text(f"/t/oost/survey/shared/{survey.wave_id}/privacy")

    visitor.send()
    assert visitor.step == "values-personal"  # no "about you": open-link answers keep no group
    visitor.send({"values": ["trust"]}, action="save")
    assert "in this browser" in visitor.page()
    assert _count(make, survey, PooledAnswer) == 0  # the draft lives in the browser, not in the database
    visitor.open(link)
    assert visitor.step == "values-personal" and 'value="trust" checked' in visitor.page()

    invitations_before = _invitations(make, survey)
    visitor.here = f"/t/oost/survey/shared/{survey.wave_id}/step/welcome"
    answer_everything(visitor, survey, about=False)
    assert "answered from this browser" in visitor.page()
    assert _count(make, survey, PooledAnswer) == 1
    assert _invitations(make, survey) == invitations_before  # no invitation was used

    # the same browser is not asked again; another browser can answer (best effort, as the page says)
    visitor.client.get(link)
    assert visitor.client.get(link).headers["Location"].endswith("/thanks")
    assert visitor.client.get(f"/t/oost/survey/shared/{survey.wave_id}/step/values-personal").headers[
        "Location"].endswith("/thanks")
    other = Respondent(app)
    other.open(link)
    assert other.step == "welcome"
    answer_everything(other, survey, about=False)
    assert _count(make, survey, PooledAnswer) == 2

    # a renewed link: the old one no longer works
    with make.session(survey.id) as db:
        service.enable_open_link(db, db.get(Wave, survey.wave_id))
    assert app.test_client().get(link).status_code == 404


def _invitations(make, survey):
    with make.session(survey.id) as db:
        return sorted((i.id, i.answered, json.dumps(i.draft)) for i in db.scalars(select(SurveyInvitation)))


# ---- the preview ---------------------------------------------------------------------------

def _all_rows(owner_engine):
    with owner_engine.connect() as conn:
        conn.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        return {t.name: conn.execute(text(f"SELECT * FROM {t.name} ORDER BY 1")).all() for t in metadata.sorted_tables
                if t.name not in ("users",)}  # a log-in records itself on the user


def test_the_preview_shows_every_step_and_stores_nothing(app, make, survey, owner_engine):
    with make.session(survey.id) as db:
        draft_wave = service.create_wave(db, name="Eindmeting", instruments=("culture",), groupings=())
        draft_id = draft_wave.id
    admin = Respondent(app)
    admin.client.login(survey.admin_email)
    before = _all_rows(owner_engine)

    page = admin.client.text(f"/t/oost/survey/preview/{survey.wave_id}")
    assert "Preview." in page and "Nothing you enter here is stored" in page and "Step 1 of 11" in page
    admin.here = f"/t/oost/survey/preview/{survey.wave_id}/step/welcome"
    answer_everything(admin, survey)
    thanks = admin.page()
    assert "In a preview nothing was sent or stored." in thanks

    # a wave still in preparation, with only the culture profile
    admin.here = f"/t/oost/survey/preview/{draft_id}/step/welcome"
    assert "Step 1 of 4" in admin.page()
    admin.send()
    assert admin.step == "culture-now"
    wrong = culture("now")
    wrong["d1_clan_now"] = "0"
    assert "add up to 60" in admin.send(wrong).get_data(as_text=True)
    admin.send(culture("now"))
    admin.send(culture("preferred"))
    review = admin.page()
    assert "Finish the preview" in review and "does not send anything" in review
    admin.send(action="submit")
    assert admin.step == "thanks"
    assert "Privacy statement" in admin.client.text(f"/t/oost/survey/preview/{draft_id}/privacy")

    assert _all_rows(owner_engine) == before


def test_answers_too_long_for_the_browser_are_refused_with_a_message_and_kept_on_the_page(app, make, survey):
    """Open-link and preview drafts live in the session cookie, which browsers cap at 4 KB: rather than
    lose a draft silently, the page asks to shorten the written answers."""
    import secrets

    with make.session(survey.id) as db:
        wave = service.create_wave(db, name="Open vragen", instruments=("contract",), groupings=(), questions=[
            {"kind": "open", "nl": f"Vraag {n}", "en": f"Question {n}"} for n in range(1, 4)])
        wave_id = wave.id
    admin = Respondent(app)
    admin.client.login(survey.admin_email)
    admin.here = f"/t/oost/survey/preview/{wave_id}/step/questions"
    long_answers = {f"q{n}": secrets.token_urlsafe(1400) for n in range(1, 4)}  # random text does not compress
    response = admin.send(long_answers)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Your answers are too long to keep in this browser." in page
    assert long_answers["q2"] in page  # still on the page, to shorten
    response = admin.send({"q1": "Short and sweet."})
    assert response.status_code == 302 and admin.step == "review"
    assert "Short and sweet." in admin.page()


def test_only_admins_and_consultants_preview(app, make, survey):
    make.member(survey, "connie@oost.example", roles=["consultant"])
    consultant = app.test_client()
    consultant.login("connie@oost.example")
    assert consultant.get(f"/t/oost/survey/preview/{survey.wave_id}").status_code == 200
    member = app.test_client()
    member.login("anna@oost.example")
    assert member.get(f"/t/oost/survey/preview/{survey.wave_id}").status_code == 403
    assert app.test_client().get(f"/t/oost/survey/preview/{survey.wave_id}").status_code == 302  # log in first


# ---- JSON submission -----------------------------------------------------------------------

def _json_answers(survey):
    keys = survey.value_keys
    return {"values": {"personal": keys[:10], "team_current": keys[10:12], "org_current": [], "org_desired": keys[:1]},
            "culture": {k: int(v) for k, v in {**culture("now"), **culture("preferred")}.items()},
            "contract": {item.key: 3 for item in CONTRACT_ITEMS},
            "questions": {"q1": 2}}


def test_json_submission_201_400_404_409(app, make, survey):
    api = app.test_client()  # no session, no CSRF token: the token in the URL is what authenticates
    url = f"/t/oost/survey/{survey.tokens['femke']}/answers.json"
    attributes = {"legacy_org_id": survey.legacy_org_ids[2], "team_id": None, "tenure_band": "lt_2"}

    for body, part in (
        ({"answers": {**_json_answers(survey), "culture": {**_json_answers(survey)["culture"], "d2_clan_now": 41}}},
         "d2_now"),
        ({"answers": {**_json_answers(survey), "contract": {}}}, "promised_development"),
        ({"answers": {**_json_answers(survey), "questions": {}}}, "q1"),
    ):
        response = api.post(url, json=body)
        assert response.status_code == 400 and response.mimetype == "application/problem+json"
        assert response.get_json()["part"] == part, response.get_json()
    for body in ("not json", json.dumps([1, 2]), json.dumps({"answers": []}), json.dumps({"answers": {}, "extra": 1}),
                 json.dumps({"answers": {}, "attributes": {"legacy_org_id": "abc"}}),
                 json.dumps({"answers": {}, "attributes": {"legacy_org_id": 99999999999}}),
                 json.dumps({"answers": {}, "attributes": {"name": "Femke"}})):
        response = api.post(url, data=body, content_type="application/json")
        assert response.status_code == 400, body
        assert response.get_json()["status"] == 400
    response = api.post(url, json={"answers": _json_answers(survey), "attributes": {"legacy_org_id": 2**31 - 1}})
    assert response.status_code == 400 and "organisations" in response.get_json()["detail"]
    assert _count(make, survey, PooledAnswer) == 0 and not _invitation(make, survey, "femke")["answered"]

    response = api.post(url, json={"answers": _json_answers(survey), "attributes": attributes})
    assert response.status_code == 201 and response.get_json() == {"status": "received"}
    assert "Set-Cookie" not in response.headers
    with make.session(survey.id) as db:
        [pooled] = db.scalars(select(PooledAnswer)).all()
        assert pooled.payload["tenure_band"] == "lt_2" and pooled.payload["legacy_org_id"] == survey.legacy_org_ids[2]
    response = api.post(url, json={"answers": _json_answers(survey), "attributes": attributes})
    assert response.status_code == 409 and "already been answered" in response.get_json()["detail"]
    assert api.post("/t/oost/survey/unknown-token/answers.json", json={}).status_code == 404
    assert _count(make, survey, PooledAnswer) == 1


def test_json_submission_refuses_other_tenants_data_and_a_closed_wave(app, make, survey):
    api = app.test_client()
    other = make.tenant("west", legacy_orgs=("WES",))
    body = {"answers": _json_answers(survey)}

    # another tenant's organisation, a team that does not exist: 400, nothing stored
    for attributes, detail in (({"legacy_org_id": other.legacy_org_ids[0]}, "organisations"),
                               ({"team_id": survey.team_id + 1000}, "teams")):
        response = api.post(f"/t/oost/survey/{survey.tokens['gijs']}/answers.json", json={**body, "attributes": attributes})
        assert response.status_code == 400 and detail in response.get_json()["detail"], response.get_json()
    # the link under another tenant's address is simply unknown there
    response = api.post(f"/t/west/survey/{survey.tokens['gijs']}/answers.json", json=body)
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert _count(make, survey, PooledAnswer) == 0 and not _invitation(make, survey, "gijs")["answered"]

    # an organisation removed while an answer naming it waits in the pool: the answer is kept, without it
    from saas.administration import service as tenants_service

    with make.session(survey.id) as db:
        short_lived = tenants_service.add_legacy_org(db, code="TMP", name="Gemeente Tijdelijk")
    response = api.post(f"/t/oost/survey/{survey.tokens['eva']}/answers.json",
                        json={**body, "attributes": {"legacy_org_id": short_lived.id, "tenure_band": "lt_2"}})
    assert response.status_code == 201
    with make.session(survey.id) as db:
        tenants_service.delete_legacy_org(db, get_legacy_org(db, short_lived.id))

    with make.session(survey.id) as db:
        service.close_wave(db, db.get(Wave, survey.wave_id))
    with make.session(survey.id) as db:
        [kept] = db.scalars(select(Response)).all()
        # kept; and, the only answer of its group, it keeps nothing of it (saas.anonymity.microdata)
        assert kept.legacy_org_id is None and kept.tenure_band is None
        db.delete(kept)  # (so that the checks below start from an empty wave)
    response = api.post(f"/t/oost/survey/{survey.tokens['gijs']}/answers.json", json=body)
    assert response.status_code == 404  # the close scrubbed the links: an unknown link now (README, Retention)
    assert _count(make, survey, PooledAnswer) + _count(make, survey, Response) == 0
    assert not _invitation(make, survey, "gijs")["answered"]


# ---- many at once --------------------------------------------------------------------------

def _post_in_thread(app, url: str, body: dict, results: list):
    import threading

    def post():
        results.append(app.test_client().post(url, json=body).status_code)

    thread = threading.Thread(target=post)
    thread.start()
    return thread


def _wait_until_blocked(database, count: int, timeout: float = 15):
    """Until `count` of the app's connections wait for a lock held elsewhere."""
    import time

    deadline = time.monotonic() + timeout
    with database.engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                                        " AND wait_event_type = 'Lock'")).scalar()
            conn.rollback()
            if waiting >= count:
                return
            time.sleep(0.05)
    raise AssertionError(f"fewer than {count} requests came to wait")


def test_one_link_sent_twice_at_the_same_moment_is_taken_once(app, make, survey, database):
    url = f"/t/oost/survey/{survey.tokens['femke']}/answers.json"
    body = {"answers": _json_answers(survey)}
    results: list[int] = []
    with database.engine.connect() as blocker:
        # hold the invitation's row, so that both requests are surely under way at the same time
        sign_in_scope(blocker, survey.id)
        blocker.execute(text("SELECT id FROM survey_invitations WHERE token_hash = :h FOR UPDATE"),
                        {"h": hash_token(survey.tokens["femke"])})
        threads = [_post_in_thread(app, url, body, results) for _ in range(2)]
        _wait_until_blocked(database, 2)
        blocker.rollback()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == [201, 409]
    assert _count(make, survey, PooledAnswer) == 1 and _invitation(make, survey, "femke")["answered"]


def test_many_people_answering_at_once_lose_nothing_and_are_mixed_only_k_at_a_time(app, make, survey):
    from concurrent.futures import ThreadPoolExecutor

    body = {"answers": _json_answers(survey)}

    def post(who):
        return app.test_client().post(f"/t/oost/survey/{survey.tokens[who]}/answers.json", json=body).status_code

    with ThreadPoolExecutor(len(PEOPLE)) as pool:
        assert list(pool.map(post, PEOPLE)) == [201] * len(PEOPLE)
    mixed, waiting = _count(make, survey, Response), _count(make, survey, PooledAnswer)
    assert mixed + waiting == len(PEOPLE)
    assert mixed in (0, 6, 7)  # k is 6 for this wave: never fewer than k leave the pool at once
    with make.session(survey.id) as db:
        assert sum(i.answered for i in db.scalars(select(SurveyInvitation))) == len(PEOPLE)
        service.close_wave(db, db.get(Wave, survey.wave_id))
    assert _count(make, survey, Response) == len(PEOPLE) and _count(make, survey, PooledAnswer) == 0


def test_answers_arriving_while_the_mixing_job_waits_ask_for_no_second_one_and_that_job_mixes_them_all(app, make,
                                                                                                      survey):
    import uuid

    from saas.kernel.job_models import JobRun, args_key
    from saas.kernel.jobs import _Queued, _run_in_process

    args = (survey.id, survey.wave_id)
    waiting_run = uuid.uuid4().hex
    with make.session(survey.id) as db:  # the mixing job was asked for and waits for the worker
        db.add(JobRun(id=waiting_run, tenant_id=survey.id, function=service.MIX_JOB, args=list(args),
                      args_key=args_key(args), queue="default", status="queued", progress=0, attempts=0))
    body = {"answers": _json_answers(survey)}
    for who in PEOPLE:  # more than k (6) arrive meanwhile
        assert app.test_client().post(f"/t/oost/survey/{survey.tokens[who]}/answers.json", json=body).status_code == 201
    with make.session(survey.id) as db:
        runs = db.scalars(select(JobRun).where(JobRun.function == service.MIX_JOB)).all()
    assert [run.id for run in runs] == [waiting_run]  # no second job
    assert _count(make, survey, PooledAnswer) == len(PEOPLE) and _count(make, survey, Response) == 0
    with app.app_context():
        _run_in_process(_Queued(waiting_run, service.MIX_JOB, args))  # the worker gets to it
    assert _count(make, survey, PooledAnswer) == 0 and _count(make, survey, Response) == len(PEOPLE)


def test_an_answer_sent_while_the_wave_closes_is_refused_cleanly(app, make, survey, database):
    results: list[int] = []
    with make.session(survey.id) as db:
        service.close_wave(db, db.get(Wave, survey.wave_id))  # not yet committed: holds the wave's row
        thread = _post_in_thread(app, f"/t/oost/survey/{survey.tokens['anna']}/answers.json",
                                 {"answers": _json_answers(survey)}, results)
        _wait_until_blocked(database, 1)
    thread.join(30)
    assert results == [409]
    assert not _invitation(make, survey, "anna")["answered"]
    assert _count(make, survey, PooledAnswer) + _count(make, survey, Response) == 0


def test_a_wave_closed_while_an_answer_is_being_taken_in_still_mixes_that_answer(app, make, survey, database):
    import threading

    from saas.surveys import intake

    with app.app_context(), database.Session() as db:
        from tenants.scoping import set_scope

        set_scope(db, tenant_id=survey.id)
        intake.submit_by_token(db, db.get(Tenant, survey.id), survey.tokens["bram"], _json_answers(survey), {},
                               date.today())  # taken in, not yet committed

        def close():
            with make.session(survey.id) as other:
                service.close_wave(other, other.get(Wave, survey.wave_id))

        closing = threading.Thread(target=close)
        closing.start()
        _wait_until_blocked(database, 1)  # the close waits for the answer being taken in
        db.commit()
    closing.join(30)
    assert _count(make, survey, PooledAnswer) == 0 and _count(make, survey, Response) == 1


# ---- language ------------------------------------------------------------------------------

def test_the_survey_speaks_the_respondents_language_and_the_header_switch_works(app, make, survey):
    with make.session() as db:
        db.execute(Tenant.__table__.update().where(Tenant.id == survey.id).values(language="nl"))
    gijs = Respondent(app)
    gijs.open(f"/t/oost/survey/{survey.tokens['gijs']}")
    gijs.send()
    gijs.send({"legacy_org_id": "none", "team_id": "none", "tenure_band": "none"})
    page = gijs.page()
    assert '<html lang="nl">' in page and "Mijn waarden" in page and "vertrouwen" in page
    response = gijs.client.submit("/language", {"language": "en", "next": gijs.here}, page=gijs.here)
    assert response.headers["Location"] == gijs.here
    page = gijs.page()
    assert '<html lang="en">' in page and "My values" in page and "trust" in page


# ---- the rules, without a request -----------------------------------------------------------

class _Wave:
    def __init__(self, **values):
        self.instruments, self.groupings, self.questions = ["values"], [], []
        self.value_keys = ["trust", "humour"]
        self.__dict__.update(values)


def test_a_wave_has_only_the_steps_it_asks():
    assert [s.key for s in answering.steps(_Wave())] == [
        "welcome", "values-personal", "values-team-current", "values-org-current", "values-org-desired", "review"]
    wave = _Wave(instruments=["contract", "culture"], groupings=["tenure"], questions=[{"key": "q1", "kind": "open"}])
    assert [s.key for s in answering.steps(wave)] == [
        "welcome", "about", "culture-now", "culture-preferred", "contract", "questions", "review"]
    assert answering.asked_attributes(wave) == ["tenure_band"]


def test_form_fields_become_a_draft_and_the_draft_becomes_answers():
    wave = _Wave(instruments=["values", "culture"], groupings=["legacy_org", "tenure"])
    options = answering.AboutOptions(legacy_orgs=[(7, "Gemeente Aal")])
    about = answering.find_step(wave, "about")
    draft = answering.take(wave, about, MultiDict({"legacy_org_id": "8", "tenure_band": "none"}), None, options)
    assert draft["attributes"] == {"tenure_band": "none"}  # 8 is not on the list
    assert [p.part for p in answering.problems(wave, about, draft, "en", options)] == ["legacy_org_id"]
    draft = answering.take(wave, about, MultiDict({"legacy_org_id": "7", "tenure_band": "none"}), draft, options)
    assert answering.problems(wave, about, draft, "en", options) == []

    values = answering.find_step(wave, "values-personal")
    draft = answering.take(wave, values, MultiDict([("values", "humour"), ("values", "nope"), ("values", "humour")]),
                           draft)
    assert draft["answers"]["values"]["personal"] == ["humour"]

    now = answering.find_step(wave, "culture-now")
    draft = answering.take(wave, now, MultiDict({**culture("now"), "d2_market_now": " 7x "}), draft)
    assert draft["answers"]["culture"]["d2_market_now"] == "7x"
    [problem] = answering.problems(wave, now, draft, "nl", options)
    assert problem.part == "d2_now" and problem.anchor == "d2_clan_now"
    assert answering.culture_total(draft, 2, "now") is None and answering.culture_total(draft, 1, "now") == 100

    answers, attributes = answering.submission(wave, draft)
    assert attributes == {"legacy_org_id": 7, "tenure_band": None}
    assert answers["values"] == {"personal": ["humour"], "team_current": [], "org_current": [], "org_desired": []}
    assert answers["culture"]["d1_clan_preferred"] == 0  # never filled in: counts as 0, and the check refuses it
    assert answering.load({"values": {"personal": ["trust"]}}) == answering.new_draft()  # an older shape starts afresh


# ---- signed in: from "your surveys" instead of the mailed link --------------------------------

def test_a_signed_in_member_starts_from_your_surveys_and_the_mailed_link_then_stops(app, make, survey):
    bram = app.test_client()
    bram.login("bram@oost.example")
    mine = bram.text("/t/oost/survey/mine")
    assert "Nulmeting 2026" in mine and "Answer the survey" in mine
    response = bram.submit(f"/t/oost/survey/mine/{survey.wave_id}/start", page="/t/oost/survey/mine")
    assert response.headers["Location"] == f"/t/oost/survey/personal/{survey.wave_id}/step/welcome"
    # only the hash of the mailed token was kept, so a new one replaced it: the old link is dead
    assert app.test_client().get(f"/t/oost/survey/{survey.tokens['bram']}").status_code == 404

    person = Respondent(app)
    person.client = bram
    person.here = response.headers["Location"]
    answer_everything(person, survey)
    assert "You have answered this survey. Thank you!" in bram.text("/t/oost/survey/mine")
    # someone not invited has nothing to start
    outsider = make.member(survey, "late@oost.example")  # noqa: F841
    late = app.test_client()
    late.login("late@oost.example")
    assert "There is no open survey for you at the moment." in late.text("/t/oost/survey/mine")
    assert late.submit(f"/t/oost/survey/mine/{survey.wave_id}/start",
                       page="/t/oost/survey/mine").status_code == 404


def test_a_link_kept_in_the_session_does_not_survive_logout_and_login_as_someone_else(app, make, survey):
    """A shared computer: Anna opens her mailed link and logs out; Bram logs in on the same browser."""
    browser = app.test_client()
    browser.submit("/language", {"language": "nl"}, page="/login")
    browser.login("anna@oost.example")
    person = Respondent(app)
    person.client = browser
    person.open(f"/t/oost/survey/{survey.tokens['anna']}")
    assert person.step == "welcome"
    step = f"/t/oost/survey/personal/{survey.wave_id}/step/welcome"
    assert browser.get(step).status_code == 200  # the token is kept in the session
    browser.submit("/logout", page="/account")
    assert browser.get(step).status_code == 404  # logged out: Anna's survey is gone from this browser
    assert "Inloggen" in browser.text("/login")  # the language chosen in the header is kept

    # a token kept by a visitor who is not logged in does not pass to whoever logs in next
    person.open(f"/t/oost/survey/{survey.tokens['anna']}")
    assert browser.get(step).status_code == 200
    browser.login("bram@oost.example")
    assert browser.get(step).status_code == 404


def test_what_an_anonymous_visitor_can_send_is_a_clear_4xx_never_a_500(app, make, survey):
    """Issue 17 §10: a NUL byte in the tenant's slug, and a JSON body nested deeper than a parser
    recurses, were both 500s. Each is now a clear answer: a problem document on the JSON endpoint."""
    visitor = app.test_client()
    for url in ("/t/oo%00st/survey/mine", "/t/%00/", f"/t/oost%00/survey/{survey.tokens['dirk']}"):
        response = visitor.get(url)
        assert response.status_code in (400, 404), (url, response.status_code)
        assert "Something went wrong" not in response.get_data(as_text=True)
    response = visitor.post(f"/t/oo%00st/survey/{survey.tokens['dirk']}/answers.json", json={})
    assert response.status_code in (400, 404) and response.mimetype == "application/problem+json"

    url = f"/t/oost/survey/{survey.tokens['dirk']}/answers.json"
    for depth in (100_000, 5_000, 900):
        deep = "[" * depth + "]" * depth
        for body in (deep, '{"answers": {"questions": {"q1": ' + deep + "}}}"):
            response = visitor.post(url, data=body, content_type="application/json")
            assert response.status_code == 400, (depth, response.status_code)
            assert response.mimetype == "application/problem+json" and response.get_json()["status"] == 400
    response = visitor.post("/t/oost/survey/unknown/answers.json", data="[" * 100_000, content_type="application/json")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert not _invitation(make, survey, "dirk")["answered"]
    # and the person can still answer afterwards
    response = visitor.post(url, json={"answers": _json_answers(survey)})
    assert response.status_code == 201, response.get_json()


def test_after_continuing_in_the_app_the_pages_no_longer_send_people_to_the_dead_mailed_link(app, make, survey):
    """Issue 17 §6: starting from "Your surveys" renews the token, so the mailed link stops working, but
    the welcome and "saved" pages still told people to open it to continue. They now say where to go."""
    carmen = app.test_client()
    carmen.login("carmen@oost.example")
    response = carmen.submit(f"/t/oost/survey/mine/{survey.wave_id}/start", page="/t/oost/survey/mine")
    person = Respondent(app)
    person.client, person.here = carmen, response.headers["Location"]
    welcome = person.page()
    assert "the link in your invitation e-mail no longer works" in welcome and "“Your surveys”" in welcome
    assert "open the same link from your invitation e-mail" not in welcome
    saved = carmen.text(person.send(action="save").headers["Location"])
    assert "Your answers are saved" in saved
    assert "the link in your invitation e-mail no longer works" in saved and "/t/oost/survey/mine" in saved
    assert "open the same link from your invitation e-mail" not in saved and "its link works too" not in saved
    # the mailed link is dead indeed, and its page says why and where to continue
    dead = app.test_client().get(f"/t/oost/survey/{survey.tokens['carmen']}")
    assert dead.status_code == 404
    assert "If you started this survey in Koers while signed in" in dead.get_data(as_text=True)
    # "Your surveys" takes her back to where she left off
    again = carmen.submit(f"/t/oost/survey/mine/{survey.wave_id}/start", page="/t/oost/survey/mine")
    assert again.headers["Location"] == f"/t/oost/survey/personal/{survey.wave_id}/step/welcome"

    # someone who follows the mailed link is still told to use it
    dirk = Respondent(app)
    dirk.open(f"/t/oost/survey/{survey.tokens['dirk']}")
    assert "open the same link from your invitation e-mail" in dirk.page()
    saved = dirk.client.text(dirk.send(action="save").headers["Location"])
    assert "open the same link from your invitation e-mail again" in saved and "no longer works" not in saved
