"""Roles: one guard per tenant view, and a table of (role, endpoint) -> allowed or refused."""
import pytest

from tenants.guards import Guard
from tests.world import populate

ADMIN_ONLY = {"admin"}
EVERYONE = {"admin", "management", "sponsor", "member", "works_council", "consultant"}
PARTICIPANTS = {"member", "sponsor"}  # who supports themes and forms teams
TEAM_ROLES = {"admin", "management", "sponsor", "member"}  # who can have a relation to a team

# Every tenant endpoint and the roles that may use it. A new tenant view must be added here.
ACCESS = {
    "tenant.dashboard": EVERYONE,
    "tenant.settings": ADMIN_ONLY,
    "tenant.legacy_orgs": ADMIN_ONLY,
    "tenant.edit_legacy_org": ADMIN_ONLY,
    "tenant.delete_legacy_org": ADMIN_ONLY,
    "tenant.members": ADMIN_ONLY,
    "tenant.edit_member": ADMIN_ONLY,
    "tenant.remove_member": ADMIN_ONLY,
    "tenant.invitations": ADMIN_ONLY,
    "tenant.resend_invitation": ADMIN_ONLY,
    "tenant.revoke_invitation": ADMIN_ONLY,
    "tenant.accept_invitation": "public",
    "programme.programmes": EVERYONE,
    "programme.create_programme": {"admin", "management"},
    "programme.overview": EVERYONE,
    "programme.edit_programme": {"admin", "management"},
    "programme.advance_phase": ADMIN_ONLY,
    "programme.board": {"admin", "management", "consultant"},
    "programme.create_theme": {"admin", "management"},
    "programme.theme": EVERYONE,
    "programme.edit_theme": {"admin", "management", "sponsor"},
    "programme.support": PARTICIPANTS,
    "programme.withdraw": PARTICIPANTS,
    "programme.recruit": {"sponsor"},
    "programme.message_supporters": {"sponsor"},
    "programme.propose_team": PARTICIPANTS,
    "programme.team": EVERYONE,
    "programme.join_team": PARTICIPANTS,
    "programme.leave_team": PARTICIPANTS,
    "programme.inbox": EVERYONE,
    "programme.mark_read": EVERYONE,
    "pitches.pitch": EVERYONE,
    "pitches.edit_section": EVERYONE,
    "pitches.history": EVERYONE,
    "pitches.upload": EVERYONE,
    "pitches.download": EVERYONE,
    "pitches.delete_attachment": EVERYONE,
    "pitches.submit": EVERYONE,
    "pitches.withdraw": EVERYONE,
    "worklog.log": TEAM_ROLES,
    "worklog.new_session": TEAM_ROLES,
    "worklog.edit_session": TEAM_ROLES,
    "worklog.set_action_done": TEAM_ROLES,
    "worklog.new_visit": TEAM_ROLES,
    "worklog.new_interview": TEAM_ROLES,
    "worklog.export_csv": TEAM_ROLES,
    "worklog.export_pdf": TEAM_ROLES,
    "reviews.scorecard": {"admin", "management"},
    "reviews.save_criterion": ADMIN_ONLY,
    "reviews.delete_criterion": ADMIN_ONLY,
    "reviews.review": {"management"},
    "reviews.decide": {"management"},
    "reviews.pitch_day": {"admin", "management", "consultant"},
    "reviews.pitches": EVERYONE,
    # the cross-culture comparison: admins, management and consultants
    "comparison.index": {"admin", "management", "consultant"},
    "comparison.wave": {"admin", "management", "consultant"},
    "comparison.run": {"admin", "management", "consultant"},
    "comparison.status": {"admin", "management", "consultant"},
    # the admin's survey pages: admins and consultants run waves, management reads them
    "surveys.waves": {"admin", "consultant", "management"},
    "surveys.wave": {"admin", "consultant", "management"},
    "surveys.response_rates": {"admin", "consultant", "management"},
    "surveys.create_wave": {"admin", "consultant"},
    "surveys.edit_wave": {"admin", "consultant"},
    "surveys.consent": {"admin", "consultant"},
    "surveys.launch": {"admin", "consultant"},
    "surveys.remind": {"admin", "consultant"},
    "surveys.close": {"admin", "consultant"},
    "surveys.enable_open_link": {"admin", "consultant"},
    "surveys.disable_open_link": {"admin", "consultant"},
    "surveys.import_responses": {"admin", "consultant"},
    "surveys.catalogue": {"admin", "consultant"},
    "surveys.set_value_visibility": {"admin", "consultant"},
    # the respondent's survey pages: the links are capabilities, no account needed; preview for the makers
    "respond.mine": EVERYONE,
    "respond.start": EVERYONE,
    "respond.personal_link": "public",
    "respond.personal_step": "public",
    "respond.personal_privacy": "public",
    "respond.personal_saved": "public",
    "respond.personal_thanks": "public",
    "respond.submit_json": "public",
    "respond.open_link": "public",
    "respond.open_step": "public",
    "respond.open_privacy": "public",
    "respond.open_saved": "public",
    "respond.open_thanks": "public",
    "respond.preview": {"admin", "consultant"},
    "respond.preview_step": {"admin", "consultant"},
    "respond.preview_privacy": {"admin", "consultant"},
    "respond.preview_saved": {"admin", "consultant"},
    "respond.preview_thanks": {"admin", "consultant"},
}


