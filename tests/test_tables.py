"""Every table of a page template scrolls in its own box (saas/kernel/tables.py); the browser crawl
(tests/browser/test_crawl_layout.py) checks the result on every page, this the rule itself."""
from __future__ import annotations

from flask import render_template_string
from flask_babel import force_locale
from jinja2 import DictLoader, Environment

from saas.kernel.tables import ScrollingTables

PAGE = """<h2>Teams</h2>
<table class="teams"><tr><td>{{ name }}</td><td><table><tr><td>inner</td></tr></table></td></tr></table>
<div class="survey-table" role="region" tabindex="0" aria-labelledby="x">
  <table><tr><td>own box</td></tr></table>
</div>"""


def _environment():
    templates = {"teams/page.html": PAGE, "mail/invite.html": "<table><tr><td>mail</td></tr></table>"}
    environment = Environment(loader=DictLoader(templates), extensions=[ScrollingTables])
    environment.globals["table_box_label"] = "Tabel"
    return environment


def test_each_table_of_a_page_gets_a_focusable_named_box_that_closes_after_it():
    html = _environment().get_template("teams/page.html").render(name="Wijkteam")
    box = '<div class="table-scroll" role="region" tabindex="0" aria-label="Tabel">'
    assert html.count(box) == 2  # the outer table and the one inside it
    assert html.index(box) < html.index('<table class="teams">')
    assert "</table></div></td></tr></table></div>" in html  # each box closes right after its own table
    assert '<div class="survey-table" role="region" tabindex="0" aria-labelledby="x">\n  <table>' in html
    assert html.count("<div") == html.count("</div>")


def test_mail_templates_keep_their_plain_tables():
    html = _environment().get_template("mail/invite.html").render()
    assert html == "<table><tr><td>mail</td></tr></table>"


def test_the_box_is_named_in_the_readers_language(app):
    with app.test_request_context(), force_locale("nl"):
        assert str(app.jinja_env.globals["table_box_label"]) == "Tabel"
        assert render_template_string("{{ table_box_label }}") == "Tabel"
