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
    "home.index": EVERYONE,
    "tenant.settings": ADMIN_ONLY,
    "tenant.house_style": ADMIN_ONLY,
    "tenant.house_style_css": EVERYONE,  # every page of a member links it
    "tenant.house_style_logo": EVERYONE,
    "tenant.consent": {"admin", "works_council", "consultant"},
    "twofactor_policy.set_policy": ADMIN_ONLY,
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
    "tenant_statements.tenant_privacy": "public",  # published statements (issue 19.7): read before signing in
    "tenant_statements.tenant_accessibility": "public",
    "sso.login": "public",  # "Sign in with …": before anyone is signed in (404 while no provider is set)
    "sso.callback": "public",
    "sso.saml_acs": "public",  # the identity provider posts the answer here
    "sso.saml_metadata": "public",  # Koers's SAML metadata (404 until the tenant uses SAML, but to its admins)
    "sso.organisation": EVERYONE,
    "sso.settings": ADMIN_ONLY,
    # SCIM provisioning: the identity provider's API (its bearer token, no session) and the admin's page
    **{f"scim.{view}": "public" for view in (
        "service_provider_config", "schemas", "schema", "resource_types", "resource_type", "users", "search_users",
        "create_user", "user", "replace_user", "patch_user", "delete_user", "groups", "search_groups",
        "create_group", "group", "replace_group", "patch_group", "delete_group", "search_everything", "unknown")},
    "provisioning.index": ADMIN_ONLY,
    "provisioning.token": ADMIN_ONLY,
    "provisioning.delete_mapping": ADMIN_ONLY,
    # exit (issue 19): the admin's archive of all data
    "exit.index": ADMIN_ONLY,
    "exit.start": ADMIN_ONLY,
    "exit.status": ADMIN_ONLY,
    "exit.download": ADMIN_ONLY,
    # the benchmark across tenants (issue 21 point 7): who reads the page, who chooses the sector
    "benchmark.index": {"admin", "works_council", "management"},
    "benchmark.sector": ADMIN_ONLY,
    "privacy.retention_settings": ADMIN_ONLY,
    "privacy.erase_member": ADMIN_ONLY,
    "privacy.erase_departed": ADMIN_ONLY,
    "billing.page": ADMIN_ONLY,
    "billing.checkout": ADMIN_ONLY,
    "billing.portal": ADMIN_ONLY,
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
    "worklog.export_xlsx": TEAM_ROLES,
    "worklog.export_pdf": TEAM_ROLES,
    "reviews.scorecard": {"admin", "management"},
    "reviews.save_criterion": ADMIN_ONLY,
    "reviews.delete_criterion": ADMIN_ONLY,
    "reviews.review": {"management"},
    "reviews.decide": {"management"},
    "reviews.pitch_day": {"admin", "management", "consultant"},
    "reviews.pitches": EVERYONE,
    # the works council's culture reports (issue 7): read by the works council, admins and management;
    # the access log by the works council and admins
    "reports.index": {"works_council", "admin", "management"},
    "reports.wave": {"works_council", "admin", "management"},
    "reports.wave_json": {"works_council", "admin", "management"},
    "reports.wave_csv": {"works_council", "admin", "management"},
    "reports.wave_xlsx": {"works_council", "admin", "management"},
    "reports.chart_svg": {"works_council", "admin", "management"},
    "reports.chart_png": {"works_council", "admin", "management"},
    "reports.request_pdf": {"works_council", "admin", "management"},
    "reports.access_log_csv": {"works_council", "admin"},  # the access log's exports (issue 17 point 4)
    "reports.access_log_xlsx": {"works_council", "admin"},
    "reports.file": {"works_council", "admin", "management"},
    "reports.download": {"works_council", "admin", "management"},
    "reports.access_log": {"works_council", "admin"},
    # the board pack: whole and legacy-organisation figures only, which the comparison readers see already
    "reports.board_pack": {"admin", "management", "consultant"},
    "audit.trail": {"works_council", "admin"},  # the audit trail (issue 19): the works council sees anonymity's part
    "audit.export": {"works_council", "admin"},
    # the cross-culture comparison: admins, management and consultants
    "comparison.index": {"admin", "management", "consultant"},
    "comparison.wave": {"admin", "management", "consultant"},
    "comparison.run": {"admin", "management", "consultant"},
    "comparison.status": {"admin", "management", "consultant"},
    "comparison.chart_svg": {"admin", "management", "consultant"},
    "comparison.chart_png": {"admin", "management", "consultant"},
    # merger progress: released figures only, so the works council reads it too; the threshold is the admin's
    **{f"comparison.progress_{view}": {"admin", "management", "consultant", "works_council"}
       for view in ("page", "json", "csv", "chart_svg", "chart_png")},
    "comparison.progress_threshold": ADMIN_ONLY,
    # strategy (issue 9): pillars and plans by admins and management, read by everyone; expectation rounds
    # facilitated and knowledge days organised by admins, management and consultants; everyone who works
    # here contributes, signs up, keeps personal goals
    "strategy.home": EVERYONE,
    "strategy.index": EVERYONE,
    "strategy.new_pillar": {"admin", "management"},
    "strategy.pillar": EVERYONE,
    "strategy.edit_pillar": {"admin", "management"},
    "strategy.delete_pillar": {"admin", "management"},
    "strategy.annual_plan": EVERYONE,
    "strategy.new_plan": {"admin", "management"},
    "strategy.plan": EVERYONE,
    "strategy.edit_plan": {"admin", "management"},
    "strategy.new_action": EVERYONE,
    "strategy.edit_action": EVERYONE,
    "strategy.set_action_status": EVERYONE,
    "strategy.my_goals": EVERYONE,
    "strategy.edit_goal": EVERYONE,
    "strategy.delete_goal": EVERYONE,
    "strategy.new_round": {"admin", "management", "consultant"},
    "strategy.edit_round": {"admin", "management", "consultant"},
    "strategy.round": EVERYONE,
    "strategy.contribute": {"admin", "management", "sponsor", "member", "works_council"},
    "strategy.facilitate": {"admin", "management", "consultant"},
    "strategy.round_status": {"admin", "management", "consultant"},
    "strategy.add_cluster": {"admin", "management", "consultant"},
    "strategy.rename_cluster": {"admin", "management", "consultant"},
    "strategy.delete_cluster": {"admin", "management", "consultant"},
    "strategy.summary": {"admin", "management", "consultant"},
    "strategy.new_day": {"admin", "management", "consultant"},
    "strategy.day": EVERYONE,
    "strategy.edit_day": {"admin", "management", "consultant"},
    "strategy.new_workshop": {"admin", "management", "consultant"},
    "strategy.workshop": EVERYONE,
    "strategy.edit_workshop": {"admin", "management", "consultant"},
    "strategy.place": EVERYONE,
    "strategy.attendance": EVERYONE,
    "strategy.evaluate": EVERYONE,
    "strategy.evaluation_window": EVERYONE,
    # the admin's survey pages: admins and consultants run waves, management reads them
    "surveys.waves": {"admin", "consultant", "management"},
    "surveys.wave": {"admin", "consultant", "management"},
    "surveys.response_rates": {"admin", "consultant", "management"},
    "surveys.create_wave": {"admin", "consultant"},
    "surveys.edit_wave": {"admin", "consultant"},
    "surveys.consent": {"admin", "consultant", "works_council"},
    "surveys.consent_document": {"admin", "consultant", "works_council"},
    "surveys.launch": {"admin", "consultant"},
    "surveys.remind": {"admin", "consultant"},
    "surveys.invite_newcomers": {"admin", "consultant"},
    "surveys.close": {"admin", "consultant"},
    "surveys.enable_open_link": {"admin", "consultant"},
    "surveys.disable_open_link": {"admin", "consultant"},
    "surveys.import_responses": {"admin", "consultant"},
    "surveys.answer_codes": {"admin", "consultant"},
    "surveys.answer_codes_poster": {"admin", "consultant"},
    "surveys.catalogue": {"admin", "consultant"},
    "surveys.set_value_visibility": {"admin", "consultant"},
    "sms.invitations": {"admin", "consultant"},  # a wave's SMS invitations (issue 20)
    "sms.remind": {"admin", "consultant"},
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
    "answer_code.enter": "public",
    "answer_code.by_code": "public",
    "respond.open_step": "public",
    "respond.open_privacy": "public",
    "respond.open_saved": "public",
    "respond.open_thanks": "public",
    "respond.preview": {"admin", "consultant"},
    "respond.preview_step": {"admin", "consultant"},
    "respond.preview_privacy": {"admin", "consultant"},
    "respond.preview_saved": {"admin", "consultant"},
    "respond.preview_thanks": {"admin", "consultant"},
    # kiosk mode (issue 20.3): the admin's devices; the tablet's pages answer only its own token (404 otherwise)
    "kiosk.devices": ADMIN_ONLY,
    "kiosk.link": ADMIN_ONLY,
    "kiosk.revoke": ADMIN_ONLY,
    **{f"kiosk.{view}": "public" for view in ("enrol", "start", "step", "privacy", "alive", "thanks", "stop")},
    # leadership (issue 9): promises by the management team; pulse checks run by management, admins and
    # consultants, read with the works council; 360 reports for their manager and coach only; the
    # consistency check for the management team and its consultants
    "leadership.index": EVERYONE,
    "leadership.promises": EVERYONE,
    "leadership.add_promise": {"management"},
    "leadership.edit_promise": {"management"},
    "leadership.retire_promise": {"management"},
    "leadership.pulse_rounds": {"admin", "management", "consultant"},
    "leadership.plan_pulse_round": {"admin", "management", "consultant"},
    "leadership.pulse_round": {"admin", "management", "consultant", "works_council"},
    "leadership.open_pulse_round": {"admin", "management", "consultant"},
    "leadership.pulse_consent": {"admin", "consultant", "works_council"},
    "leadership.pulse_consent_document": {"admin", "management", "consultant", "works_council"},
    "leadership.close_pulse_round": {"admin", "management", "consultant"},
    "leadership.remind_pulse_round": {"admin", "management", "consultant"},
    "leadership.pulse_results": {"admin", "management", "consultant", "works_council"},
    "leadership.pulse_link": "public",
    "leadership.answer_pulse": "public",
    "leadership.pulse_answer_codes": {"admin", "management", "consultant"},  # a pulse check's answer codes (issue 20)
    "leadership.pulse_code_enter": "public",
    "leadership.pulse_by_code": "public",
    "leadership.start_feedback": {"management"},
    "leadership.feedback_round": EVERYONE,
    "leadership.close_feedback": EVERYONE,
    "leadership.add_raters": EVERYONE,
    "leadership.remind_feedback": EVERYONE,
    "leadership.feedback_link": "public",
    "leadership.answer_feedback": "public",
    "leadership.consistency": {"management", "consultant"},
    "leadership.evidence": {"management", "consultant"},
    "leadership.add_evidence": {"management", "consultant"},
    "leadership.rate_evidence": {"management", "consultant"},
    "leadership.remove_evidence": {"management", "consultant"},
    "leadership.download_evidence": {"management", "consultant"},
    # from result to action (issue 21 point 6): who makes plans (admins, management) and promises (management)
    "actions.act": {"admin", "management"},
    "actions.start_plan": {"admin", "management"},
    "actions.start_promise": {"management"},
    "actions.cite": {"admin", "management"},
    "actions.remove": {"admin", "management"},
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
    "worklog.export_xlsx",
}
# Pages about the member's own row: someone without one (here: not invited to the wave) finds nothing.
OWN_ROW: set[str] = {"respond.start"}
# strategy: a plan's actions are changed by its coordinator (and admins, management), an action's status
# also by its owner; attendance is recorded by the workshop's host (and the organisers)
OBJECT_LEVEL |= {"strategy.new_action", "strategy.edit_action", "strategy.set_action_status", "strategy.attendance",
                 "strategy.evaluation_window"}
# a personal development goal is private: someone else's is not found
OWN_ROW |= {"strategy.edit_goal", "strategy.delete_goal"}
# A tenant's logo exists only once its admin (or its consultancy) set one: before that, 404 for everyone.
OWN_ROW |= {"tenant.house_style_logo"}
# A 360 report exists only for its manager and their coach: for everyone else, whatever their role, 404.
# a chart to download exists once a wave's figures are released (the world's wave is open): not found before
# (tests/test_chart_downloads.py downloads them from a closed wave)
OWN_ROW |= {"comparison.chart_svg", "comparison.chart_png", "reports.chart_svg", "reports.chart_png"}
OWN_ROW |= {"comparison.progress_chart_svg", "comparison.progress_chart_png"}
OWN_ROW |= {"reports.board_pack"}  # likewise a board pack: a closed wave with its comparison (tests/test_demo.py)
# an exit archive is only for whoever asked for it: another admin does not find it
OWN_ROW |= {"exit.status", "exit.download"}
OWN_ROW |= {"leadership.feedback_round", "leadership.close_feedback", "leadership.add_raters",
            "leadership.remind_feedback"}


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