# Endpoints whose guard lets a role in, after which the object decides (a sponsor's own theme, a
# team's own log): for a user with the role but not that relation, 403 is the right answer.
OBJECT_LEVEL: set[str] = {
    "programme.edit_theme", "programme.recruit", "programme.message_supporters",
    # a pitch is written by its team and read by management, admin, consultants and the theme's sponsors
    "pitches.pitch", "pitches.edit_section", "pitches.history", "pitches.upload", "pitches.download",
    "pitches.delete_attachment", "pitches.submit", "pitches.withdraw",
    # a team's work log is written by its members and read by management, admin and the theme's sponsors
    "worklog.log", "worklog.new_session", "worklog.edit_session", "worklog.set_action_done", "worklog.new_visit",
    "worklog.new_interview", "worklog.export_csv", "worklog.export_pdf",
}
# Pages about the member's own row: someone without one (here: not invited to the wave) finds nothing.
OWN_ROW: set[str] = {"respond.start"}


def _tenant_endpoints(app):
    return {rule.endpoint: rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/t/<slug>")}


@pytest.mark.smoke
def test_every_tenant_view_has_exactly_one_guard_and_a_row_in_the_table(app):
    endpoints = _tenant_endpoints(app)
    assert set(endpoints) == set(ACCESS), "update ACCESS in tests/test_roles.py for new or removed views"
    for endpoint in endpoints:
        guard = getattr(app.view_functions[endpoint], "koers_guard", None)
        assert isinstance(guard, Guard), endpoint
        expected = ACCESS[endpoint]
        if expected == "public":
            assert guard.public, endpoint
        else:
            allowed = {role for role in EVERYONE if guard.allows({role})}
            assert allowed == expected, endpoint


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_each_role_reaches_exactly_its_pages(app, make, role):
    tenant = make.tenant("oost")
    objects = populate(app, make, tenant)  # pages about people act on a colleague
    make.member(tenant, f"{role}@example.org", roles=[role])
    user = app.test_client()
    user.login(f"{role}@example.org")
    token = user.csrf_token("/account")
    urls = app.url_map.bind("localhost")
    for endpoint, rule in _tenant_endpoints(app).items():
        if ACCESS[endpoint] == "public":
            continue
        values = {a: objects[a] for a in rule.arguments}
        url = urls.build(endpoint, values)
        method = "GET" if "GET" in rule.methods else "POST"
        response = user.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
        if role in ACCESS[endpoint]:
            allowed = (200, 302, 403) if endpoint in OBJECT_LEVEL else (200, 302, 404) if endpoint in OWN_ROW \
                else (200, 302)
            assert response.status_code in allowed, (role, endpoint, response.status_code)
        else:
            assert response.status_code == 403, (role, endpoint, response.status_code)
