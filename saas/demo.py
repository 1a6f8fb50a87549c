"""Demo data for `make run`: the tenant regio-noord with one account per role."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from billing.models import CONSULTANCY, OWNER, BillingAccount, BillingAccountMember, TenantBilling
from saas.actions import service as actions
from saas.administration import service
from saas.auth import service as accounts
from saas.auth.models import User
from saas.comparison.synth import fill_wave
from saas.kernel.db import session as request_session, utcnow
from saas.leadership import demo
from saas.leadership.models import Promise
from saas.pitches import review
from saas.pitches import service as pitches
from saas.pitches.models import SECTIONS
from saas.programme import service as programme
from saas.reports.release import release_and_compare, release_wave
from saas.strategy import expectations, knowledge_day, pillars, plans
from saas.strategy.models import ActionPlan
from saas.surveys import service as surveys
from saas.surveys.models import SurveyInvitation, Wave
from saas.worklog import service as worklog
from tenants.models import LegacyOrganisation, MembershipRole, Role, Tenant
from tenants.scoping import current_tenant_id

DEMO_PASSWORD = "koers-demo"
DEMO_SLUG = "regio-noord"
MUNICIPALITIES = [
    ("AAL", "Gemeente Aaldersum"),
    ("BEE", "Gemeente Beekhoven"),
    ("CUR", "Gemeente Curwolde"),
]
# (e-mail, name, roles, legacy organisation code)
ACCOUNTS = [
    ("admin@demo.example.org", "Anna de Vries", [Role.ADMIN], None),
    ("management@demo.example.org", "Mark Jansen", [Role.MANAGEMENT], "AAL"),
    ("sponsor@demo.example.org", "Sanne Bakker", [Role.SPONSOR, Role.MEMBER], "BEE"),
    ("member@demo.example.org", "Mo El Amrani", [Role.MEMBER], "CUR"),
    ("works-council@demo.example.org", "Wim Visser", [Role.WORKS_COUNCIL, Role.MEMBER], "AAL"),
    ("consultant@demo.example.org", "Carla Smit", [Role.CONSULTANT], None),
]


def demo_exists(db=None) -> bool:
    db = db or request_session()
    return db.scalar(select(Tenant.id).where(Tenant.slug == DEMO_SLUG)) is not None


def seed(*, only_if_empty: bool = True, db=None, today: date | None = None) -> list[tuple[str, list[str]]]:
    """Create the demo tenant; returns the accounts made, or [] when the database was not empty.

    Every date of the demo is counted from `today` (the day it is made: `make run`, `koers demo`), so
    its story holds on any day: a baseline closed and released weeks ago, a midway wave open for three
    more weeks, pulse checks and a 360 round closed, actions and the knowledge day ahead."""
    db = db or request_session()
    today = today or date.today()
    if only_if_empty and db.scalar(select(func.count()).select_from(User)):
        return []
    users = {}
    for email, name, _roles, _org in ACCOUNTS:
        users[email] = accounts.find_user(db, email) or accounts.register(
            db, email=email, name=name, password=DEMO_PASSWORD, locale=None, verified=True)
    admin = users[ACCOUNTS[0][0]]
    service.create_tenant(db, admin, name="Sociale Dienst Regio Noord", slug=DEMO_SLUG, country="NL",
                          language="nl")
    orgs = {code: service.add_legacy_org(db, code=code, name=name) for code, name in MUNICIPALITIES}
    memberships = {}
    for email, _name, roles, org_code in ACCOUNTS[1:]:
        memberships[email] = service.add_member(db, users[email], roles, orgs[org_code].id if org_code else None)
    _seed_programme(db, memberships, list(orgs.values()), today)
    db.commit()
    return [(email, [str(r) for r in roles]) for email, _n, roles, _o in ACCOUNTS]


FIRST_NAMES = ["Anouk", "Bram", "Carmen", "Daan", "Eva", "Fatima", "Gijs", "Hanna", "Ilse", "Joost", "Karin",
               "Lars", "Meryem", "Niels", "Olga", "Pieter", "Roos", "Sander", "Tess", "Umut", "Vera", "Wouter",
               "Yara", "Zeynep", "Arjen", "Bianca", "Cor", "Dewi", "Erik", "Floor", "Gerrit", "Hatice", "Iris",
               "Jeroen", "Kim", "Loes", "Mark", "Noor"]
LAST_NAMES = ["Bos", "Dekker", "Hendriks", "Kok", "Meijer", "Mulder", "Peters", "Postma", "Smit", "Veenstra",
              "Wijnberg", "Zwart"]
THEMES = [
    ("Eén loket voor de klant", "Klanten vertellen hun verhaal drie keer, aan het loket van elke voormalige gemeente.",
     "Aan het loket maakt de nieuwe organisatie haar eerste indruk.", "Eén loket, één verhaal, één antwoord.",
     "Klant eerst"),
    ("Werk boven uitkering", "De begeleiding naar werk verschilt per voormalige gemeente, en de resultaten ook.",
     "Werk is de beste weg uit de uitkering.", "Eén manier van begeleiden die het beste van elke gemeente gebruikt.",
     "Klant eerst"),
    ("Samen één werkwijze", "Drie manieren om dezelfde aanvraag te behandelen.",
     "Medewerkers kunnen elkaar niet vervangen.", "Eén werkproces, samen beschreven.", "Eén organisatie"),
    ("Ruimte voor vakmanschap", "Medewerkers voelen zich eerder gecontroleerd dan vertrouwd.", "Vakmensen vertrekken.",
     "Ruimte om zelf te beslissen binnen duidelijke grenzen.", "Ondernemend"),
    ("Digitaal waar het kan", "Papieren dossiers reizen tussen drie kantoren.",
     "De tijd gaat naar zoeken in plaats van naar klanten.", "Eén digitaal dossier, bereikbaar vanuit elk kantoor.",
     "Ondernemend"),
]
# (theme index, team name): nine teams, as in the reference case
TEAMS = [(0, "Loket Noord"), (0, "Klantreis"), (1, "Jobcoach 2.0"), (1, "Werkgeversservice"),
         (2, "Eén proces"), (2, "Kennisbank"), (3, "Vertrouwen"), (4, "Digitaal dossier"), (4, "Slim plannen")]


def phase_dates(today: date) -> dict[str, tuple[date, date]]:
    """The demo programme's phases, one after the other around today: the demo ends in its pitching phase
    (see _seed_pitches), which began two weeks ago and closes in three."""
    pitching = (today - timedelta(weeks=2), today + timedelta(weeks=3))
    team_work = (pitching[0] - timedelta(weeks=12), pitching[0] - timedelta(days=1))
    recruitment = (team_work[0] - timedelta(weeks=6), team_work[0] - timedelta(days=1))
    decisions = (pitching[1] + timedelta(days=1), pitching[1] + timedelta(weeks=5))
    return {"recruitment": recruitment, "team_work": team_work, "pitching": pitching, "decisions": decisions}


def _seed_programme(db, memberships: dict, orgs: list, today: date) -> None:
    """A programme in its team-work phase: five themes, nine teams that mix the three municipalities."""

    staff = []
    password_hash = accounts.hash_password(DEMO_PASSWORD)  # one slow hash for all demo staff
    for i, first in enumerate(FIRST_NAMES):
        last = LAST_NAMES[i % len(LAST_NAMES)]
        user = User(email=f"{first.lower()}.{last.lower()}@demo.example.org", name=f"{first} {last}",
                    password_hash=password_hash)
        db.add(user)
        db.flush()
        staff.append(service.add_member(db, user, [Role.MEMBER], orgs[i % len(orgs)].id))
    for extra in staff[:3]:  # three more sponsors, so that every theme has one
        extra.role_rows.append(MembershipRole(role=Role.SPONSOR))
    sponsor = memberships["sponsor@demo.example.org"]
    deadlines = phase_dates(today)
    prog = programme.create_programme(
        db, name="Samen Koers", goal="Eén sociale dienst met één cultuur, gebouwd door de mensen zelf.",
        starts_on=deadlines["recruitment"][0], ends_on=deadlines["decisions"][1] + timedelta(weeks=16))
    for phase, (start, end) in deadlines.items():
        row = prog.phase_row(phase)
        row.starts_on, row.ends_on = start, end
    prog.phase = "team_work"
    sponsors_per_theme = [sponsor, sponsor, staff[0], staff[1], staff[2]]
    themes = []
    for (title, problem, why, outcome, pillar), theme_sponsor in zip(THEMES, sponsors_per_theme):
        theme = programme.save_theme(db, prog, None, title=title, problem=problem, why_it_matters=why,
                                     desired_outcome=outcome, pillar=pillar)
        programme.set_sponsors(db, theme, [theme_sponsor.id])
        themes.append(theme)
    people = staff[3:] + [memberships["member@demo.example.org"]]
    for number, (theme_index, name) in enumerate(TEAMS):
        # four people per team, from the three municipalities in turn
        crew = people[number * 4 % len(people):][:4] or people[:4]
        lead, *others = crew
        team = programme.propose_team(db, prog, themes[theme_index], lead, name=name,
                                      goal=THEMES[theme_index][3])
        for member in others:
            programme.join_team(db, prog, team, member)
    for theme, supporters in zip(themes, (staff[3:12], staff[12:18], staff[18:24], staff[24:28], staff[28:33])):
        for member in supporters:
            programme.support(db, theme, member, "")
    _seed_work_logs(db, prog, today)
    _seed_pitches(db, prog, memberships, staff, today)
    _seed_waves(db, prog, memberships, staff, orgs, today)
    _seed_strategy(db, prog, memberships, staff, today)
    _seed_leadership(db, prog, memberships, staff, today)
    _seed_citations(db, prog, memberships)
    _seed_billing(db, memberships)


def _seed_work_logs(db, prog, today) -> None:
    """Every team has met, visited a peer organisation and spoken with a client, early in the team work."""
    start = prog.phase_row("team_work").starts_on + timedelta(days=1)
    for number, (team, theme) in enumerate(programme.teams_of_programme(db, prog)):
        lead = next(m.membership for m in team.members if m.is_lead)
        people = [m.membership_id for m in team.members]
        for week in range(3):
            worklog.log_session(
                db, team, lead, held_on=start + timedelta(weeks=week, days=number % 3),
                notes=f"Week {week + 1}: we brachten in kaart hoe de drie gemeenten '{theme.title}' nu aanpakken.",
                decisions="We werken één werkwijze uit en toetsen die bij klanten." if week else "We verdelen het uitzoekwerk.",
                attendee_ids=people[: 3 + week % 2],
                actions=[{"description": "Werkwijze van elke gemeente op één A4", "owner_id": people[week % len(people)],
                          "due_on": start + timedelta(weeks=week + 1), "done": week == 0}],
                today=today,
            )
        worklog.log_visit(db, team, lead, visited_on=start + timedelta(weeks=2),
                          organisation="Sociale Dienst Drechtsteden",
                          learned="Eén intaketeam voor alle regelingen scheelt klanten een tweede gesprek.", today=today)
        worklog.log_interview(db, team, lead, held_on=start + timedelta(weeks=3),
                              client_profile="Alleenstaande ouder, eind dertig, sinds een jaar in de bijstand.",
                              findings="Moest haar verhaal drie keer vertellen; wil één vast contactpersoon.",
                              today=today)


# Business cases of the nine teams, in every state a pitch can be in.
PITCH_STATES = ["decided:approved", "decided:approved_with_conditions", "decided:parked", "decided:rejected", "in_review",
                "submitted", "submitted", "draft", "draft"]
CRITERIA = [("Impact op klanten", 3), ("Haalbaarheid", 2), ("Kosten en baten", 2), ("Past bij onze waarden", 1)]


def _seed_pitches(db, prog, memberships: dict, staff: list, today: date) -> None:
    """The programme is in its pitching phase: drafts, submitted pitches, pitches in review, decisions."""
    from flask import current_app, g

    manager = memberships["management@demo.example.org"]
    second_manager = staff[0]  # a second reviewer (in no team), so that the pitch day shows a spread
    second_manager.role_rows.append(MembershipRole(role=Role.MANAGEMENT))
    prog.phase = "pitching"
    card = [review.save_criterion(db, prog, None, name=name, weight=weight) for name, weight in CRITERIA]
    tenant = db.get(Tenant, prog.tenant_id)
    # Decisions notify the team, which builds links: give the job a request context like a page has.
    with current_app.test_request_context(base_url=current_app.config["KOERS"].base_url):
        g.tenant = tenant
        for number, ((team, theme), state) in enumerate(zip(programme.teams_of_programme(db, prog), PITCH_STATES)):
            lead = next(m.membership for m in team.members if m.is_lead)
            pitch = pitches.start_pitch(db, team, lead, f"{team.name}: ons voorstel")
            for key in SECTIONS if state != "draft" or number % 2 else SECTIONS[:3]:
                pitches.save_section(db, pitch, key, _pitch_text(key, team.name, theme.title), 0, lead)
            if state == "draft":
                continue
            pitches.submit(db, pitch, prog, team, lead, today)
            if state == "submitted":
                continue
            for reviewer, offset in ((manager, 0), (second_manager, 1)):
                scores = {c.id: (min(5, 2 + (number + i + offset) % 4), "") for i, c in enumerate(card)}
                review.save_review(db, pitch, prog, team, reviewer, scores, submit=True)
            if state.startswith("decided:"):
                decision = state.split(":", 1)[1]
                feedback = "" if decision == "approved" else {
                    "approved_with_conditions": "Akkoord, mits jullie de kosten per kwartaal rapporteren.",
                    "parked": "Goed idee, maar eerst na de nieuwe ICT-omgeving. We komen erop terug in juni.",
                    "rejected": "De baten wegen niet op tegen de kosten; neem de klantinzichten mee naar team Loket Noord.",
                }[decision]
                review.decide(db, pitch, team, manager, decision, feedback)


def _pitch_text(key: str, team: str, theme: str) -> str:
    texts = {
        "problem": f"Bij het thema '{theme}' zien we dat klanten nu per voormalige gemeente anders geholpen worden.",
        "proposal": f"Team {team} stelt voor om de beste werkwijze van de drie gemeenten samen te voegen.",
        "client_impact": "Klanten krijgen binnen een week antwoord en vertellen hun verhaal één keer.",
        "benefits": "Doorlooptijd van 6 naar 1 week; 20% minder herhaalde contacten; 1,5 fte vrij voor begeleiding.",
        "costs": "Eenmalig € 45.000 voor scholing en inrichting; daarna kostenneutraal.",
        "risks": "Weerstand tegen een nieuwe werkwijze; tijdelijk dubbel werk tijdens de overgang.",
        "implementation": "Pilot van drie maanden in één regio, daarna gefaseerd uitrollen.",
        "values": "Klantgericht, samen en vakmanschap: de waarden die we in de peiling het vaakst kozen.",
    }
    return texts[key]


# The whole organisation has about 300 staff; the demo accounts are a few of them. The baseline's
# answers stand for everyone who took part (imported, as a consultancy would bring them).
BASELINE_ANSWERS = {"AAL": 64, "BEE": 52, "CUR": 41}
MIDWAY_ANSWERED = 24  # demo staff who already answered the open midway wave


def _seed_waves(db, prog, memberships: dict, staff: list, orgs: list, today: date) -> None:
    """A closed baseline with answers from all three municipalities, and an open midway wave that
    the demo member has not answered yet (they start it from "Your surveys")."""
    tenant = db.get(Tenant, prog.tenant_id)
    by_code = {org.code: org.id for org in orgs}
    baseline = surveys.create_wave(
        db, name="Nulmeting cultuur", series_label="baseline", programme_id=prog.id,
        opens_on=today - timedelta(days=83), closes_on=today - timedelta(days=65), groupings=("legacy_org", "tenure"))
    council = memberships["works-council@demo.example.org"]  # the works council records its own consent
    surveys.record_consent(
        db, baseline, by=council, decided_on=baseline.opens_on - timedelta(weeks=1),
        decision="De ondernemingsraad stemt in met de nulmeting onder alle medewerkers (WOR art. 27 lid 1 sub k).",
        conditions="Resultaten alleen voor groepen van minstens vijf deelnemers; geen uitsplitsing naar functie.")
    surveys.open_wave(db, tenant, baseline)
    fill_wave(db, baseline, {by_code[code]: n for code, n in BASELINE_ANSWERS.items()}, seed=2026,
              progress=0.0, day=baseline.closes_on)
    surveys.close_wave(db, baseline, today=baseline.closes_on)
    release_wave(db, tenant, baseline, today=baseline.closes_on)  # released by the job right after the close
    release_and_compare(db, tenant, baseline)  # the comparison a closed wave gets from its job, computed here

    midway = surveys.create_wave(
        db, name="Tussenmeting cultuur", series_label="midway", programme_id=prog.id,
        # Open for at least three more weeks from the day the demo is made: a wave past its close
        # date takes no answers (and the worker closes it), and the demo member must be able to answer.
        opens_on=today - timedelta(days=20), closes_on=today + timedelta(weeks=3),
        groupings=("legacy_org", "team"),
        questions=[{"kind": "likert", "nl": "Ik merk in mijn werk al iets van de nieuwe organisatie.",
                    "en": "I already notice something of the new organisation in my work."},
                   {"kind": "open", "nl": "Wat zou jij de programmaleiding willen meegeven?",
                    "en": "What would you like to tell the programme's leaders?"}])
    surveys.record_consent(
        db, midway, by=council, decided_on=midway.opens_on - timedelta(weeks=1),
        decision="De ondernemingsraad stemt in met de tussenmeting, onder dezelfde voorwaarden als de nulmeting.",
        conditions="Open antwoorden alleen voor groepen van minstens tien deelnemers.")
    surveys.open_wave(db, tenant, midway)
    everyone = [m for m in list(memberships.values()) + staff if "consultant" not in m.roles]
    surveys.invite(db, midway, everyone)  # the demo shows no mails: members start from "Your surveys"
    answered = staff[:MIDWAY_ANSWERED]
    for invitation in db.scalars(select(SurveyInvitation).where(
            SurveyInvitation.wave_id == midway.id, SurveyInvitation.membership_id.in_([m.id for m in answered]))):
        invitation.answered = True
    sizes: dict[int, int] = {}
    for member in answered:
        sizes[member.legacy_org_id] = sizes.get(member.legacy_org_id, 0) + 1
    fill_wave(db, midway, sizes, seed=2027, progress=0.4, day=midway.opens_on + timedelta(days=2))



def _seed_leadership(db, prog, memberships: dict, staff: list, today: date) -> None:
    """Five promises of the management team, two closed pulse checks, Mark Jansen's closed 360 round
    (coached by the consultant) and evidence for the consistency check: see saas/leadership/demo.py."""
    demo.seed(db, prog, memberships, staff, today)

# Strategy (issue 9): three pillars, mutual expectations with a published summary, action plans, a knowledge day.
PILLARS = [
    ("Klant eerst", "Client first", "We beginnen bij de vraag van de klant, niet bij onze regels of onze oude gemeente.",
     "Eén vast contactpersoon; binnen een week antwoord; de klant vertelt zijn verhaal één keer."),
    ("Eén organisatie", "One organisation", "We werken als één sociale dienst: één werkwijze, één taal, elkaars collega's.",
     "Dezelfde aanvraag wordt in Aaldersum, Beekhoven en Curwolde op dezelfde manier behandeld."),
    ("Ondernemend", "Entrepreneurial", "We zien kansen om meer voor mensen te doen, en we verzilveren ze: proberen, "
     "leren, bijsturen.", "Een werkgever zelf benaderen voor een werkervaringsplek. Niet: winst maken op klanten."),
]


def _seed_strategy(db, prog, memberships: dict, staff: list, today: date) -> None:
    """Pillars linked to the themes, a regional session about "Ondernemend" with a published summary and an
    open online round, two action plans, personal goals (counts only) and a knowledge day whose workshops
    are filling up: one nearly full, one full with a waiting list; the demo member has not signed up yet."""
    from datetime import time

    made = {english: pillars.save_pillar(db, prog, None, title=title, meaning=meaning, examples=examples)
            for title, english, meaning, examples in PILLARS}
    by_title = {title: made[english] for title, english, _meaning, _examples in PILLARS}
    for theme in programme.themes(db, prog):
        if theme.pillar in by_title:
            pillars.link_theme(db, prog, theme, by_title[theme.pillar].id)
    manager, consultant = memberships["management@demo.example.org"], memberships["consultant@demo.example.org"]
    people = [m for m in staff if "management" not in m.roles]

    session = expectations.save_round(db, made["Entrepreneurial"], None, title="Regiobijeenkomst Beekhoven",
                                      held_on=today - timedelta(days=31), invitation="Wat betekent ondernemend zijn voor jou, "
                                      "en wat verwachten medewerkers en MT van elkaar?")
    written = [
        ("meaning", "Kansen zien voor een klant, ook als het net buiten de regels valt.", "Ruimte om te proberen"),
        ("meaning", "Zelf een werkgever bellen in plaats van wachten op een vacature.", "Ruimte om te proberen"),
        ("expectation", "Dat het MT ons de ruimte geeft om iets te proberen, ook als het mislukt.", "Ruimte om te proberen"),
        ("expectation", "Dat fouten maken mag, zolang we ervan leren.", "Ruimte om te proberen"),
        ("expectation", "Duidelijke kaders: wat mag ik zelf beslissen en wat niet?", "Duidelijke kaders"),
        ("expectation", "Dat het MT uitlegt waarom we ondernemend moeten zijn.", "Duidelijke kaders"),
        ("meaning", "Niet: winst maken op kwetsbare mensen.", "Duidelijke kaders"),
        ("meaning", "Samen met de klant zoeken naar wat wél kan.", "Samen met de klant"),
        ("meaning", "Netwerken in de wijk, met werkgevers en zorgpartners.", "Samen met de klant"),
        ("expectation", "Tijd om klanten op te zoeken in plaats van alleen dossiers te vullen.", "Samen met de klant"),
        ("meaning", "Een idee uit Curwolde durven overnemen in Aaldersum.", None),
        ("expectation", "Dat goede ideeën uit de teams ook echt worden opgepakt.", None),
        ("meaning", "Minder vergaderen, meer doen.", None),
        ("expectation", "Dat we resultaten vieren, ook kleine.", None),
    ]
    clusters = {}
    for number, (kind, text, cluster) in enumerate(written):
        person = people[number % len(people)]
        contribution = expectations.contribute(db, session, person, kind=kind, text=text, anonymous=number % 4 != 0,
                                               today=session.held_on)
        if cluster:
            if cluster not in clusters:
                clusters[cluster] = expectations.save_cluster(db, session, None, cluster)
            contribution.cluster_id = clusters[cluster].id
    for text in ("Dat medewerkers zelf met ideeën komen en die ook uitproberen.",
                 "Dat jullie laten zien wat een idee de klant oplevert."):
        contribution = expectations.contribute(db, session, manager, kind="expectation", text=text, anonymous=False,
                                               today=session.held_on)
        contribution.cluster_id = clusters["Duidelijke kaders"].id
    expectations.save_summary(db, session, "Ondernemend betekent voor ons: kansen zien om meer voor klanten te doen "
                              "en die verzilveren, niet winst maken op kwetsbare mensen.\n\nMedewerkers vragen het MT "
                              "om ruimte om te proberen en om duidelijke kaders; het MT vraagt medewerkers om zelf met "
                              "ideeën te komen en te laten zien wat die de klant opleveren. In de regionale sessies "
                              "maken we dit concreet in de jaarplannen.", publish=True, today=session.held_on + timedelta(weeks=1))
    online = expectations.save_round(db, made["Client first"], None, title="Online ronde Klant eerst", held_on=None,
                                     invitation="Wat betekent 'klant eerst' voor jou in je dagelijkse werk?")
    # the open round so far: two contributions with a name on the board, three anonymous ones that
    # appear only when the facilitator closes the round
    for number, (text, anonymous) in enumerate((
            ("De klant hoeft zijn verhaal maar één keer te vertellen.", False),
            ("Terugbellen binnen een dag, ook als het antwoord nog niet klaar is.", False),
            ("Minder formulieren, meer gesprekken.", True),
            ("Dat we de regels uitleggen in gewone taal.", True),
            ("Ruimte om af te wijken als dat de klant echt helpt.", True))):
        expectations.contribute(db, online, people[20 + number], kind="meaning", text=text, anonymous=anonymous,
                                today=today - timedelta(days=16))

    north = plans.save_plan(db, prog, None, year=today.year + 1, unit_kind="region", unit_name="Regio Noord",
                            coordinator_id=manager.id)
    income = plans.save_plan(db, prog, None, year=today.year + 1, unit_kind="department", unit_name="Werk en Inkomen",
                             coordinator_id=people[1].id)
    for plan, description, pillar, owner, due, status in (
            (north, "Eén vast contactpersoon voor elke nieuwe klant", "Client first", people[2], today + timedelta(days=85), "done"),
            (north, "Intake in één gesprek voor alle regelingen", "Client first", people[3], today + timedelta(days=146),
             "in_progress"),
            (north, "Gezamenlijk werkoverleg van de drie vestigingen", "One organisation", manager, today + timedelta(days=57),
             "done"),
            (income, "Tien werkgevers zelf benaderen voor werkervaringsplekken", "Entrepreneurial", people[4],
             today + timedelta(days=130), "in_progress"),
            (income, "Pilot: budget voor maatwerk per klant", "Entrepreneurial", people[1], today + timedelta(days=177), "planned"),
            (income, "Eén werkinstructie voor de bijstandsaanvraag", "One organisation", people[5], today + timedelta(days=99),
             "planned")):
        plans.save_action(db, prog, plan, manager, None, description=description, pillar_id=made[pillar].id,
                          owner_id=owner.id, due_on=due, status=status)
    for number, person in enumerate(people[6:18]):
        pillar = ("Client first", "One organisation", "Entrepreneurial")[number % 3]
        plans.save_goal(db, prog, person, None, pillar_id=made[pillar].id,
                        description="Oefenen met gesprekstechnieken in lastige klantgesprekken.")

    day = knowledge_day.save_day(db, prog, None, title="Kennisdag Samen Koers", held_on=today + timedelta(days=102),
                                 location="Cultuurhuis Beekhoven",
                                 description="Workshops om te oefenen met de vaardigheden die jullie zelf noemden in "
                                             "de regionale bijeenkomsten. Kies per tijdvak één workshop.")
    morning, late_morning = (time(9, 30), time(11, 0)), (time(11, 15), time(12, 45))
    workshops = {}
    for title, description, host, pillar, capacity, (start, end) in (
            ("Effectief samenwerken", "Afspraken maken die werken, over de grenzen van je oude gemeente heen.",
             consultant, "One organisation", 20, morning),
            ("In gesprek met de klant", "Gesprekstechnieken om samen met de klant te zoeken naar wat wél kan.",
             consultant, "Client first", 12, morning),
            ("Ondernemend werken", "Van idee naar proefje: kansen zien en verzilveren, in kleine stappen.",
             manager, "Entrepreneurial", 15, late_morning),
            ("Feedback geven en ontvangen", "Elkaar aanspreken zonder te beschuldigen.", consultant,
             "One organisation", 8, late_morning)):
        workshops[title], _promoted = knowledge_day.save_workshop(
            db, prog, day, None, title=title, description=description, host_id=host.id, pillar_id=made[pillar].id,
            capacity=capacity, starts_at=start, ends_at=end)
    # "In gesprek met de klant" nearly full (one place left), "Feedback geven en ontvangen" full with a waiting list
    for title, first, count in (("In gesprek met de klant", 0, 11), ("Effectief samenwerken", 11, 6),
                                ("Feedback geven en ontvangen", 0, 10), ("Ondernemend werken", 10, 4)):
        for person in people[first:first + count]:
            knowledge_day.sign_up(db, workshops[title], person)


def _seed_citations(db, prog, memberships: dict) -> None:
    """From result to action (issue 21 point 6): the plan "Werk en Inkomen" cites Aaldersum's contract index in the
    baseline, the first promise the distance between Aaldersum and Beekhoven. Only baseline figures are cited, so
    this holds whether the midway wave is open (the pages say no later wave has closed) or closed (they show
    whether the figures moved)."""
    baseline = db.scalar(select(Wave).where(Wave.programme_id == prog.id, Wave.series_label == "baseline"))
    org = {o.code: o.id for o in db.scalars(select(LegacyOrganisation))}
    manager = memberships["management@demo.example.org"]
    plan = db.scalar(select(ActionPlan).where(ActionPlan.programme_id == prog.id,
                                              ActionPlan.unit_name == "Werk en Inkomen"))
    promise = db.scalar(select(Promise).where(Promise.programme_id == prog.id).order_by(Promise.id).limit(1))
    actions.cite(db, baseline, f"contract@org:{org['AAL']}", manager, plan=plan)
    actions.cite(db, baseline, f"distance@pair:{org['AAL']}.{org['BEE']}", manager, promise=promise)


def _seed_billing(db, memberships: dict) -> None:
    """The demo consultant runs a consultancy with Regio Noord as its client: her dashboard shows it.
    With billing off (the default without a Stripe key) the tenant stays active."""
    from datetime import timedelta

    consultant = memberships["consultant@demo.example.org"]
    account = BillingAccount(kind=CONSULTANCY, name="Smit Cultuuradvies", owner_id=consultant.user_id,
                             trial_ends_at=utcnow() + timedelta(days=14))
    db.add(account)
    db.flush()
    db.add(BillingAccountMember(account_id=account.id, user_id=consultant.user_id, role=OWNER))
    db.add(TenantBilling(tenant_id=current_tenant_id(db), account_id=account.id))
    db.flush()
