"""What people say (issue 21 point 5): the released open answers of a wave grouped into themes.

The themes are checked on generated answers with known topics (each topic's answers land in one theme
of their own), for determinism, for the free-text rule (below the threshold nothing is shown; a small
theme is counted under other), for texts without attributes, and through the job, the page, the JSON,
the CSV and the PDF's template, which must agree."""
from __future__ import annotations

import csv
import io
import random
from collections import Counter
from datetime import date
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from saas.comparison import synth
from saas.opentext import maths
from saas.opentext.models import AnswerThemes
from saas.opentext.service import question_themes
from saas.reports import export, service as reports
from saas.reports.jobs import release_and_compare as release_job
from saas.surveys import service as surveys
from saas.surveys.models import Response, Wave
from tenants.models import LegacyOrganisation, Tenant
from tests.helpers import signed_in, works_council

WC = "wim@zeg.example"

# Three topics a works council hears about, in Dutch and in English, with words of their own, among
# stop words and one word every topic uses.
TOPICS = {
    "nl": {
        "werkdruk": ["werkdruk", "overuren", "deadlines", "stress", "personeelstekort", "roosters", "uitval",
                     "haast", "taken", "agenda"],
        "samenwerking": ["samenwerking", "collega", "afdelingen", "overleg", "elkaar", "informatie", "teams",
                         "afstemming", "kennis", "delen"],
        "leidinggevende": ["leidinggevende", "manager", "waardering", "feedback", "luistert", "beslissingen",
                           "vertrouwen", "coaching", "gesprekken", "ruimte"],
    },
    "en": {
        "workload": ["workload", "overtime", "deadlines", "stress", "understaffed", "rosters", "sickness",
                     "rush", "tasks", "schedule"],
        "cooperation": ["cooperation", "colleagues", "departments", "meetings", "together", "information",
                        "teams", "alignment", "knowledge", "sharing"],
        "manager": ["manager", "supervisor", "appreciation", "feedback", "listens", "decisions", "trust",
                    "coaching", "conversations", "autonomy"],
    },
}
FILLER = {"nl": ["de", "het", "is", "en", "er", "te", "veel", "bij", "ons", "organisatie", "echt", "nu"],
          "en": ["the", "is", "and", "there", "too", "much", "with", "our", "organisation", "also", "now"]}


