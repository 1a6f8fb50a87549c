"""One of every kind of object in a tenant, made as users make them, keyed by URL argument name.

The wrong-tenant crawl, the role table and the bad-input test all use `populate`, so a feature
that adds routes adds one builder here and is covered by all three. Every name a builder gives
contains "(<slug>)", which lets the crawl recognise a tenant's data wherever it shows up.
"""
from __future__ import annotations

from sqlalchemy import select

from saas.kernel import consent
from saas.reports.release import release_and_compare
from tests.helpers import link_in, works_council

BUILDERS = []
# URL arguments that are capabilities (knowing them grants access), not ids to be scoped.
CAPABILITIES = {"token", "survey_token", "open_token"}
CAPABILITIES |= {"pulse_token", "feedback_token"}  # personal links of pulse checks and 360 rounds
CAPABILITIES |= {"enrol_token"}  # the one-time link that enrols a kiosk tablet
CAPABILITIES |= {"answer_code"}  # a survey's answer code on paper


def builder(fn):
    BUILDERS.append(fn)
    return fn


def populate(app, make, tenant) -> dict:
    objects = {"slug": tenant.slug}
    admin = app.test_client()
    admin.login(tenant.admin_email)
    for build in BUILDERS:
        objects.update(build(app, make, tenant, admin, objects))
    return objects


@builder
def foundation(app, make, tenant, admin, objects):
    from tenants.models import Invitation

    slug = tenant.slug
    member_id = make.member(tenant, f"colleague@{slug}.example", legacy_org_id=tenant.legacy_org_ids[0],
                            name=f"Colleague ({slug})")
    response = admin.submit(f"/t/{slug}/admin/invitations", {"email": f"invited@{slug}.example",
                                                              "roles": ["member"], "legacy_org_id": ""})
    assert response.status_code == 302
    token = link_in(make.mails_to(f"invited@{slug}.example")[-1].body).rsplit("/", 1)[1]
    with make.session(tenant.id) as db:
        invitation_id = db.scalar(select(Invitation.id).where(Invitation.email == f"invited@{slug}.example"))
    return {"legacy_org_id": tenant.legacy_org_ids[0], "membership_id": member_id,
            "invitation_id": invitation_id, "token": token}


