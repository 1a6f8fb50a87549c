"""Demo data for `make run`: the tenant regio-noord with one account per role."""
from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select

from billing.models import CONSULTANCY, OWNER, BillingAccount, BillingAccountMember, TenantBilling
from saas.actions import service as actions
from saas.administration import service
from saas.auth import service as accounts
from saas.auth.models import User
from saas.benchmark import service as benchmark
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
from tenants.scoping import current_tenant_id, set_scope

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
    its story holds on any day: a measurement before the merger, a baseline and a midway wave closed,
    released and compared, a short follow-up open for three more weeks, pulse checks and a 360 round closed, actions and the knowledge day ahead."""
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
    _seed_benchmark_peers(db, today)
    db.commit()
    _release_benchmark(today)
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
        # the programme began with the measurement before the merger (CLOSED_WAVES), before recruiting its teams
        starts_on=min(deadlines["recruitment"][0], today + timedelta(days=CLOSED_WAVES[0][2])), ends_on=deadlines["decisions"][1] + timedelta(weeks=16))
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


# The whole organisation has about 300 staff; the demo accounts are a few of them. The answers of the
# closed waves stand for everyone who took part (imported, as a consultancy would bring them).
BASELINE_ANSWERS = {"AAL": 64, "BEE": 52, "CUR": 41}
MIDWAY_ANSWERED = 24  # demo staff who already answered the open follow-up wave
# The closed waves of the series, in days from the day the demo is made: (name, series label, opens, closes,
# answers per municipality, how far the municipalities have come towards the shared culture (0–1; synth.py),
# own questions, their open answers). The legacy organisations move towards each other from wave to wave;
# with three closed waves merger progress can fit a line and project when it crosses the threshold.
CLOSED_WAVES = [
    ("Voormeting cultuur", "Voormeting", -330, -312, {"AAL": 61, "BEE": 49, "CUR": 43}, 0.0, (), ()),
    ("Nulmeting cultuur", "baseline", -190, -172, BASELINE_ANSWERS, 0.2, ("baseline",), ("baseline",)),
    ("Tussenmeting cultuur", "midway", -62, -44, {"AAL": 58, "BEE": 50, "CUR": 44}, 0.45, ("notice", "midway"),
     ("midway",)),
]
NOTICE_QUESTION = {"kind": "likert", "nl": "Ik merk in mijn werk al iets van de nieuwe organisatie.",
                   "en": "I already notice something of the new organisation in my work."}
# Open answers of the demo's closed waves: what staff of three merging social services write when asked
# (baseline: what must go well; midway: what to tell the programme's leaders). Written per topic with
# shared words, so that the themes (saas.opentext) find the topics; each answer is one person's.
BASELINE_QUESTION = {"kind": "open", "nl": "Wat moet volgens jou goed geregeld zijn om van de fusie een succes te maken?",
                     "en": "What must be well arranged, in your view, to make the merger a success?"}
BASELINE_TEXTS = [
    # where I will work and what my job becomes
    "Duidelijkheid over mijn functie en mijn standplaats, zo snel mogelijk.",
    "Ik wil weten op welke locatie ik straks werk en hoeveel reistijd dat kost.",
    "Zekerheid over de functie: blijft mijn werk bestaan na de fusie?",
    "Onzekerheid over de nieuwe functie maakt mensen onrustig.",
    "Welke standplaats krijg ik? Reistijd naar Curwolde is voor mij echt een probleem.",
    "Duidelijkheid over functie, standplaats en reistijd voordat de teams worden samengevoegd.",
    "Een eerlijke plaatsingsprocedure met duidelijkheid over de nieuwe functie.",
    "Mensen willen weten waar ze aan toe zijn: welke functie, welke locatie.",
    "De onzekerheid over plaatsing en standplaats duurt te lang.",
    "Dat niemand er in functie op achteruitgaat en de reistijd redelijk blijft.",
    "Snel duidelijkheid over de functie en de locatie waar je terechtkomt.",
    "Zorg dat de plaatsing in de nieuwe functie zorgvuldig gaat, met aandacht voor reistijd.",
    # hear it from management first, clearly and on time
    "Eerlijke communicatie van het MT, ook als er nog niets besloten is.",
    "Dat we besluiten horen van onze eigen leidinggevende: goede communicatie, niet uit de krant.",
    "Goede communicatie over de fusie, op tijd en in gewone taal.",
    "Communicatie vanuit het MT: vertel wat er speelt, ook als het antwoord nog niet klaar is.",
    "Meer communicatie over de besluiten van het MT en waarom ze genomen worden.",
    "Dat de communicatie over de fusie niet alleen via de nieuwsbrief gaat.",
    "Open communicatie over wat er besloten wordt, en wanneer.",
    "Ik hoor besluiten nu vaak via via; betere communicatie van het MT graag.",
    "Het MT moet vaker langskomen: communicatie is meer dan een mail.",
    "Duidelijke communicatie over de planning van de fusie en de besluiten die nog komen.",
    "Heldere communicatie van het MT: wat is al besloten, wat nog niet?",
    "Minder geruchten, meer communicatie van het MT over de besluiten.",
    # one way of working with the colleagues of the other municipalities
    "Eén werkwijze voor de bijstandsaanvraag, samen met de collega's van de andere gemeenten.",
    "Kennismaken met de collega's uit Beekhoven en Curwolde voordat we samen moeten werken.",
    "De werkwijze van elke gemeente verschilt; kies samen de beste werkwijze.",
    "Leer elkaars werkwijze kennen: collega's uit Aaldersum doen het heel anders.",
    "Tijd om collega's van de andere gemeenten te leren kennen en hun werkwijze te zien.",
    "Samen met collega's één werkwijze afspreken in plaats van de werkwijze van de grootste gemeente.",
    "Dat de werkwijze van Curwolde niet zomaar verdwijnt; er zitten goede dingen in.",
    "Meelopen bij collega's in Beekhoven om hun werkwijze te leren kennen.",
    "Eén gezamenlijke werkwijze, met ruimte voor wat goed werkt bij de collega's van elke gemeente.",
    "Respect voor elkaars werkwijze en tijd om collega's te leren kennen.",
    "Een kennismakingsdag met de collega's van de andere gemeenten en hun werkwijze.",
    "Gemengde teams met collega's van de drie gemeenten, zodat we van elkaars werkwijze leren.",
    # the computer systems and the files
    "Eén systeem voor de dossiers, nu werken we met drie verschillende systemen.",
    "Dat de ICT op orde is: inloggen op de systemen van de andere gemeenten lukt niet.",
    "De dossiers van klanten moeten in één systeem komen, anders zoeken we ons suf.",
    "Zorg dat de systemen werken op de dag van de fusie.",
    "Drie systemen en papieren dossiers: dat moet eerst geregeld zijn.",
    "Toegang tot de dossiers van de andere gemeenten, in één systeem.",
    "Goede ICT: één systeem en een werkplek die het doet.",
    "De overgang naar één systeem voor de dossiers goed voorbereiden, met scholing.",
    "Systemen die op elkaar aansluiten, zodat een dossier niet drie keer wordt ingevoerd.",
    "Dat de dossiers veilig overgaan naar het nieuwe systeem.",
    "Scholing in het nieuwe systeem voordat de oude systemen en dossiers verdwijnen.",
    "Een helpdesk voor de systemen in de eerste weken, anders raken dossiers zoek.",
    "Please make sure the IT systems work on the first day.",
    "Clear information from management about where we will work.",
]
MIDWAY_QUESTION = {"kind": "open", "nl": "Wat zou jij de programmaleiding willen meegeven?",
                   "en": "What would you like to tell the programme's leaders?"}
MIDWAY_TEXTS = [
    # the workload
    "De werkdruk is hoog: achterstanden bij de aanvragen lopen op.",
    "Let op de werkdruk; naast het gewone werk komt er veel fusiewerk bij.",
    "Werkdruk en achterstanden: we hebben te weinig tijd voor klanten.",
    "De achterstanden bij de bijstandsaanvragen moeten eerst weg, de werkdruk is te hoog.",
    "Er is te weinig tijd voor klanten door alle werkdruk van de veranderingen.",
    "Werkdruk! Collega's vallen uit en de achterstanden groeien.",
    "Geef teams tijd: de werkdruk naast de projecten is niet vol te houden.",
    "Minder vergaderen over de fusie, meer tijd voor klanten, de werkdruk is hoog.",
    "Achterstanden wegwerken voordat er nieuwe projecten bij komen, de werkdruk is te groot.",
    "Zie de werkdruk in de teams onder ogen en zorg voor extra handen.",
    "De werkdruk zit vooral in de dubbele administratie en de achterstanden.",
    "Houd rekening met de werkdruk bij het plannen van de kennisdag en de teams.",
    # working together with the other municipalities' colleagues: growing
    "De samenwerking met collega's uit Beekhoven gaat steeds beter, ga zo door.",
    "In de gemengde teams leren we veel van de collega's van andere gemeenten.",
    "Samenwerking tussen de gemeenten groeit: we bellen elkaar nu gewoon.",
    "Mooi dat we in teams samenwerken met collega's uit alle drie de gemeenten.",
    "De samenwerking is beter dan ik had verwacht, de collega's zijn heel open.",
    "Meer van dit soort samenwerking: de teams met collega's van drie gemeenten werken.",
    "Ik merk dat de samenwerking met Curwolde groeit; we helpen elkaar met lastige aanvragen.",
    "Collega's van andere gemeenten zijn nu echt collega's geworden, de samenwerking is goed.",
    "Investeer in samenwerking: gezamenlijke teams en elkaar opzoeken.",
    "Door de samenwerking in de teams kennen we elkaars werk beter.",
    "Samenwerking tussen collega's van de gemeenten loopt, houd de gemengde teams.",
    "De samenwerking op de werkvloer gaat sneller dan het beleid.",
    # the one digital file
    "Het nieuwe systeem voor het digitale dossier werkt nog niet goed.",
    "Met het digitale dossier gaat veel tijd verloren door storingen in het systeem.",
    "Zorg voor scholing in het nieuwe systeem, niet iedereen kan het dossier vinden.",
    "Eén digitaal dossier is een goede stap, maar het systeem is traag.",
    "Het systeem valt vaak uit; dan kunnen we het dossier van de klant niet inzien.",
    "Het digitale dossier scheelt zoeken, als het systeem het doet.",
    "Los eerst de problemen met het systeem en het dossier op.",
    "De overgang naar het digitale dossier kost meer tijd dan gepland; het systeem moet beter.",
    "Het nieuwe systeem is lastig: meer uitleg over het digitale dossier graag.",
    "Digitaal dossier en systeem: goede start, maar nog veel fouten.",
    "Het systeem en het dossier zijn nog niet goed gekoppeld met de oude gegevens.",
    # being heard
    "Luister naar de medewerkers: we willen meedenken over de plannen.",
    "Betrek ons bij de besluiten; we worden te weinig gehoord.",
    "Ik voel me gehoord sinds de regiobijeenkomsten, ga zo door met meedenken.",
    "Laat medewerkers meedenken voordat de plannen vastliggen.",
    "Gehoord worden is belangrijk: vraag ons wat we vinden van de plannen.",
    "Meer ruimte om mee te denken over de plannen van de programmaleiding.",
    "Vraag medewerkers eerst, dan voelen we ons gehoord bij de besluiten.",
    "Medewerkers willen meedenken; gebruik onze ideeën in de plannen.",
    "We denken graag mee, maar dan moeten we ook gehoord worden bij de besluiten.",
    "Neem de ideeën uit de teams serieus, dan voelen medewerkers zich gehoord.",
    "Laat zien wat er met ons meedenken in de plannen gebeurt.",
    "Betrek de werkvloer bij de plannen; wij weten wat klanten nodig hebben.",
    "Keep listening to the staff, the regional sessions helped.",
    "Thanks for the mixed teams, they work.",
]
OPEN_TEXTS = {"baseline": BASELINE_TEXTS, "midway": MIDWAY_TEXTS}


def _questions(keys) -> list[dict]:
    return [{"baseline": BASELINE_QUESTION, "midway": MIDWAY_QUESTION, "notice": NOTICE_QUESTION}[key] for key in keys]


def _own_answers(wave, texts: list[str], total: int) -> list[dict]:
    """Per answer (in fill_wave's order) its open answers, spread evenly over the respondents (one each, no
    attribute); fill_wave answers the scale questions itself, leaning on the contract index (synth._scales)."""
    [open_key] = [q["key"] for q in wave.questions if q["kind"] == "open"] or [None]
    given: list[dict] = [{} for _ in range(total)]
    for number, text in enumerate(texts):
        given[number * total // len(texts)][open_key] = text
    return given


def _seed_waves(db, prog, memberships: dict, staff: list, orgs: list, today: date) -> None:
    """Three closed waves (a pre-merger measurement, the baseline and the midway wave), each with answers
    from all three municipalities, released and compared by the job's own code, the last two with open
    answers; and an open short follow-up that the demo member has not answered yet (they start it from
    "Your surveys")."""
    tenant = db.get(Tenant, prog.tenant_id)
    by_code = {org.code: org.id for org in orgs}
    council = memberships["works-council@demo.example.org"]  # the works council records its own consent
    for number, (name, label, opens, closes, sizes, progress, asked, texts) in enumerate(CLOSED_WAVES):
        wave = surveys.create_wave(
            db, name=name, series_label=label, programme_id=prog.id, opens_on=today + timedelta(days=opens),
            closes_on=today + timedelta(days=closes), groupings=("legacy_org", "tenure") if number < 2
            else ("legacy_org", "team"), questions=_questions(asked),
            asks_enps=label == "midway")  # its generated eNPS follows the contract index (synth): drivers show
        surveys.record_consent(
            db, wave, by=council, decided_on=wave.opens_on - timedelta(weeks=1),
            decision=f"De ondernemingsraad stemt in met de {name.split()[0].lower()} onder alle medewerkers "
                     "(WOR art. 27 lid 1 sub k).",
            conditions="Resultaten alleen voor groepen van minstens vijf deelnemers; geen uitsplitsing naar functie; "
                       "open antwoorden alleen voor groepen van minstens tien deelnemers.")
        surveys.open_wave(db, tenant, wave)
        total = sum(sizes.values())
        own = _own_answers(wave, [text for key in texts for text in OPEN_TEXTS[key]], total) \
            if wave.questions else None
        fill_wave(db, wave, {by_code[code]: n for code, n in sizes.items()}, seed=2026 + number,
                  progress=progress, day=wave.closes_on, questions=own)
        surveys.close_wave(db, wave, today=wave.closes_on)
        release_wave(db, tenant, wave, today=wave.closes_on)  # released by the job right after the close
        release_and_compare(db, tenant, wave)  # the release, themes and comparison of the job, computed here

    follow_up = surveys.create_wave(
        db, name="Vervolgpeiling cultuur", series_label="Vervolgpeiling", programme_id=prog.id,
        # Open for at least three more weeks from the day the demo is made: a wave past its close
        # date takes no answers (and the worker closes it), and the demo member must be able to answer.
        opens_on=today - timedelta(days=10), closes_on=today + timedelta(weeks=3),
        groupings=("legacy_org", "team"), questions=_questions(("notice", "midway")))
    surveys.record_consent(
        db, follow_up, by=council, decided_on=follow_up.opens_on - timedelta(weeks=1),
        decision="De ondernemingsraad stemt in met de vervolgpeiling, onder dezelfde voorwaarden als de tussenmeting.",
        conditions="Open antwoorden alleen voor groepen van minstens tien deelnemers.")
    surveys.open_wave(db, tenant, follow_up)
    everyone = [m for m in list(memberships.values()) + staff if "consultant" not in m.roles]
    surveys.invite(db, follow_up, everyone)  # the demo shows no mails: members start from "Your surveys"
    answered = staff[:MIDWAY_ANSWERED]
    for invitation in db.scalars(select(SurveyInvitation).where(
            SurveyInvitation.wave_id == follow_up.id, SurveyInvitation.membership_id.in_([m.id for m in answered]))):
        invitation.answered = True
    sizes: dict[int, int] = {}
    for member in answered:
        sizes[member.legacy_org_id] = sizes.get(member.legacy_org_id, 0) + 1
    fill_wave(db, follow_up, sizes, seed=2030, progress=0.5, day=follow_up.opens_on + timedelta(days=2))


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


# ---- the benchmark across tenants (issue 21 point 7) ------------------------------------------------
# Four small peer organisations of the same sector, each with one closed wave released on the day the baseline
# closed, and Regio Noord taking part: the norm of the baseline's half-year rests on five tenants. Nobody logs in
# to a peer; their names are never shown to another tenant (only counts, means and spreads are).
PEERS = [("demo-peer-west", "Sociale Dienst West (demo)", 14, 0), ("demo-peer-oost", "Sociale Dienst Oost (demo)", 12, 1),
         ("demo-peer-zuid", "Sociale Dienst Zuid (demo)", 16, 2), ("demo-peer-midden", "Sociale Dienst Midden (demo)", 11, 3)]
BENCHMARK_SECTOR = "municipal_social_services"


def _seed_benchmark_peers(db, today: date) -> None:
    demo_tenant = db.get(Tenant, current_tenant_id(db))
    benchmark.set_sector(db, demo_tenant, BENCHMARK_SECTOR)
    closed_on = _baseline_closes(today)
    for slug, name, answers, archetype in PEERS:
        peer = Tenant(name=name, slug=slug, country="NL", language="nl", consent_required=False)
        db.add(peer)
        db.flush()
        set_scope(db, tenant_id=peer.id)
        wave = surveys.create_wave(db, name="Cultuurmeting", groupings=(), opens_on=closed_on - timedelta(days=14),
                                   closes_on=closed_on)
        wave.status = "closed"
        db.flush()
        fill_wave(db, wave, {None: answers}, seed=3000 + archetype, progress=0.2 * archetype, day=closed_on)
        release_wave(db, peer, wave, today=closed_on)
        benchmark.set_sector(db, peer, BENCHMARK_SECTOR)
    set_scope(db, tenant_id=demo_tenant.id)


def _baseline_closes(today: date) -> date:
    """The day the demo's baseline closed (CLOSED_WAVES), the day the peers' waves closed too."""
    [closes] = [days for _, label, _, days, *_ in CLOSED_WAVES if label == "baseline"]
    return today + timedelta(days=closes)


def _release_benchmark(today: date) -> None:
    """The norm of the baseline's half-year, made by the real code on the platform role, before the half-year
    has ended (the sweeper makes it once after; it finds this one and leaves it)."""
    database = current_app.extensions["koers.db"]
    with database.PlatformSession() as db:
        benchmark.release_period(db, benchmark.period_of(_baseline_closes(today)), today=today,
                                 sectors=[BENCHMARK_SECTOR], before_end=True)
        db.commit()

