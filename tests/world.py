"""One of every kind of object in a tenant, made as users make them, keyed by URL argument name.

The wrong-tenant crawl, the role table and the bad-input test all use `populate`, so a feature
that adds routes adds one builder here and is covered by all three. Every name a builder gives
contains "(<slug>)", which lets the crawl recognise a tenant's data wherever it shows up.
"""
from __future__ import annotations

from sqlalchemy import select

from tests.helpers import link_in

BUILDERS = []
# URL arguments that are capabilities (knowing them grants access), not ids to be scoped.
CAPABILITIES = {"token"}


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

    from saas.errors import DomainError
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