@builder
def programme(app, make, tenant, admin, objects):
    """A programme with a theme (sponsored by the colleague), a supporter and a team."""
    from datetime import date

    from saas.programme import service
    from tenants.models import Membership, MembershipRole

    slug = tenant.slug
    with make.session(tenant.id) as db:
        colleague = db.get(Membership, objects["membership_id"])
        colleague.role_rows.append(MembershipRole(role="sponsor"))
        admin_membership = db.scalar(select(Membership).join(Membership.user)
                                     .where(Membership.user.has(email=tenant.admin_email)))
        prog = service.create_programme(db, name=f"Programme ({slug})", goal=f"Grow together ({slug})",
                                        starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
        theme = service.save_theme(db, prog, None, title=f"Client first ({slug})", problem=f"Waiting times ({slug})",
                                   why_it_matters="", desired_outcome="", pillar="")
        service.set_sponsors(db, theme, [colleague.id])
        service.support(db, theme, colleague, f"Because ({slug})")
        team = service.propose_team(db, prog, theme, admin_membership, name=f"Team ({slug})", goal=f"Goal ({slug})")
        return {"programme_id": prog.id, "theme_id": theme.id, "team_id": team.id}


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@builder
def pitch(app, make, tenant, admin, objects):
    """The team's pitch with a written section and an attached PDF."""
    from saas.pitches import service
    from saas.programme.service import get_team
    from tenants.models import Membership

    slug = tenant.slug
    with make.session(tenant.id) as db:
        team = get_team(db, objects["team_id"])
        lead = db.get(Membership, team.lead.membership_id)
        pitch = service.start_pitch(db, team, lead, f"Business case ({slug})")
        service.save_section(db, pitch, "problem", f"Clients wait too long ({slug})", 0, lead)
        attachment = service.add_attachment(db, pitch, f"plan-{slug}.pdf", PDF_BYTES, lead)
        return {"pitch_id": pitch.id, "attachment_id": attachment.id, "key": "problem"}


@builder
def worklog(app, make, tenant, admin, objects):
    """A work session with an action, a benchmark visit and a client interview, logged by the admin."""
    from datetime import date

    from saas.kernel.errors import DomainError
    from saas.programme import service
    from saas.programme.models import TeamMember
    from saas.worklog.models import Action, WorkSession
    from tenants.models import Membership

    slug = tenant.slug
    created = {}
    with make.session(tenant.id) as db:
        admin_membership = db.scalar(select(Membership).where(Membership.user.has(email=tenant.admin_email)))
        if "team_id" in objects:
            team = service.get_team(db, objects["team_id"])
            if not service.is_team_member(team, admin_membership):
                try:
                    service.join_team(db, service.get_programme(db, service.get_theme(db, team.theme_id).programme_id),
                                      team, admin_membership)
                except DomainError:  # the programme's rules may not allow it; the log needs a member
                    db.add(TeamMember(team_id=team.id, membership_id=admin_membership.id))
        else:
            prog = service.create_programme(db, name=f"Log programme ({slug})", goal="", starts_on=date(2026, 1, 1),
                                            ends_on=date(2026, 12, 31))
            theme = service.save_theme(db, prog, None, title=f"Log theme ({slug})", problem=f"Problem ({slug})",
                                       why_it_matters="", desired_outcome="", pillar="")
            team = service.propose_team(db, prog, theme, admin_membership, name=f"Log team ({slug})", goal="")
            created = {"programme_id": prog.id, "theme_id": theme.id, "team_id": team.id}
        team_id, admin_id = team.id, admin_membership.id
    log = f"/t/{slug}/teams/{team_id}/log"
    for url, form in (
        (f"{log}/sessions/new", {"held_on": "2026-03-02", "attendee_ids": [str(admin_id)],
                                 "notes": f"Kick-off notes ({slug})", "decisions": f"We start ({slug})",
                                 "actions-0-description": f"Plan a visit ({slug})",
                                 "actions-0-owner_id": str(admin_id), "actions-0-due_on": "2026-03-16"}),
        (f"{log}/visits/new", {"visited_on": "2026-03-10", "organisation": f"Gemeente Elders ({slug})",
                               "learned": f"Short lines ({slug})"}),
        (f"{log}/interviews/new", {"held_on": "2026-03-12", "client_profile": f"Single parent, thirties ({slug})",
                                   "findings": f"Too many forms ({slug})"}),
    ):
        response = admin.submit(url, form)
        assert response.status_code == 302, (url, response.get_data(as_text=True)[:2000])
    with make.session(tenant.id) as db:
        work_session_id = db.scalar(select(WorkSession.id).where(WorkSession.team_id == team_id))
        action_id = db.scalar(select(Action.id).where(Action.work_session_id == work_session_id))
    return {**created, "work_session_id": work_session_id, "action_id": action_id}


@builder
def reviews(app, make, tenant, admin, objects):
    """A criterion on the programme's scorecard, added by the admin (nothing pitch-related: the
    world's pitch is still a draft, and only submitted pitches are reviewed)."""
    from datetime import date

    from saas.pitches import review
    from saas.programme import service

    slug = tenant.slug
    created = {}
    with make.session(tenant.id) as db:
        if "programme_id" in objects:
            prog = service.get_programme(db, objects["programme_id"])
        else:
            prog = service.create_programme(db, name=f"Review programme ({slug})", goal="",
                                            starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
            created["programme_id"] = prog.id
        programme_id = prog.id
    response = admin.submit(f"/t/{slug}/programmes/{programme_id}/scorecard",
                            {"name": f"Value for clients ({slug})", "description": f"Who gains ({slug})",
                             "weight": "3", "position": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with make.session(tenant.id) as db:
        criterion_id = review.criteria(db, service.get_programme(db, programme_id))[0].id
    return {**created, "criterion_id": criterion_id}


@builder
def survey_respondent(app, make, tenant, admin, objects):
    """An open wave asking everything, with the colleague's personal survey link and the open link."""
    from datetime import date

    from saas.surveys import service
    from tenants.models import Membership, Tenant

    slug = tenant.slug
    with make.session(tenant.id) as db:
        wave = service.create_wave(
            db, name=f"Survey ({slug})", groupings=("legacy_org", "team", "tenure"),
            questions=[{"kind": "likert", "nl": f"Vraag ({slug})", "en": f"Question ({slug})"},
                       {"kind": "open", "nl": f"Open vraag ({slug})", "en": f"Open question ({slug})"}])
        service.record_consent(db, wave, by=works_council(db), decided_on=date(2026, 11, 2),
                               decision=f"Agreed ({slug})", document=consent.document("besluit.pdf", PDF_BYTES))
        service.open_wave(db, db.get(Tenant, tenant.id), wave)
        [(_member, survey_token)] = service.invite(db, wave, [db.get(Membership, objects["membership_id"])])
        open_token = service.enable_open_link(db, wave)
        return {"wave_id": wave.id, "survey_token": survey_token, "open_token": open_token, "step": "about"}


@builder
def answer_codes(app, make, tenant, admin, objects):
    """A batch of one answer code for the respondent's wave (the service the admin's page calls: its answer is
    the PDF, which holds the only copy of the code)."""
    from saas.surveys import codes
    from saas.surveys.models import Wave

    with make.session(tenant.id) as db:
        _batch, [code] = codes.order_batch(db, app.config["KOERS"].secret_key, db.get(Wave, objects["wave_id"]),
                                           count=1, label=f"Canteen ({tenant.slug})")
    return {"answer_code": code}


@builder
def sms_invitation(app, make, tenant, admin, objects):
    """An SMS invitation on the respondent's wave, made by the service the SMS page calls with a provider set up
    (the crawls' app has none: its message waits unsent, and the wave's SMS page counts it as waiting)."""
    from types import SimpleNamespace

    from saas.surveys import sms
    from saas.surveys.models import Wave
    from tenants.models import Tenant

    provider = SimpleNamespace(sms_enabled=True, secret_key=app.config["KOERS"].secret_key)
    with make.session(tenant.id) as db:
        sms.invite_by_sms(db, provider, db.get(Tenant, tenant.id), db.get(Wave, objects["wave_id"]),
                          [(1, "+31612345678")])
    return {}


@builder
def survey_waves(app, make, tenant, admin, objects):
    """A wave made, consented and launched through the admin's pages, asking the team by mail, and a
    value of the tenant's own in the catalogue. Another builder's wave stays `wave_id` when there is
    one: any wave serves the admin's pages."""
    from datetime import date, timedelta

    from saas.surveys.models import Wave

    slug = tenant.slug
    waves = f"/t/{slug}/waves"
    response = admin.submit(f"{waves}/new", {
        "name": f"Baseline ({slug})", "series_label": "other", "series_other": f"Start ({slug})",
        "programme_id": str(objects.get("programme_id", "")), "instruments": ["values", "culture"],
        "groupings": ["legacy_org"], "opens_on": date.today().isoformat(),
        "closes_on": (date.today() + timedelta(days=14)).isoformat(),
        "audience_team_ids": [str(objects["team_id"])] if "team_id" in objects else [],
        "questions-0-kind": "open", "questions-0-nl": f"Wat valt op? ({slug})",
        "questions-0-en": f"What stands out? ({slug})"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with make.session(tenant.id) as db:
        wave_id = db.scalar(select(Wave.id).where(Wave.name == f"Baseline ({slug})"))
    import io

    signed = (io.BytesIO(b"%PDF-1.4\n% the works council's signed decision\n%%EOF\n"), f"besluit-{slug}.pdf")
    for path, data in ((f"{waves}/{wave_id}/consent", {"decided_on": "2026-03-02", "decision": f"Agreed ({slug})",
                                                        "document": signed}),
                       (f"{waves}/{wave_id}/launch", {"invitations": "mail"}),
                       (f"{waves}/catalogue", {"nl": f"Wijkgericht ({slug})", "en": f"Neighbourhood focus ({slug})"})):
        response = admin.submit(path, data, page=f"{waves}/{wave_id}")
        assert response.status_code == 302, (path, response.get_data(as_text=True)[:2000])
    return {} if "wave_id" in objects else {"wave_id": wave_id}


@builder
def job_run(app, make, tenant, admin, objects):
    """A background job of the tenant that failed, as the platform admin's job page lists it (made
    directly: making a job fail on purpose would need a broken worker)."""
    import uuid

    from saas.kernel.db import utcnow
    from saas.kernel.job_models import JobRun, args_key

    args = [tenant.id, objects["membership_id"]]
    with make.session(tenant.id) as db:
        run = JobRun(id=uuid.uuid4().hex, function="saas.administration.jobs.notify_invitation_accepted", args=args,
                     args_key=args_key(args), status="failed", attempts=1, finished_at=utcnow(),
                     error=f"The worker stopped while running this job ({tenant.slug}).")
        db.add(run)
    return {"job_id": run.id}


@builder
def comparison(app, make, tenant, admin, objects):
    """The stored cross-culture comparison of the world's wave (another builder's, or a closed wave of
    synthetic answers made here), so that the "run the comparison" button finds it up to date."""
    from saas.comparison import service, synth
    from saas.surveys.models import Wave
    from tenants.models import Tenant

    slug = tenant.slug
    created = {}
    with make.session(tenant.id) as db:
        # a comparison is made from a closed wave's release: the world's launched wave is still open
        wave = db.get(Wave, synth.synthesise(db, respondents=40, legacy_orgs=3, seed=1)[0])
        wave.name = f"Synthetic wave ({slug})"
        if "wave_id" not in objects:
            created["wave_id"] = wave.id
        release_and_compare(db, db.get(Tenant, tenant.id), wave)
    created["chart"] = "entropy"  # a chart of the comparison page and of the report (of a closed wave), to download
    return created


@builder
def reports(app, make, tenant, admin, objects):
    """A PDF of the world's wave's culture report, asked for by the admin on the report page (the job
    runs in-process in these tests)."""
    from saas.reports.models import ReportFile

    slug, wave_id = tenant.slug, objects["wave_id"]
    response = admin.submit(f"/t/{slug}/reports/waves/{wave_id}/pdf", {"action": "pdf"},
                            page=f"/t/{slug}/reports/waves/{wave_id}")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with make.session(tenant.id) as db:
        return {"file_id": db.scalar(select(ReportFile.id).where(ReportFile.wave_id == wave_id))}


@builder
def leadership(app, make, tenant, admin, objects):
    """A manager's promise, an open pulse check with the colleague's personal link, a 360 round of the
    manager (the admin as their own manager, the colleague as a peer) with the colleague's link, and
    a document as evidence for the promise."""
    from datetime import date, timedelta

    from saas.leadership import consistency, feedback, promises, pulses
    from saas.programme.service import create_programme, get_programme
    from tenants.models import Membership, Tenant

    slug = tenant.slug
    boss_id = make.member(tenant, f"boss@{slug}.example", roles=["management"], name=f"Boss ({slug})")
    created = {}
    with make.session(tenant.id) as db:
        tenant_row = db.get(Tenant, tenant.id)
        boss, colleague = db.get(Membership, boss_id), db.get(Membership, objects["membership_id"])
        admin_membership = db.scalar(select(Membership).where(Membership.user.has(email=tenant.admin_email)))
        if "programme_id" in objects:
            prog = get_programme(db, objects["programme_id"])
        else:
            prog = create_programme(db, name=f"Leadership programme ({slug})", goal="", starts_on=date(2026, 1, 1),
                                    ends_on=date(2026, 12, 31))
            created["programme_id"] = prog.id
        promise = promises.add_promise(db, prog, boss, f"We join a team for a morning every month ({slug})")
        pulse = pulses.plan_round(db, tenant_row, prog, name=f"Pulse check ({slug})", opens_on=date.today(),
                                  closes_on=date.today() + timedelta(days=14))
        pulses.record_consent(db, pulse, by=works_council(db), decided_on=date(2026, 3, 2),
                              decision=f"Agreed ({slug})", document=consent.document("besluit.pdf", PDF_BYTES))
        pulses.open_round(db, tenant_row, pulse, date.today())
        [(_member, pulse_token)] = pulses.invite(db, pulse, [colleague])
        feedback_round = feedback.start_round(db, tenant_row, prog, boss, coach_id=None, manager_id=admin_membership.id,
                                              peer_ids=[colleague.id], report_ids=[],
                                              closes_on=date.today() + timedelta(days=14), today=date.today())
        feedback_token = next(token for invitation, token in feedback.to_mail(db, feedback_round)
                              if invitation.membership_id == colleague.id)
        evidence = consistency.add_document(db, promise, boss, title=f"Decisions of March ({slug})",
                                        notes=f"Two decisions without a team's proposal ({slug})",
                                        rating="inconsistent", filename=f"decisions-{slug}.pdf", data=PDF_BYTES)
        return {**created, "promise_id": promise.id, "pulse_round_id": pulse.id, "pulse_token": pulse_token,
                "feedback_round_id": feedback_round.id, "feedback_token": feedback_token,
                "evidence_id": evidence.id, "evidence_kind": "interview"}


@builder
def pulse_answer_codes(app, make, tenant, admin, objects):
    """A batch of one answer code for the open pulse check (the service its page calls: the page answers with the
    PDF, which holds the only copy of the code). The crawls' <answer_code> stays the wave's code."""
    from saas.leadership import pulse_codes, pulses

    with make.session(tenant.id) as db:
        pulse_codes.order_batch(db, app.config["KOERS"].secret_key, pulses.get_round(db, objects["pulse_round_id"]),
                                count=1, label=f"Drivers ({tenant.slug})")
    return {}


@builder
def strategy(app, make, tenant, admin, objects):
    """The programme's strategy, made through the admin's pages: a pillar with a theme linked to it, an
    expectation round with a named contribution in a cluster, an action plan with an action owned by the
    colleague, the admin's own development goal, and a knowledge day whose workshop (hosted by the
    colleague) the admin attended and evaluated, its evaluations closed and released."""
    from saas.strategy.expectations import placement_key
    from saas.strategy.models import (
        ActionPlan, Contribution, DevelopmentGoal, ExpectationCluster, ExpectationRound, KnowledgeDay, Pillar,
        PlanAction, Workshop,
    )

    slug = tenant.slug
    base = f"/t/{slug}/strategy"
    programme_id, colleague = objects["programme_id"], objects["membership_id"]

    def post(url, data, page=None):
        response = admin.submit(url, data, page=page)
        assert response.status_code in (200, 302), (url, response.status_code)
        assert response.status_code == 302, (url, response.get_data(as_text=True)[:2000])

    def newest(model):
        with make.session(tenant.id) as db:
            return db.scalar(select(model.id).order_by(model.id.desc()).limit(1))

    post(f"{base}/programmes/{programme_id}/pillars/new",
         {"title": f"Entrepreneurial ({slug})", "meaning": f"Seeing chances ({slug})", "examples": f"A pilot ({slug})"})
    pillar_id = newest(Pillar)
    post(f"/t/{slug}/themes/{objects['theme_id']}/edit",
         {"title": f"Client first ({slug})", "problem": f"Waiting times ({slug})", "pillar_id": str(pillar_id),
          "sponsor_ids": [str(colleague)]})
    post(f"{base}/pillars/{pillar_id}/rounds/new", {"title": f"Session ({slug})", "held_on": "2026-03-02",
                                                     "invitation": f"What does it mean ({slug})?"})
    round_id = newest(ExpectationRound)
    post(f"{base}/rounds/{round_id}/contribute", {"kind": "meaning", "text": f"Daring to try ({slug})",
                                                  "identity": "named"}, page=f"{base}/rounds/{round_id}")
    post(f"{base}/rounds/{round_id}/clusters", {"name": f"Courage ({slug})"}, page=f"{base}/rounds/{round_id}/facilitate")
    cluster_id = newest(ExpectationCluster)
    key = placement_key(app.config["SECRET_KEY"], newest(Contribution))
    post(f"{base}/rounds/{round_id}/facilitate", {f"contribution-{key}": str(cluster_id)})
    post(f"{base}/programmes/{programme_id}/plans/new", {"year": "2026", "unit_kind": "region",
                                                          "unit_name": f"Region North ({slug})", "coordinator_id": ""})
    plan_id = newest(ActionPlan)
    post(f"{base}/plans/{plan_id}/actions/new", {"description": f"Pilot a client fund ({slug})",
                                                  "pillar_id": str(pillar_id), "owner_id": str(colleague),
                                                  "due_on": "2026-06-30", "status": "in_progress"})
    post(f"{base}/programmes/{programme_id}/my-goals", {"pillar_id": str(pillar_id),
                                                        "description": f"Learn to pitch ({slug})"})
    post(f"{base}/programmes/{programme_id}/knowledge-days/new",
         {"title": f"Knowledge day ({slug})", "held_on": "2026-05-12", "location": f"Town hall ({slug})",
          "description": f"Skills ({slug})"})
    day_id = newest(KnowledgeDay)
    post(f"{base}/knowledge-days/{day_id}/workshops/new",
         {"title": f"Client conversations ({slug})", "description": f"Practise ({slug})", "host_id": str(colleague),
          "pillar_id": str(pillar_id), "capacity": "12", "starts_at": "09:30", "ends_at": "11:00"})
    workshop_id = newest(Workshop)
    workshop = f"{base}/workshops/{workshop_id}"
    post(f"{workshop}/place", {"choice": "sign_up"}, page=workshop)
    with make.session(tenant.id) as db:
        from tenants.models import Membership

        admin_id = db.scalar(select(Membership.id).where(Membership.user.has(email=tenant.admin_email)))
    post(f"{workshop}/attendance", {"recorded": "yes", "attended_ids": [str(admin_id)]}, page=workshop)
    post(f"{workshop}/evaluate", {"score": "4", "comment": f"Useful ({slug})"}, page=workshop)
    post(f"{workshop}/evaluations", {"close": "Close the evaluations now"}, page=workshop)  # released
    return {"pillar_id": pillar_id, "expectation_round_id": round_id, "expectation_cluster_id": cluster_id,
            "action_plan_id": plan_id, "plan_action_id": newest(PlanAction),
            "development_goal_id": newest(DevelopmentGoal), "knowledge_day_id": day_id, "workshop_id": workshop_id}


@builder
def billing(app, make, tenant, admin, objects):
    """A consultancy, signed up by the tenant's admin, with this tenant as its client (billing is off in
    these tests, so nothing changes for the tenant): the consultancy's pages hold data to hide."""
    from billing.models import BillingAccountMember, TenantBilling
    from saas.auth.service import find_user

    response = admin.submit("/billing/consultancy/new", {"name": f"Consultancy ({tenant.slug})"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with make.session() as db:
        user = find_user(db, tenant.admin_email)
        owner = db.scalar(select(BillingAccountMember).where(BillingAccountMember.user_id == user.id))
        account_id, person_id = owner.account_id, owner.id
    with make.session(tenant.id) as db:
        db.add(TenantBilling(account_id=account_id))
    return {"tenant_id": tenant.id, "person_id": person_id}


@builder
def provisioning(app, make, tenant, admin, objects):
    """SCIM provisioning: a group mapping made on the admin's page, and a person and a group the identity provider
    made (through the API, with the tenant's token)."""
    from saas.scim.models import ScimGroupMapping

    slug = tenant.slug
    response = admin.submit(f"/t/{slug}/admin/provisioning", {"display_name": f"Staff ({slug})",
                                                              "target": f"org:{tenant.legacy_org_ids[0]}"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with make.session(tenant.id) as db:
        from saas.scim import service

        mapping_id = db.scalar(select(ScimGroupMapping.id))
        token = service.new_token(db)
    headers = {"Authorization": f"Bearer {token}"}
    idp = app.test_client()
    person = idp.post(f"/t/{slug}/scim/v2/Users", headers=headers, json={
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": f"provisioned@{slug}.example",
        "displayName": f"Provisioned ({slug})", "active": True})
    assert person.status_code == 201, person.get_json()
    group = idp.post(f"/t/{slug}/scim/v2/Groups", headers=headers, json={
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": f"Staff ({slug})",
        "members": [{"value": person.get_json()["id"]}]})
    assert group.status_code == 201, group.get_json()
    return {"mapping_id": mapping_id, "resource_id": person.get_json()["id"], "name": "User",
            "schema_id": "urn:ietf:params:scim:schemas:core:2.0:User", "anything": "Nothing"}


@builder
def exit_archive(app, make, tenant, admin, objects):
    """An exit archive the admin asked for, as its page lists it (the record only: making the archive is
    tests/test_exit.py's story, and its file is not needed to be refused)."""
    from saas.auth.service import find_user
    from saas.exit.models import TenantExport

    with make.session() as db:
        admin_id = find_user(db, tenant.admin_email).id
    with make.session(tenant.id) as db:
        export = TenantExport(requested_by_id=admin_id, status="done", stored_name=f"world-{tenant.slug}", size=1)
        db.add(export)
        db.flush()
        return {"export_id": export.id, "tenant_id": tenant.id}


@builder
def security_key(app, make, tenant, admin, objects):
    """A security key of an account of its own (one the crawls never log in as: its password would then ask for
    the key), registered on its page as a person does, with a key in software."""
    import html
    import re

    from saas.auth.security_keys import SecurityKey
    from tests.helpers import CSRF
    from tests.soft_authenticator import SoftKey

    email = f"keyholder@{tenant.slug}.example"
    make.user(email, name=f"Keyholder ({tenant.slug})")
    holder = app.test_client()
    holder.login(email)
    page = holder.text("/account/security-keys")
    options = html.unescape(re.search(r'data-options="([^"]+)"', page).group(1))
    response = holder.post("/account/security-keys", data={
        "csrf_token": CSRF.search(page).group(1), "name": f"Key ({tenant.slug})", "credential": SoftKey().create(options)})
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    with make.session() as db:
        key_id = db.scalar(select(SecurityKey.id).where(SecurityKey.name == f"Key ({tenant.slug})"))
    return {"key_id": key_id}


@builder
def departure(app, make, tenant, admin, objects):
    """Someone who left: removed by the admin, waiting on the retention page to be erased (saas.privacy)."""
    from saas.privacy.models import Departure

    slug = tenant.slug
    leaver = make.member(tenant, f"leaver@{slug}.example", name=f"Leaver ({slug})")
    response = admin.submit(f"/t/{slug}/admin/members/{leaver}/remove", {"action": "remove", "confirmed": "yes"},
                            page=f"/t/{slug}/admin/members")
    assert response.status_code == 302
    with make.session(tenant.id) as db:
        return {"departure_id": db.scalar(select(Departure.id).where(Departure.membership_id == leaver))}


@builder
def kiosk_device(app, make, tenant, admin, objects):
    """A kiosk tablet added on the admin's page, with its enrolment link (not used: the crawls may use it)."""
    import re

    response = admin.submit(f"/t/{tenant.slug}/admin/kiosks", {"name": f"Canteen ({tenant.slug})"})
    assert response.status_code == 302
    page = admin.text(response.headers["Location"])
    token = re.search(r'/kiosk/enrol/([^"]+)"', page).group(1)
    return {"device_id": int(response.headers["Location"].split("/")[-2]), "enrol_token": token}


@builder
def benchmark_participation(app, make, tenant, admin, objects):
    """The tenant takes part in the benchmark across tenants (issue 21 point 7), chosen on its page."""
    response = admin.submit(f"/t/{tenant.slug}/benchmark/sector", {"sector": "province"},
                            page=f"/t/{tenant.slug}/benchmark/")
    assert response.status_code == 302
    return {}


@builder
def figure_citation(app, make, tenant, admin, objects):
    """The action plan cites a figure of the closed synthetic wave (saas.actions): stored as the service stores
    it, with the value read from the wave's release (that wave belongs to no programme, so the page's own
    "start a plan" refuses it: it is made here directly)."""
    from saas.actions import figures
    from saas.actions.models import FigureCitation
    from saas.surveys.models import Wave

    with make.session(tenant.id) as db:
        wave = db.scalar(select(Wave).where(Wave.name == f"Synthetic wave ({tenant.slug})"))
        figure = figures.parse("contract@all")
        reading = figures.read(db, wave, figure)
        citation = FigureCitation(plan_id=objects["action_plan_id"], wave_id=wave.id, figure=figure.key,
                                  release_number=reading.release, group_name="",
                                  value=reading.value, n=reading.n)
        db.add(citation)
        db.flush()
        return {"figure_citation_id": citation.id}
