"""The demo's leadership part (issue 9, point 8): five promises of the management team, two closed
pulse checks with enough answers to show, a closed 360 round of the demo manager (Mark Jansen) with
the consultant as coach, and evidence for the consistency check. Made through the services, with
seeded answers; no mails are sent (the demo shows none)."""
from __future__ import annotations

import random
from datetime import date, timedelta

from babel.dates import format_date
from sqlalchemy import select

from saas.leadership import consistency, feedback, pulses, promises as promise_service
from tenants.models import Membership, Tenant

PROMISES = [
    "Elk MT-lid loopt elke maand een ochtend mee met een team.",
    "We leggen elk besluit dat jouw werk raakt binnen een week uit, ook als het nee is.",
    "We vragen eerst wat een team zelf voorstelt, voordat we een oplossing kiezen.",
    "We reageren binnen vijf werkdagen op elke vraag of elk idee dat bij ons binnenkomt.",
    "We spreken elkaar als MT aan op afspraken, ook als medewerkers erbij zijn.",
]
# (opens and closes, in days from the day the demo is made; answers; the most likely score per promise):
# the second round shows movement. Each is named after the month it opened in.
PULSE_ROUNDS = [
    (-62, -51, 24, (2, 3, 2, 3, 2)),
    (-20, -9, 27, (4, 3, 3, 2, 3)),
]
EXAMPLES = [
    "Onze manager was twee keer bij het teamoverleg, dat merk je.",
    "Het besluit over de roosters kwam zonder uitleg.",
    "Bij de nieuwe werkplekken werd ons eerst om een voorstel gevraagd.",
    "Mijn vraag over scholing ligt al drie weken stil.",
    "In het plenaire overleg sprak een MT-lid een collega-MT-lid aan op de planning.",
    "Ik heb nog niemand van het MT op onze locatie gezien.",
    "De uitleg over de fusie van de teams was helder.",
    "We kregen wel uitleg, maar pas na een maand.",
]


def seed(db, prog, memberships: dict, staff: list, today: date) -> None:
    """The leadership part of the demo, every date counted from `today` (saas.demo.seed)."""
    tenant = db.get(Tenant, prog.tenant_id)
    mark = memberships["management@demo.example.org"]
    promises = [promise_service.add_promise(db, prog, mark, text) for text in PROMISES]
    rng = random.Random(2026)
    closed = []
    for opens_in, closes_in, count, likely in PULSE_ROUNDS:
        opens_on, closes_on = today + timedelta(days=opens_in), today + timedelta(days=closes_in)
        name = f"Pulscheck {format_date(opens_on, 'MMMM', locale='nl')}"
        pulse = pulses.plan_round(db, tenant, prog, name=name, opens_on=opens_on, closes_on=closes_on)
        pulses.record_consent(  # by the demo works council member, on each round before it opens
            db, pulse, by=memberships["works-council@demo.example.org"], decided_on=today + timedelta(days=PULSE_ROUNDS[0][0] - 7),
            decision="De ondernemingsraad stemt in met maandelijkse pulschecks over de beloften van het MT, "
                     "met resultaten alleen bij minstens vijf antwoorden.")
        pulses.open_round(db, tenant, pulse, opens_on, send_mail=False)
        invited = pulses.invite(db, pulse, pulses.audience(db))
        answering = [m for m, _token in invited if m.id in {s.id for s in staff}][:count]
        for membership in answering:
            invitation = pulses.invitation_of(db, pulse.id, membership)
            scores, examples = {}, {}
            for promise, centre in zip(promises, likely):
                if rng.random() < 0.08:
                    continue  # "I can't say"
                scores[str(promise.id)] = min(5, max(1, centre + rng.choice((-1, 0, 0, 1))))
                if rng.random() < 0.2:
                    examples[str(promise.id)] = rng.choice(EXAMPLES)
            pulses.submit(db, tenant, pulse, invitation, scores, examples, opens_on)
        pulses.close_round(db, pulse)
        closed.append(pulse)

    # Mark's 360: his own manager (the director, Anna de Vries), three peers, six reports; Carla coaches
    director = db.scalar(select(Membership).where(Membership.user.has(email="admin@demo.example.org")))
    peers = [memberships["sponsor@demo.example.org"], staff[0], staff[1]]
    reports = staff[3:9]
    feedback_round = feedback.start_round(
        db, tenant, prog, mark, coach_id=memberships["consultant@demo.example.org"].id, manager_id=director.id,
        peer_ids=[p.id for p in peers], report_ids=[r.id for r in reports], closes_on=today - timedelta(days=16),
        today=today - timedelta(days=34), send_mail=False)
    centres = {"self": (5, 4, 4, 4, 5), "manager": (4, 3, 3, 4, 4), "peer": (4, 4, 3, 3, 3), "report": (3, 2, 3, 2, 2)}
    comments = {"keep": ["Je bent zichtbaar op de werkvloer.", "Heldere uitleg in het plenaire overleg.",
                         "Je neemt de tijd voor vragen."],
                "change": ["Vraag ons eerder om een voorstel.", "Reageer sneller op mails met ideeën.",
                           "Spreek collega's in het MT ook aan als het ongemakkelijk is."]}
    for person in [mark, director] + peers + reports:
        invitation = feedback.invitation_of(db, feedback_round.id, person)
        scores = {str(p.id): min(5, max(1, centre + rng.choice((-1, 0, 0, 1))))
                  for p, centre in zip(promises, centres[invitation.relation])}
        said = {question: rng.choice(options) for question, options in comments.items() if rng.random() < 0.7}
        feedback.submit(db, feedback_round, invitation, scores, said, today - timedelta(days=27))
    feedback.close_round(db, feedback_round)

    consistency.add_interview(db, promises[0], memberships["consultant@demo.example.org"],
                          title="Gesprek met drie teamleiders", held_on=today - timedelta(days=46), rating="consistent",
                          notes="Alle drie zagen hun MT-lid de afgelopen maand minstens één ochtend in het team.")
    consistency.add_document(db, promises[2], memberships["consultant@demo.example.org"],
                         title="MT-besluitenlijst", rating="inconsistent", filename="besluitenlijst.pdf",
                         notes="Vier van de vijf besluiten over werkwijzen zijn genomen zonder voorstel van een team.",
                         data=_pdf(f"MT-besluitenlijst {format_date(today - timedelta(days=46), 'MMMM y', locale='nl')}"))
    consistency.link_pulse(db, promises[3], mark, pulse_round_id=closed[-1].id, rating="inconsistent",
                       notes="Staff merken nog weinig van de reactietermijn van vijf werkdagen.")
    consistency.link_feedback(db, promises[0], mark, feedback_round_id=feedback_round.id, rating="consistent",
                          notes="Mijn 360-feedback bevestigt dat ik zichtbaar ben in de teams.")


def _pdf(title: str) -> bytes:
    """A one-page PDF with a title, so that the demo's document evidence opens in a viewer."""
    stream = f"BT /F1 18 Tf 72 760 Td ({title}) Tj ET".encode("latin-1")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