def answers_about(language: str, per_topic: int, seed: int = 1) -> tuple[list[str], list[str]]:
    """`per_topic` generated answers per topic: each 3 to 5 words of its topic among filler, sorted as a
    release sorts them; and the topic of each."""
    rng = random.Random(seed)
    pairs = []
    for topic, words in TOPICS[language].items():
        for _ in range(per_topic):
            chosen = rng.sample(words, rng.randint(3, 5)) + rng.sample(FILLER[language], 3)
            rng.shuffle(chosen)
            pairs.append((" ".join(chosen).capitalize() + ".", topic))
    pairs.sort(key=lambda pair: (pair[0].casefold(), pair[1]))
    return [text for text, _topic in pairs], [topic for _text, topic in pairs]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_themes_recover_known_topics_and_are_the_same_every_run(language):
    texts, topics = answers_about(language, 40)
    found = maths.find(texts, most=len(texts) // 10)
    assert found.chosen == 3 and len(found.themes) == 3
    theme_of = {i: n for n, theme in enumerate(found.themes) for i in theme.members}
    dominant = {}
    for topic in TOPICS[language]:
        landed = Counter(theme_of.get(i) for i, t in enumerate(topics) if t == topic)
        dominant[topic], count = landed.most_common(1)[0]
        assert count >= 0.9 * 40, (topic, landed)  # mostly in one theme
    assert sorted(dominant.values()) == [0, 1, 2]  # each topic its own theme
    for topic, theme in dominant.items():  # named by its own words, no stop word, no other topic's word
        label = set(found.themes[theme].words)
        assert label <= set(TOPICS[language][topic]) | {"organisatie", "organisation"}, label
        assert len(label) == maths.LABEL_WORDS
    again = maths.find(list(texts), most=len(texts) // 10)
    assert again == found


def test_below_the_threshold_nothing_is_shown_and_small_themes_count_as_other():
    texts, _topics = answers_about("nl", 40)
    hidden = question_themes({"key": "q1", "text": {}, "answers": None, "hidden": "fewer_than_free_text_k"}, 5)
    assert hidden["hidden"] == "fewer_than_free_text_k" and hidden["themes"] == [] and hidden["answers"] is None
    few = question_themes({"key": "q1", "text": {}, "answers": texts[:19]}, 5)  # fewer than 2 × 10: no themes
    assert few["hidden"] == "too_few_for_themes" and few["themes"] == []
    # a k of 40 asks 40 answers of a theme: of three topics of 40 answers, one misplaced answer sends a
    # theme below it, into "other"; nothing shown has fewer than 40
    strict = question_themes({"key": "q1", "text": {}, "answers": texts}, 40)
    shown = [theme["count"] for theme in strict["themes"]]
    assert all(count >= 40 for count in shown)
    assert sum(shown) + (strict["other"] or 0) <= len(texts)
    if strict["other"] is not None:
        assert strict["other"] >= 40
    loose = question_themes({"key": "q1", "text": {}, "answers": texts}, 5)
    assert sum(t["count"] for t in loose["themes"]) == len(texts) and loose["other"] is None
    # the examples are answers as released (verbatim), and a theme holds nothing but words, a count and them
    for theme in loose["themes"]:
        assert sorted(theme) == ["count", "examples", "words"]
        assert len(theme["examples"]) == maths.VERBATIMS and set(theme["examples"]) <= set(texts)


# ---- through the job, the page, the JSON, the CSV ------------------------------------------------

@pytest.fixture
def said(app, make):
    """A closed wave with an open question answered by 90 people about three topics (Dutch), and a
    second open question answered by 8 (fewer than the free-text threshold of 10)."""
    tenant = make.tenant("zeg", legacy_orgs=("AAL", "BEE"))
    make.member(tenant, WC, roles=["works_council"])
    texts, _topics = answers_about("nl", 30, seed=4)
    with make.session(tenant.id) as db:
        orgs = {o.code: o.id for o in db.scalars(select(LegacyOrganisation))}
        wave = surveys.create_wave(db, name="Nulmeting", series_label="T0", opens_on=date(2026, 2, 1),
                                   questions=[{"kind": "open", "nl": "Wat speelt er?", "en": "What is going on?"},
                                              {"kind": "open", "nl": "Nog iets?", "en": "Anything else?"}])
        surveys.record_consent(db, wave, by=works_council(db), decided_on=date(2026, 1, 20), decision="De OR stemt in.")
        wave.status = "closed"
        db.flush()
        synth.add_answers(db, wave, orgs["AAL"], 50, archetype=0, seed=1)
        synth.add_answers(db, wave, orgs["BEE"], 40, archetype=1, seed=2)
        first, second = (q["key"] for q in wave.questions)
        for n, response in enumerate(db.scalars(select(Response).where(Response.wave_id == wave.id)
                                                .order_by(Response.id))):
            given = {first: texts[n]}
            if n < 8:
                given[second] = f"Opmerking nummer {n}"
            response.answers = {**response.answers, "questions": given}
        return SimpleNamespace(tenant=tenant, wave=wave.id, texts=texts)


def test_the_job_finds_the_themes_once_and_page_json_csv_and_pdf_show_the_same(app, make, said, monkeypatch):
    with app.app_context():  # the job itself, in-process, as the comparison's tests run it
        assert release_job(said.tenant.id, said.wave) == "computed"
    with make.session(said.tenant.id) as db:
        stored = db.scalar(select(AnswerThemes))
        first_at = stored.computed_at
    with app.app_context():
        assert release_job(said.tenant.id, said.wave) == "up to date"  # nothing new: the themes stay as found
    with make.session(said.tenant.id) as db:
        assert db.scalar(select(AnswerThemes)).computed_at == first_at

    wim = signed_in(app, WC)
    report = wim.get(f"/t/zeg/reports/waves/{said.wave}.json").get_json()
    themes = report["themes"]
    assert themes["computed"] is True
    talk, other = themes["questions"]
    assert talk["answers"] == 90 and talk["chosen"] == 3 and talk["hidden"] is None
    topics = TOPICS["nl"]  # each theme named by the words of one topic, each topic one theme
    assert sorted(next(topic for topic, words in topics.items() if set(t["words"]) <= {*words, "organisatie"})
                  for t in talk["themes"]) == sorted(topics)
    assert all(t["count"] >= 10 for t in talk["themes"])
    for theme in talk["themes"]:  # verbatim released answers, nothing next to them
        assert sorted(theme) == ["count", "examples", "words"] and set(theme["examples"]) <= set(said.texts)
    assert other["hidden"] == "fewer_than_free_text_k" and other["themes"] == []
    # no organisation next to anything: a filtered report has no themes at all
    aal = wim.get(f"/t/zeg/reports/waves/{said.wave}.json?legacy_org=AAL").get_json()
    assert aal["themes"]["questions"] == []

    page = wim.text(f"/t/zeg/reports/waves/{said.wave}")
    section = page[page.index('id="themes-heading"'):]
    section = section[:section.index("</section>")]
    assert "What people say" in section and "<h3>What is going on?</h3>" in section
    for theme in talk["themes"]:
        assert ", ".join(theme["words"]) in section and f"<td>{theme['count']}</td>" in section
        for text in theme["examples"]:
            assert text in section
    assert "Fewer than 10 answers: not shown." in section
    assert "AAL" not in section and "BEE" not in section

    rows = list(csv.DictReader(io.StringIO(wim.get(f"/t/zeg/reports/waves/{said.wave}.csv").data.decode("utf-8-sig"))))
    theme_rows = [r for r in rows if r["measure"] == "theme" and r["value"]]
    assert [(r["note"], int(r["value"])) for r in theme_rows] == [(", ".join(t["words"]), t["count"])
                                                                   for t in talk["themes"]]
    assert [r["note"] for r in rows if r["measure"] == "theme_example"] == [
        text for t in talk["themes"] for text in t["examples"]]
    assert all(r["legacy_org"] == "" and r["team"] == "" for r in rows if r["measure"].startswith("theme"))

    # the PDF lays out the same report with the same template (WeasyPrint itself left out: it takes seconds)
    monkeypatch.setattr(export, "pdf", lambda html, css: html)
    with make.session(said.tenant.id) as db, app.test_request_context(), force_locale("nl"):
        wave, tenant = db.get(Wave, said.wave), db.get(Tenant, said.tenant.id)
        html = export.report_pdf(export.ReportView(db, reports.wave_report(db, tenant, wave)), wave, tenant,
                                 date(2026, 3, 1))
    assert "Wat mensen zeggen" in html and "Minder dan 10 antwoorden: niet getoond." in html
    assert "<h3>Wat speelt er?</h3>" in html and "<h3>Nog iets?</h3>" in html  # the questions, not their keys
    for theme in talk["themes"]:
        assert ", ".join(theme["words"]) in html and all(text in html for text in theme["examples"])

