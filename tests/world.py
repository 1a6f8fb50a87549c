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
